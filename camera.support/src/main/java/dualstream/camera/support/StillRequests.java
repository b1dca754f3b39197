package dualstream.camera.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import dualstream.camera.api.Frame;
import dualstream.camera.api.Resolution;
import dualstream.camera.api.Timing;

/**
 * Pending still requests of one camera. A frame answers every request made before it was captured, so concurrent
 * requests share one capture while each still gets a frame that is fresh for it.
 */
public final class StillRequests {

    private final Clock clock;
    private final Runnable onStill;
    private final List<Request> pending = new ArrayList<>();
    private volatile Duration lastLatency;

    /** Where request times come from; the same clock as the frames' capture times. */
    public interface Clock {
        long epochMicros();

        Clock SYSTEM = () -> {
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        };
    }

    /**
     * @param onStill run once for every frame that answers requests, before any requester sees it (so that counters
     *                are up to date when a still arrives)
     */
    public StillRequests(Clock clock, Runnable onStill) {
        this.clock = clock;
        this.onStill = onStill;
    }

    /** Registers a request made now for a still of this size. */
    public CompletableFuture<Frame> request(Resolution size) {
        Request request = new Request(size, clock.epochMicros(), System.nanoTime());
        synchronized (pending) {
            pending.add(request);
        }
        return request.future;
    }

    public boolean hasPending() {
        return oldestSize() != null;
    }

    /** Whether a request waits for a still of this size. */
    public boolean hasPending(Resolution size) {
        // Asked for every stream frame: no stream or lambda, nothing allocated.
        boolean found = false;
        synchronized (pending) {
            for (Iterator<Request> it = pending.iterator(); it.hasNext();) {
                Request r = it.next();
                if (r.future.isDone()) {
                    it.remove();
                } else if (r.size.equals(size)) {
                    found = true;
                }
            }
        }
        return found;
    }

    /** The size the longest-waiting request asks for, or {@code null} when none waits. */
    public Resolution oldestSize() {
        synchronized (pending) {
            pending.removeIf(r -> r.future.isDone());
            return pending.isEmpty() ? null : pending.get(0).size;
        }
    }

    /**
     * Completes every pending request for {@code frame}'s size made before it was captured.
     *
     * @return how many requests it answered
     */
    public int complete(Frame frame) {
        return answer(frame, r -> frame);
    }

    /**
     * As {@link #complete(Frame)}, for a still the camera began on at {@code startedNanos} ({@link System#nanoTime()}):
     * each requester's frame starts its timings with a {@code queue} phase, from its request to that moment.
     */
    public int complete(Frame frame, long startedNanos) {
        return answer(frame, r -> withQueue(frame, startedNanos - r.requestedNanos));
    }

    private int answer(Frame frame, Function<Request, Frame> answerFor) {
        List<Request> answered = new ArrayList<>();
        synchronized (pending) {
            for (Iterator<Request> it = pending.iterator(); it.hasNext();) {
                Request r = it.next();
                if (r.size.equals(frame.size()) && r.requestedMicros < frame.captureTimeMicros()) {
                    answered.add(r);
                    it.remove();
                }
            }
        }
        if (answered.isEmpty()) {
            return 0;
        }
        onStill.run();
        long now = System.nanoTime();
        for (Request r : answered) {
            lastLatency = Duration.ofNanos(now - r.requestedNanos);
            r.future.complete(answerFor.apply(r));
        }
        return answered.size();
    }

    private static Frame withQueue(Frame frame, long queuedNanos) {
        List<Timing> phases = new ArrayList<>(frame.timings().size() + 1);
        phases.add(Timing.ofNanos(Timing.QUEUE, queuedNanos));
        phases.addAll(frame.timings());
        return frame.withTimings(phases);
    }

    /** Fails every pending request. */
    public void failAll(Throwable cause) {
        List<Request> failed;
        synchronized (pending) {
            failed = new ArrayList<>(pending);
            pending.clear();
        }
        failed.forEach(r -> r.future.completeExceptionally(cause));
    }

    /** Fails every pending request for this size. */
    public void fail(Resolution size, Throwable cause) {
        List<Request> failed = new ArrayList<>();
        synchronized (pending) {
            for (Iterator<Request> it = pending.iterator(); it.hasNext();) {
                Request r = it.next();
                if (r.size.equals(size)) {
                    failed.add(r);
                    it.remove();
                }
            }
        }
        failed.forEach(r -> r.future.completeExceptionally(cause));
    }

    /** Request-to-frame time of the last answered request, or {@code null} before the first. */
    public Duration lastLatency() {
        return lastLatency;
    }

    private record Request(Resolution size, long requestedMicros, long requestedNanos, CompletableFuture<Frame> future) {
        Request(Resolution size, long requestedMicros, long requestedNanos) {
            this(size, requestedMicros, requestedNanos, new CompletableFuture<>());
        }
    }
}
