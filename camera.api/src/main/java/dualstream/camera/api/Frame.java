package dualstream.camera.api;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One whole JPEG image from a camera, immutable and shared by every consumer.
 * <p>
 * The frame takes ownership of the array it is built from: the producer must not touch it afterwards, which is what
 * lets a frame be copied out of the driver once and then written to any number of clients without further copies.
 */
public final class Frame {

    private final long sequence;
    private final long captureTimeMicros;
    private final Resolution size;
    private final byte[] jpeg;
    private final List<Timing> timings;

    /**
     * @param sequence          increases by at least one for every frame the camera captured, dropped ones included
     * @param captureTimeMicros capture time in microseconds since the epoch
     * @param size              the JPEG's size in pixels
     * @param jpeg              the whole JPEG image; owned by this frame from now on
     */
    public Frame(long sequence, long captureTimeMicros, Resolution size, byte[] jpeg) {
        this.sequence = sequence;
        this.captureTimeMicros = captureTimeMicros;
        this.size = Objects.requireNonNull(size, "size");
        this.jpeg = Objects.requireNonNull(jpeg, "jpeg");
        this.timings = List.of();
    }

    private Frame(Frame frame, List<Timing> timings) {
        this.sequence = frame.sequence;
        this.captureTimeMicros = frame.captureTimeMicros;
        this.size = frame.size;
        this.jpeg = frame.jpeg;
        this.timings = List.copyOf(timings);
    }

    /** The same frame, sharing its JPEG, with these timings instead of its own. */
    public Frame withTimings(List<Timing> phases) {
        return new Frame(this, phases);
    }

    /** How a still's time was spent, in order, as far as the camera knows it; empty for stream frames. */
    public List<Timing> timings() {
        return timings;
    }

    public long sequence() {
        return sequence;
    }

    /** Capture time in microseconds since the epoch. */
    public long captureTimeMicros() {
        return captureTimeMicros;
    }

    public Instant captureTime() {
        return Instant.ofEpochSecond(captureTimeMicros / 1_000_000, (captureTimeMicros % 1_000_000) * 1_000);
    }

    public Resolution size() {
        return size;
    }

    /** Length of the JPEG in bytes. */
    public int length() {
        return jpeg.length;
    }

    /** The JPEG, read-only. */
    public ByteBuffer data() {
        return ByteBuffer.wrap(jpeg).asReadOnlyBuffer();
    }

    /** Writes the whole JPEG without copying it. */
    public void writeTo(OutputStream out) throws IOException {
        out.write(jpeg, 0, jpeg.length);
    }

    @Override
    public String toString() {
        return "Frame[#" + sequence + " " + size + " " + jpeg.length + " bytes]";
    }
}
