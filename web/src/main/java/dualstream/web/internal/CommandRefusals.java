package dualstream.web.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;

/**
 * The commands each camera did not take, for /state: mjpg-streamer's clients only see {@code <id>: -1}, an operator
 * sees how many and why.
 */
@Component(service = CommandRefusals.class)
public final class CommandRefusals {

    /** How many commands a camera refused, and the reason for the last one (null before the first). */
    record Refusals(long count, String last) {
    }

    private static final Refusals NONE = new Refusals(0, null);
    private static final int LONGEST_REASON = 200;

    private final Map<String, Refusals> byCamera = new ConcurrentHashMap<>();

    void refused(String cameraId, String reason) {
        String kept = reason.length() > LONGEST_REASON ? reason.substring(0, LONGEST_REASON) + "..." : reason;
        byCamera.merge(cameraId, new Refusals(1, kept), (before, now) -> new Refusals(before.count() + 1, now.last()));
    }

    Refusals of(String cameraId) {
        return byCamera.getOrDefault(cameraId, NONE);
    }
}
