package dualstream.camera.api;

import java.time.Duration;
import java.util.Objects;

/**
 * How the camera settled for its last still, for operators: a still is kept once the camera has settled after the
 * switch (its exposure re-converges at the new size), or when a limit runs out.
 *
 * @param size                  the still's size
 * @param settle                from the start of streaming at that size to the frame kept
 * @param framesSkipped         frames looked at and not kept (unsettled, of another size, broken or tiny)
 * @param stoppedBy             why the frame was kept: {@code matched} (as bright as the picture before the switch),
 *                              {@code steady} (brightness and exposure stopped moving), {@code unmeasured} (frames the
 *                              camera cannot measure: the minimum count only), {@code limit} (served unsettled),
 *                              {@code fixed} (settling not measured, by configuration: the minimum count only)
 * @param exposureLocked        whether the camera's automatic exposure was carried across the switch
 * @param streamFramesWithheld  frames kept from the live stream after the switch back, until it had settled again
 * @since 1.5
 */
public record StillReport(Resolution size, Duration settle, int framesSkipped, String stoppedBy,
        boolean exposureLocked, int streamFramesWithheld) {

    public StillReport {
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(settle, "settle");
        Objects.requireNonNull(stoppedBy, "stoppedBy");
    }

    public StillReport withStreamFramesWithheld(int frames) {
        return new StillReport(size, settle, framesSkipped, stoppedBy, exposureLocked, frames);
    }
}
