package dualstream.camera.support;

import java.util.List;
import java.util.Optional;

import dualstream.camera.api.CameraService;

/** Choosing the camera a request asks for. */
public final class Cameras {

    private Cameras() {
    }

    /**
     * The camera with the given id or, when no id is given, the first camera.
     *
     * @param cameras the cameras in preference order
     * @param id      the requested id; {@code null} or empty for "the camera"
     */
    public static Optional<CameraService> select(List<CameraService> cameras, String id) {
        if (id == null || id.isEmpty()) {
            return cameras.stream().findFirst();
        }
        return cameras.stream().filter(c -> id.equals(c.info().id())).findFirst();
    }
}
