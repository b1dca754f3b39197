package dualstream.camera.api;

import java.time.Duration;
import java.util.Objects;

/**
 * One phase of the time a still took, as the camera measured it: {@code queue} (until the camera could start on it;
 * it finishes the stream frame it is capturing first), {@code switch} (to the still size), {@code warmup} (frames
 * dropped), {@code capture} (until the kept frame came), {@code copy} (out of the driver's buffer). A camera reports
 * the phases it has.
 *
 * @param name     a token, usable as an HTTP {@code Server-Timing} metric name
 * @param duration how long the phase took
 */
public record Timing(String name, Duration duration) {

    public static final String QUEUE = "queue";
    public static final String SWITCH = "switch";
    public static final String WARMUP = "warmup";
    public static final String CAPTURE = "capture";
    public static final String COPY = "copy";

    public Timing {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(duration, "duration");
    }

    public static Timing ofNanos(String name, long nanos) {
        return new Timing(name, Duration.ofNanos(Math.max(0, nanos)));
    }
}
