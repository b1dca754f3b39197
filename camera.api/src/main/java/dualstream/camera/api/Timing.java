package dualstream.camera.api;

import java.time.Duration;
import java.util.Objects;

/**
 * One phase of the time a still took, as the camera measured it: {@code queue} (until the camera could start on it;
 * it finishes the stream frame it is capturing first), {@code switch} (to the still size), {@code settle} (from the
 * start of streaming at the still size until the frame kept: the frames skipped while the camera settled), {@code copy}
 * (out of the driver's buffer). A camera reports the phases it has.
 *
 * @param name        a token, usable as an HTTP {@code Server-Timing} metric name
 * @param duration    how long the phase took
 * @param description what happened in it, for people (e.g. why settling stopped), or null
 * @since 1.5
 */
public record Timing(String name, Duration duration, String description) {

    public static final String QUEUE = "queue";
    public static final String SWITCH = "switch";
    /** Earlier cameras' name for frames skipped after the switch: a fixed count, before settling was measured. */
    public static final String WARMUP = "warmup";
    public static final String CAPTURE = "capture";
    public static final String SETTLE = "settle";
    public static final String COPY = "copy";

    public Timing {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(duration, "duration");
    }

    public Timing(String name, Duration duration) {
        this(name, duration, null);
    }

    public static Timing ofNanos(String name, long nanos) {
        return new Timing(name, Duration.ofNanos(Math.max(0, nanos)));
    }

    public static Timing ofNanos(String name, long nanos, String description) {
        return new Timing(name, Duration.ofNanos(Math.max(0, nanos)), description);
    }
}
