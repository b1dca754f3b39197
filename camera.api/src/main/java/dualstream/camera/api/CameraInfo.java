package dualstream.camera.api;

import java.util.List;
import java.util.Objects;

/**
 * What a camera is and what it offers.
 *
 * @param id      unique among the cameras of one runtime; how clients choose a camera
 * @param device  where the camera is, e.g. {@code /dev/video0}
 * @param driver  the driver's name, e.g. {@code uvcvideo}
 * @param card    the device's own name
 * @param formats every pixel format the device offers, by name (e.g. {@code MJPG}, {@code YUYV})
 * @param sizes   the JPEG sizes the camera can deliver, smallest first
 * @param kind    whether the frames come from a real device or are a test pattern
 */
public record CameraInfo(String id, String device, String driver, String card, List<String> formats,
        List<Resolution> sizes, CameraKind kind) {

    public CameraInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(card, "card");
        Objects.requireNonNull(kind, "kind");
        formats = List.copyOf(formats);
        sizes = sizes.stream().sorted().toList();
    }

    /** A real device ({@link CameraKind#DEVICE}). */
    public CameraInfo(String id, String device, String driver, String card, List<String> formats,
            List<Resolution> sizes) {
        this(id, device, driver, card, formats, sizes, CameraKind.DEVICE);
    }
}
