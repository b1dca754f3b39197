package dualstream.stream.mjpeg.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import dualstream.camera.api.Frame;
import dualstream.http.support.Responses;

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
        byte[] header = partHeader(frame);
        byte[] part = new byte[header.length + frame.length() + CLOSING.length];
        System.arraycopy(header, 0, part, 0, header.length);
        frame.data().get(part, header.length, frame.length());
        System.arraycopy(CLOSING, 0, part, header.length + frame.length(), CLOSING.length);
        return part;
    }

    static byte[] partHeader(Frame frame) {
        return ("Content-Type: image/jpeg\r\nContent-Length: " + frame.length() + "\r\nX-Timestamp: "
                + Responses.timestamp(frame.captureTimeMicros()) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }
}
