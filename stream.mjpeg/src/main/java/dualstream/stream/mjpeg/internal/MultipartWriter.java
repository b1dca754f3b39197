package dualstream.stream.mjpeg.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import dualstream.camera.api.Frame;

/**
 * Frames a multipart/x-mixed-replace JPEG stream the way mjpg-streamer does.
 * <p>
 * Every part is followed at once by the next boundary: browsers show a part only when they see the boundary after it,
 * so a boundary sent with the next frame would show every frame one frame late.
 */
final class MultipartWriter {

    static final String BOUNDARY = "boundarydonotcross";
    static final String CONTENT_TYPE = "multipart/x-mixed-replace;boundary=" + BOUNDARY;

    private static final byte[] OPENING = ("--" + BOUNDARY + "\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSING = ("\r\n--" + BOUNDARY + "\r\n").getBytes(StandardCharsets.US_ASCII);

    /**
     * The last frame's whole part (headers, JPEG, next boundary), built once and shared by every client: each client
     * then costs one write of one array per frame.
     */
    private volatile Part cached;

    private record Part(Frame frame, byte[] bytes) {
    }

    void writeOpening(OutputStream out) throws IOException {
        out.write(OPENING);
    }

    void writePart(OutputStream out, Frame frame) throws IOException {
        out.write(part(frame));
    }

    byte[] part(Frame frame) {
        Part p = cached;
        if (p == null || p.frame() != frame) {
            p = new Part(frame, build(frame));
            cached = p;
        }
        return p.bytes();
    }

    private static byte[] build(Frame frame) {
        byte[] part = new byte[headerLength(frame) + frame.length() + CLOSING.length];
        int at = writeHeader(frame, part);
        frame.data().get(part, at, frame.length());
        System.arraycopy(CLOSING, 0, part, at + frame.length(), CLOSING.length);
        return part;
    }

    static byte[] partHeader(Frame frame) {
        byte[] header = new byte[headerLength(frame)];
        writeHeader(frame, header);
        return header;
    }

    // Formatted straight into the part's bytes: string concatenation and Responses.timestamp cost 5% of a frame.
    private static final byte[] TYPE_AND_LENGTH =
            "Content-Type: image/jpeg\r\nContent-Length: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIMESTAMP = "\r\nX-Timestamp: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MICRO_DIGITS = 6;

    private static int headerLength(Frame frame) {
        return TYPE_AND_LENGTH.length + digits(frame.length()) + TIMESTAMP.length
                + digits(Math.floorDiv(frame.captureTimeMicros(), 1_000_000L)) + 1 + MICRO_DIGITS + END.length;
    }

    /** Writes {@code frame}'s part headers at the start of {@code to}; returns where they end. */
    private static int writeHeader(Frame frame, byte[] to) {
        long micros = frame.captureTimeMicros(); // epoch micros, never negative
        int at = put(TYPE_AND_LENGTH, to, 0);
        at = putDecimal(frame.length(), digits(frame.length()), to, at);
        at = put(TIMESTAMP, to, at);
        long seconds = Math.floorDiv(micros, 1_000_000L);
        at = putDecimal(seconds, digits(seconds), to, at);
        to[at++] = '.';
        at = putDecimal(Math.floorMod(micros, 1_000_000L), MICRO_DIGITS, to, at);
        return put(END, to, at);
    }

    private static int put(byte[] bytes, byte[] to, int at) {
        System.arraycopy(bytes, 0, to, at, bytes.length);
        return at + bytes.length;
    }

    /** {@code value} (not negative) in exactly {@code width} digits, zero-padded. */
    private static int putDecimal(long value, int width, byte[] to, int at) {
        for (int i = at + width - 1; i >= at; i--) {
            to[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return at + width;
    }

    private static int digits(long value) {
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        return digits;
    }
}
