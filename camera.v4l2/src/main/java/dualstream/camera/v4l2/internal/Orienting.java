package dualstream.camera.v4l2.internal;

import java.util.List;

import org.osgi.service.log.Logger;

import dualstream.camera.api.CameraControl;
import dualstream.camera.api.ControlType;
import dualstream.camera.api.Orientation;
import dualstream.camera.support.ExifOrientation;
import dualstream.camera.v4l2.internal.videodev2.V4l2Device;
import dualstream.camera.v4l2.internal.videodev2.V4l2Exception;

/**
 * Makes a camera's configured orientation: with its own flip controls where they make it alone (the sensor reads out
 * mirrored, at no cost), else with an EXIF orientation in every JPEG, which viewers apply. Nothing is re-encoded.
 */
final class Orienting {

    static final int HFLIP = 0x00980914; // V4L2_CID_HFLIP
    static final int VFLIP = 0x00980915; // V4L2_CID_VFLIP
    private static final byte[] NOTHING = new byte[0];

    private final Orientation wanted;
    /** Until the camera is opened, what is asked, as if by EXIF: its shape is known before where it is made. */
    private volatile Orientation.Applied applied;
    private volatile byte[] segment = NOTHING;
    /** Whether the orientation holds the camera's flip controls, which users then cannot set. */
    private volatile boolean ownsFlips;

    Orienting(Orientation wanted) {
        this.wanted = wanted;
        this.applied = Orientation.Applied.of(wanted, false, false);
    }

    /**
     * Sets the camera's flips for the orientation, on every open, since a camera plugged in again has forgotten them.
     * An upright camera's flips are left as they are: they are then the user's controls.
     *
     * @return whether the camera's controls were changed (and should be read again)
     */
    boolean opened(V4l2Device device, List<CameraControl> controls, Logger log, String camera) throws V4l2Exception {
        if (wanted.equals(Orientation.UPRIGHT)) {
            return false;
        }
        boolean hasH = settable(controls, HFLIP);
        boolean hasV = settable(controls, VFLIP);
        ownsFlips = hasH || hasV;
        Orientation.Applied chosen = Orientation.Applied.of(wanted, hasH, hasV);
        try {
            flip(device, hasH, hasV, chosen.cameraMirrorsH(), chosen.cameraMirrorsV());
        } catch (V4l2Exception e) {
            if (e.isDeviceLost()) {
                throw e;
            }
            log.warn("camera {}: its flip controls refused ({}); the picture is turned by EXIF orientation instead",
                    camera, e.getMessage());
            chosen = new Orientation.Applied(wanted, false, false, wanted.exif());
            try {
                flip(device, hasH, hasV, false, false);
            } catch (V4l2Exception again) {
                if (again.isDeviceLost()) {
                    throw again;
                }
                log.error("camera {}: its flip controls cannot be put back either ({}): the picture may be mirrored"
                        + " as well as turned", camera, again.getMessage());
            }
        }
        if (!chosen.equals(applied)) {
            log.info("camera {}: rotation {}, flipHorizontal {}, flipVertical {}: {}", camera, wanted.rotation(),
                    wanted.flipHorizontal(), wanted.flipVertical(),
                    chosen.exif() == 1 ? "by the camera's own flips" : "by EXIF orientation " + chosen.exif());
        }
        segment = chosen.exif() == 1 ? NOTHING : ExifOrientation.segment(chosen.exif());
        applied = chosen;
        return hasH || hasV;
    }

    /**
     * Puts the camera's flips back before the device is closed for good (a configuration changed, the bundle
     * stopped): a camera keeps its controls, and would stay turned for whoever opens it next.
     */
    void release(V4l2Device device, Logger log, String camera) {
        Orientation.Applied made = applied;
        if (!made.cameraMirrorsH() && !made.cameraMirrorsV()) {
            return;
        }
        try {
            flip(device, made.cameraMirrorsH(), made.cameraMirrorsV(), false, false);
        } catch (V4l2Exception e) {
            log.debug("camera {}: flips not put back: {}", camera, e.getMessage());
        }
    }

    /** The controls as users may set them: the flips an orientation holds are shown as not settable now. */
    List<CameraControl> forUsers(List<CameraControl> controls) {
        if (!ownsFlips) {
            return controls;
        }
        return controls.stream().map(c -> c.id() == HFLIP || c.id() == VFLIP ? new CameraControl(c.id(), c.name(),
                c.type(), c.minimum(), c.maximum(), c.step(), c.defaultValue(), c.value(),
                c.flags() | CameraControl.FLAG_INACTIVE, c.menu()) : c).toList();
    }

    /** Why a control cannot be set by users, or null when it can. */
    String refusal(int id) {
        return ownsFlips && (id == HFLIP || id == VFLIP) ? "set by the camera's rotation and flip settings" : null;
    }

    private static void flip(V4l2Device device, boolean hasH, boolean hasV, boolean h, boolean v)
            throws V4l2Exception {
        if (hasH) {
            device.setControl(HFLIP, h ? 1 : 0);
        }
        if (hasV) {
            device.setControl(VFLIP, v ? 1 : 0);
        }
    }

    private static boolean settable(List<CameraControl> controls, int id) {
        return controls.stream().anyMatch(c -> c.id() == id
                && (c.type() == ControlType.BOOLEAN || c.type() == ControlType.INTEGER)
                && (c.flags() & (CameraControl.FLAG_DISABLED | CameraControl.FLAG_READ_ONLY)) == 0);
    }

    Orientation.Applied applied() {
        return applied;
    }

    /** What goes right after SOI in every frame: the EXIF orientation, or nothing. */
    byte[] segment() {
        return segment;
    }
}
