package dualstream.camera.api;

import java.util.Map;
import java.util.Objects;

/**
 * A camera to serve, in no implementation's configuration terms: what a runtime that chooses cameras hands to a
 * {@link CameraProvider}.
 *
 * @param id how clients choose it ({@code ?camera=<id>})
 * @param device where it is, such as a V4L2 node or a link to one; empty for a camera without hardware
 * @param settings by the names the camera's own configuration declares ({@code fps}, {@code streamSize}); the
 *        provider says which it refuses, so the one who chooses never types them
 */
public record CameraSetup(String id, String device, Map<String, Object> settings) {

    public CameraSetup {
        Objects.requireNonNull(id, "id");
        device = device == null ? "" : device;
        settings = Map.copyOf(settings);
    }
}
