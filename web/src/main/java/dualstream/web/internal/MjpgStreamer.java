package dualstream.web.internal;

import java.util.Optional;

import dualstream.camera.api.CameraControl;
import dualstream.camera.api.CameraService;
import dualstream.camera.api.CameraUnavailableException;

/**
 * mjpg-streamer's input_uvc, as its clients see it: the command groups, and the "JPEG quality" control it lists after
 * the camera's own (id 1, group 3, whether or not the camera can change its quality).
 */
final class MjpgStreamer {

    static final long GROUP_GENERIC = 0;
    static final long GROUP_V4L2 = 1;
    static final long GROUP_RESOLUTION = 2;
    static final long GROUP_JPEG_QUALITY = 3;

    static final int JPEG_QUALITY_ID = 1;
    static final int JPEG_QUALITY_DEFAULT = 50;

    private MjpgStreamer() {
    }

    /**
     * What a command came to: whether mjpg-streamer would answer 0, and what the camera refused (null if nothing),
     * which /state shows even where the answer is 0.
     */
    record Outcome(boolean taken, String refusal) {
        static Outcome refused(String why) {
            return new Outcome(false, why);
        }
    }

    /**
     * Carries out a command. For the JPEG quality mjpg-streamer answers 0 for every value from 0 to 100 (its check of
     * the driver's answer never fails): so do we, setting the camera's quality where it has that control.
     */
    static Outcome command(CameraService camera, long group, long id, long value) {
        if (group == GROUP_JPEG_QUALITY) {
            if (value < 0 || value > 100) {
                return Outcome.refused("JPEG quality: " + value + " is outside 0..100");
            }
            Optional<CameraControl> quality = camera.jpegQuality();
            String refusal = quality.isPresent() ? setControl(camera, quality.get().id(), value) : null;
            return new Outcome(true, refusal);
        }
        if (group == GROUP_V4L2) {
            String refusal = setControl(camera, id, value);
            return new Outcome(refusal == null, refusal);
        }
        if (group == GROUP_RESOLUTION) {
            return Outcome.refused("group 2 (stream resolution) is not changed by commands here: set streamSize");
        }
        return Outcome.refused("group " + group + " has no control " + id + " (the camera's controls are group 1)");
    }

    private static String setControl(CameraService camera, long id, long value) {
        if (id != (int) id || value != (int) value) {
            return "control " + id + ": " + value + " is beyond 32 bits";
        }
        try {
            CameraControl control = camera.setControl((int) id, (int) value);
            return control.value() == value ? null
                    : control.name() + ": set to " + value + ", the camera reports " + control.value();
        } catch (IllegalArgumentException | CameraUnavailableException e) {
            return e.getMessage();
        }
    }
}
