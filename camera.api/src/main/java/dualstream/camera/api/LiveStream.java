package dualstream.camera.api;

import java.util.concurrent.TimeUnit;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One consumer's view of a camera's live stream. The camera streams while at least one is open.
 * <p>
 * It holds no queue: {@link #next} hands out the newest frame, so a consumer that falls behind skips frames
 * instead of delaying the camera or other consumers. Used by one thread at a time; {@link #close} from any thread.
 */
@ProviderType
public interface LiveStream extends AutoCloseable {

    /**
     * Waits for a frame newer than the last one this stream returned and returns the newest there is.
     *
     * @return the frame, or {@code null} if none came within the timeout (stalled or disconnected camera)
     * @throws CameraUnavailableException when this stream or its camera was closed; no frame will come
     */
    Frame next(long timeout, TimeUnit unit) throws InterruptedException, CameraUnavailableException;

    /**
     * Asks to be told when a newer frame than the last one taken is there, or when the stream closes; the consumer
     * then takes it with {@code next(0, ...)}. For consumers that write without a thread of their own. The listener
     * runs on the camera's thread: it must return at once and never block.
     */
    void onNewFrame(Runnable listener);

    /** Detaches this consumer and wakes a thread waiting in {@link #next}. Idempotent. */
    @Override
    void close();
}
