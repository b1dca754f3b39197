package dualstream.camera.support;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;

import dualstream.camera.api.CameraUnavailableException;
import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;

/**
 * Holds a camera's newest live frame and hands it to every attached {@link LiveStream}.
 * <p>
 * No queue anywhere: publishing replaces the previous frame, so memory stays at one frame whatever the consumers do,
 * and a slow consumer skips frames. Frames must be published with increasing sequence numbers.
 */
public final class FrameHub {

    private final Object lock = new Object();
    private final Runnable demandChanged;
    private final Set<Consumer> listening = new CopyOnWriteArraySet<>();
    private Frame latest;
    private int consumers;
    private boolean closed;

    /**
     * @param demandChanged run (outside any lock) whenever a consumer attaches or detaches; the camera reads
     *                      {@link #consumers()} to decide whether to stream
     */
    public FrameHub(Runnable demandChanged) {
        this.demandChanged = demandChanged;
    }

    /** Attaches a consumer. After {@link #close()}, the stream's {@code next} fails at once. */
    public LiveStream open() {
        Consumer consumer = new Consumer();
        synchronized (lock) {
            if (!closed) {
                consumers++;
                consumer.attached = true;
            }
        }
        demandChanged.run();
        return consumer;
    }

    /** Makes {@code frame} the newest frame and wakes every waiting consumer. */
    public void publish(Frame frame) {
        synchronized (lock) {
            latest = frame;
            lock.notifyAll();
        }
        notifyListeners();
    }

    private void notifyListeners() {
        for (Consumer consumer : listening) {
            consumer.listener.run();
        }
    }

    /** Forgets the newest frame, so that consumers wait for a new one (e.g. after a size change). */
    public void clear() {
        synchronized (lock) {
            latest = null;
        }
    }

    public int consumers() {
        synchronized (lock) {
            return consumers;
        }
    }

    /** Ends every stream, now and later: waiting consumers get {@link CameraUnavailableException}. */
    public void close() {
        synchronized (lock) {
            closed = true;
            consumers = 0;
            latest = null;
            lock.notifyAll();
        }
        notifyListeners();
        listening.clear();
    }

    private final class Consumer implements LiveStream {
        private boolean attached;
        private long lastSequence = Long.MIN_VALUE;
        private volatile Runnable listener;

        @Override
        public void onNewFrame(Runnable newFrame) {
            listener = newFrame;
            listening.add(this);
            newFrame.run(); // a frame may already be waiting
        }

        @Override
        public Frame next(long timeout, TimeUnit unit) throws InterruptedException, CameraUnavailableException {
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            synchronized (lock) {
                while (true) {
                    if (closed || !attached) {
                        throw new CameraUnavailableException(closed ? "camera closed" : "stream closed");
                    }
                    if (latest != null && latest.sequence() > lastSequence) {
                        lastSequence = latest.sequence();
                        return latest;
                    }
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0) {
                        return null;
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, remaining);
                }
            }
        }

        @Override
        public void close() {
            boolean detached = false;
            synchronized (lock) {
                if (attached) {
                    attached = false;
                    if (!closed) {
                        consumers--;
                    }
                    detached = true;
                    lock.notifyAll();
                }
            }
            listening.remove(this);
            if (detached) {
                demandChanged.run();
            }
        }
    }
}
