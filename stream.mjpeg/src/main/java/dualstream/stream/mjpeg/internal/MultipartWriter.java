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

    /** The last frame's part header, shared by every client writing that frame. */
    private volatile PartHeader cached;

    private record PartHeader(Frame frame, byte[] bytes) {
    }

    void writeOpening(OutputStream out) throws IOException {
        out.write(OPENING);
    }

    void writePart(OutputStream out, Frame frame) throws IOException {
        out.write(header(frame));
        frame.writeTo(out);
        out.write(CLOSING);
    }

    byte[] header(Frame frame) {
        PartHeader h = cached;
        if (h == null || h.frame() != frame) {
            h = new PartHeader(frame, partHeader(frame));
            cached = h;
        }
        return h.bytes();
    }

    static byte[] partHeader(Frame frame) {
        return ("Content-Type: image/jpeg\r\nContent-Length: " + frame.length() + "\r\nX-Timestamp: "
                + Responses.timestamp(frame.captureTimeMicros()) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }
}
