package dualstream.camera.support;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

import dualstream.camera.api.CameraStatistics;

/** Thread-safe counters of one camera, including a frame rate measured over roughly the last second. */
public final class CameraCounters {

    private static final long WINDOW_NANOS = 1_000_000_000L;

    private final LongAdder frames = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder broken = new LongAdder();
    private final LongAdder stills = new LongAdder();

    private final Object rateLock = new Object();
    private long windowStart = System.nanoTime();
    private long framesInWindow;
    private long lastFrameNanos;
    private double lastRate;

    public void frame() {
        frames.increment();
        long now = System.nanoTime();
        synchronized (rateLock) {
            if (now - windowStart >= WINDOW_NANOS) {
                lastRate = framesInWindow * 1e9 / (now - windowStart);
                windowStart = now;
                framesInWindow = 0;
            }
            framesInWindow++;
            lastFrameNanos = now;
        }
    }

    public void dropped(long count) {
        dropped.add(count);
    }

    public void broken() {
        broken.increment();
    }

    public void still() {
        stills.increment();
    }

    /** Frames per second over the last full window, or 0 when no frame came for two windows. */
    public double measuredFps() {
        synchronized (rateLock) {
            long now = System.nanoTime();
            if (lastFrameNanos == 0 || now - lastFrameNanos > 2 * WINDOW_NANOS) {
                return 0;
            }
            if (lastRate == 0 && now - windowStart > 0) {
                return framesInWindow * 1e9 / Math.max(now - windowStart, WINDOW_NANOS / 10);
            }
            return lastRate;
        }
    }

    public CameraStatistics snapshot(int clients, Duration lastStillLatency) {
        return new CameraStatistics(frames.sum(), dropped.sum(), broken.sum(), stills.sum(), clients, measuredFps(),
                Optional.ofNullable(lastStillLatency));
    }
}
