package dualstream.camera.v4l2.internal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dualstream.camera.api.CameraControl;
import dualstream.camera.api.Resolution;
import dualstream.camera.v4l2.internal.videodev2.V4l2Device;
import dualstream.camera.v4l2.internal.videodev2.V4l2Exception;

/**
 * Carries a camera's automatic exposure across a size switch, where the camera lets it: the exposure the automatic
 * mode settled on at each size is read back (uvcvideo asks the camera for it while automatic), and the next switch to
 * that size starts in manual mode at that value, so the first frames are right instead of re-converging from dark.
 * Automatic mode is restored once the picture at the stream size has settled, or at once when nobody watches.
 * <p>
 * One value per size, since binned low-resolution modes need another exposure than full-sensor ones. A size whose
 * remembered value did not give the picture back (the light changed) converges on its own and its new value is
 * remembered; one whose fresh value fails too (the camera reports a value it does not use) is not locked again until
 * the camera is reopened. Nothing is touched while the user has chosen manual exposure.
 */
final class ExposureLock {

    static final int EXPOSURE_AUTO = 0x009a0901;
    static final int EXPOSURE_ABSOLUTE = 0x009a0902;
    static final int MANUAL = 1;

    private final Map<Resolution, Integer> settled = new HashMap<>();
    private final Set<Resolution> refused = new HashSet<>();
    private final Set<Resolution> failedOnce = new HashSet<>();
    private boolean available;
    /** The automatic mode to go back to while this holds the camera in manual mode, else null. */
    private Integer restoreMode;

    /** The camera was (re)opened: what it offers decides whether there is anything to carry. */
    void opened(V4l2Device device, List<CameraControl> controls) throws V4l2Exception {
        settled.clear();
        refused.clear();
        failedOnce.clear();
        boolean hasAuto = false;
        boolean hasAbsolute = false;
        for (CameraControl control : controls) {
            hasAuto |= control.id() == EXPOSURE_AUTO && control.menu().containsKey(MANUAL);
            hasAbsolute |= control.id() == EXPOSURE_ABSOLUTE && (control.flags() & CameraControl.FLAG_DISABLED) == 0;
        }
        available = hasAuto && hasAbsolute;
        if (restoreMode != null && available) {
            device.setControl(EXPOSURE_AUTO, restoreMode); // a camera keeps manual mode across a reconnect
        }
        restoreMode = null;
    }

    boolean locked() {
        return restoreMode != null;
    }

    /** Whether the camera is in its automatic mode by the user's choice, so that there is something to carry. */
    private boolean automatic(V4l2Device device) throws V4l2Exception {
        return available && restoreMode == null && device.getControl(EXPOSURE_AUTO) != MANUAL;
    }

    /** The exposure the camera uses now, read back while automatic; null where it reports none. */
    Integer readBack(V4l2Device device) throws V4l2Exception {
        if (!available || restoreMode != null) {
            return null;
        }
        try {
            return device.getControl(EXPOSURE_ABSOLUTE);
        } catch (V4l2Exception e) {
            if (e.isDeviceLost()) {
                throw e;
            }
            return null;
        }
    }

    /** Remembers the exposure the automatic mode settled on at this size (the picture there is settled now). */
    void settledAt(V4l2Device device, Resolution size) throws V4l2Exception {
        Integer exposure = automatic(device) ? readBack(device) : null;
        if (exposure != null) {
            settled.put(size, exposure);
        }
    }

    /**
     * Before streaming starts at this size: manual mode at the exposure remembered for it, if there is one.
     *
     * @return whether the exposure is locked now
     */
    boolean lockFor(V4l2Device device, Resolution size) throws V4l2Exception {
        Integer exposure = settled.get(size);
        if (refused.contains(size) || exposure == null) {
            release(device);
            return false;
        }
        if (restoreMode == null) {
            if (!automatic(device)) {
                return false;
            }
            restoreMode = device.getControl(EXPOSURE_AUTO);
            device.setControl(EXPOSURE_AUTO, MANUAL);
        }
        try {
            device.setControl(EXPOSURE_ABSOLUTE, exposure);
        } catch (V4l2Exception e) {
            if (e.isDeviceLost()) {
                throw e;
            }
            refused.add(size);
            release(device);
            return false;
        }
        return true;
    }

    /**
     * The remembered value did not give the picture back at this size: automatic mode again, and the value it finds
     * is remembered instead; after a second failure in a row, no lock there.
     */
    void failed(V4l2Device device, Resolution size) throws V4l2Exception {
        settled.remove(size);
        if (!failedOnce.add(size)) {
            refused.add(size);
        }
        release(device);
    }

    /** The value carried to this size gave the picture back. */
    void held(Resolution size) {
        failedOnce.remove(size);
    }

    /** Back to the automatic mode the user had, if this holds the camera in manual mode. */
    void release(V4l2Device device) throws V4l2Exception {
        if (restoreMode != null) {
            int mode = restoreMode;
            restoreMode = null;
            device.setControl(EXPOSURE_AUTO, mode);
        }
    }

    /** The user set exposure themselves: their choice stands, nothing is restored over it. */
    void userChanged() {
        restoreMode = null;
        settled.clear();
    }
}
