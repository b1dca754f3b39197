package dualstream.camera.v4l2.internal;

import dualstream.camera.v4l2.internal.jpeg.LumaProbe.Luma;

/**
 * Whether the camera has settled after a switch, judged frame by frame from what it delivers: each frame's brightness
 * (its luma DC, read without decoding) and, where the camera reports it while automatic, its exposure.
 * <p>
 * A frame is settled when it is as bright as the picture before the switch (the same scene a moment ago: an auto
 * exposure aims at the same brightness at every size) and no longer moving, or when brightness and exposure have
 * stopped moving. A dark plateau at the start of a re-convergence also stops moving, so a picture far from the one
 * before the switch must hold still for longer before it is taken as the scene itself having changed.
 */
final class Settling {

    /** Why a frame was taken as settled; the token goes into {@code Server-Timing} and {@code /state}. */
    enum Reason {
        /** As bright as the picture before the switch. */
        MATCHED("matched"),
        /** Brightness and exposure stopped moving. */
        STEADY("steady"),
        /** The frames cannot be measured (not a JPEG the probe reads): the minimum count only. */
        UNMEASURED("unmeasured"),
        /** The limit ran out first: the newest whole frame, served anyway. */
        LIMIT("limit"),
        /** Settling is not measured (so configured): the frame after the minimum count. */
        FIXED("fixed");

        final String token;

        Reason(String token) {
            this.token = token;
        }
    }

    /** Within this of the picture before the switch counts as the same (relative, with a floor for dark scenes). */
    static final double MATCH = 0.04;
    static final double MATCH_FLOOR = 1.5;
    /**
     * Within this a carried exposure counts as having given the picture back. Its frames are the scene a few frames
     * later than the picture before the switch, read from their top rows only: what moved there (a print head, the
     * test pattern's bar) changes that part by up to a tenth, while an exposure that no longer fits (the light
     * changed) is off by far more.
     */
    static final double LOCK_MATCH = 0.12;
    /** Frame-to-frame change below this is "not moving". */
    static final double STILL = 0.012;
    static final double STILL_FLOOR = 1.5;
    /** Frames in a row that must agree to be steady, near the reference or without one; and far from it. */
    static final int STEADY_RUN = 3;
    static final int FAR_STEADY_RUN = 10;
    /**
     * Frames a carried exposure gets to show the picture: a camera applies a new exposure a frame or two late, and
     * the first frames after the switch may still have been exposed with the old one.
     */
    static final int LOCK_GRACE = 3;
    /** "Far" from the picture before the switch: off by more than this fraction of it. */
    static final double FAR = 0.4;
    /** With nothing to compare with, a picture this dark (mean luma) is far from settled until it has held still. */
    static final double DARK = 48;

    private final int minimumFrames;
    private final Luma reference;
    private boolean locked;
    private boolean lockFailed;
    private int lockMisses;
    private int frames;
    private int run;
    private double previous = Double.NaN;
    private Integer previousExposure;
    private boolean measured;

    /**
     * @param minimumFrames frames always skipped first ({@code warmupFrames})
     * @param reference     the picture before the switch at this camera, or null when there is none
     * @param locked        whether the exposure was carried across the switch: one of the first frames must then
     *                      match
     */
    Settling(int minimumFrames, Luma reference, boolean locked) {
        this.minimumFrames = minimumFrames;
        this.reference = reference;
        this.locked = locked && reference != null;
    }

    /**
     * Whether the exposure carried across did not give the picture back (asked once, after the frame that showed it):
     * the camera must then find its own again.
     */
    boolean lockDidNotHold() {
        boolean failed = lockFailed;
        lockFailed = false;
        return failed;
    }

    /** Whether the exposure carried across still stands (it has not failed to give the picture back). */
    boolean locked() {
        return locked;
    }

    /** Frames looked at so far (whole ones: frames of the wrong size and broken ones never get here). */
    int frames() {
        return frames;
    }

    /** Settling not measured: the frame after the minimum count is taken. */
    Reason fixed() {
        frames++;
        return frames > minimumFrames ? Reason.FIXED : null;
    }

    /**
     * @param luma     the frame's brightness, or null when it cannot be measured
     * @param exposure the camera's exposure read back with this frame, or null when it does not report one
     * @return why this frame is settled, or null to wait for the next
     */
    Reason offer(Luma luma, Integer exposure) {
        frames++;
        boolean exposureMoved = exposure != null && previousExposure != null && !exposure.equals(previousExposure);
        previousExposure = exposure;
        if (luma == null || Double.isNaN(luma.mean())) {
            run = 0;
            previous = Double.NaN;
            return frames > minimumFrames && !measured ? Reason.UNMEASURED : null;
        }
        measured = true;
        double brightness = luma.mean();
        boolean still = !Double.isNaN(previous)
                && Math.abs(brightness - previous) <= Math.max(STILL_FLOOR, STILL * brightness) && !exposureMoved;
        run = still ? run + 1 : 1;
        previous = brightness;
        if (frames <= minimumFrames) {
            return null;
        }
        if (reference != null) {
            double before = reference.meanOfTop(luma.fraction());
            double off = Math.abs(brightness - before);
            // Unless the exposure was carried across, a frame passing through the band on its way up is not settled.
            if (off <= Math.max(MATCH_FLOOR, (locked ? LOCK_MATCH : MATCH) * before) && (locked || still)) {
                return Reason.MATCHED;
            }
            if (locked) {
                if (++lockMisses < LOCK_GRACE) {
                    return null;
                }
                locked = false;
                lockFailed = true;
                run = 1; // from here the camera converges on its own: only frames from now count
                return null;
            }
            if (off > FAR * Math.max(before, MATCH_FLOOR)) {
                return run >= FAR_STEADY_RUN ? Reason.STEADY : null;
            }
        }
        if (reference == null && brightness < DARK) {
            return run >= FAR_STEADY_RUN ? Reason.STEADY : null;
        }
        return run >= STEADY_RUN ? Reason.STEADY : null;
    }
}
