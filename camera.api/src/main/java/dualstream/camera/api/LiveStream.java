package dualstream.camera.api;

import java.util.concurrent.TimeUnit;

/**
 * One consumer's view of a camera's live stream. The camera streams while at least one is open.
 * <p>
 * It holds no queue: {@link #next} hands out the newest frame, so a consumer that falls behind skips frames
 * instead of delaying the camera or other consumers. Used by one thread at a time; {@link #close} from any thread.
 */
public interface LiveStream extends AutoCloseable {

    /**
     * Waits for a frame newer than the last one this stream returned and returns the newest there is.
     *
     * @return the frame, or {@code null} if none came within the timeout (stalled or disconnected camera)
     * @throws CameraUnavailableException when this stream or its camera was closed; no frame will come
     */
    Frame next(long timeout, TimeUnit unit) throws InterruptedException, CameraUnavailableException;

    /** Detaches this consumer and wakes a thread waiting in {@link #next}. Idempotent. */
    @Override
    void close();
}
