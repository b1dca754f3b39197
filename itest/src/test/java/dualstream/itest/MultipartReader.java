package dualstream.itest;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Reads a multipart/x-mixed-replace stream part by part, strictly: every deviation is an error. */
final class MultipartReader {

    record Part(Map<String, String> headers, byte[] body) {
    }

    private final InputStream in;
    private final String boundaryLine;
    private boolean ended;

    MultipartReader(InputStream in, String contentType) throws IOException {
        this.in = in;
        int at = contentType.indexOf("boundary=");
        if (!contentType.startsWith("multipart/x-mixed-replace") || at < 0) {
            throw new IOException("not a multipart/x-mixed-replace content type: " + contentType);
        }
        this.boundaryLine = "--" + contentType.substring(at + "boundary=".length()).trim();
        String first = line(true);
        if (first == null) {
            ended = true; // ended before the first part: nothing was cut short
            return;
        }
        if (!first.equals(boundaryLine)) {
            throw new IOException("stream does not open with the boundary: '" + first + "'");
        }
    }

    /** The next part; the boundary after it must follow the body at once. */
    Part next() throws IOException {
        Part part = nextOrEnd();
        if (part == null) {
            throw new EOFException("stream ended");
        }
        return part;
    }

    /**
     * The next part, or {@code null} if the server ended the stream cleanly: right after a boundary, never inside a
     * part (that is an {@link EOFException}).
     */
    Part nextOrEnd() throws IOException {
        if (ended) {
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String first = line(true);
        if (first == null) {
            return null;
        }
        for (String line = first; !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new IOException("bad part header line: '" + line + "'");
            }
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        String length = headers.get("content-length");
        if (length == null) {
            throw new IOException("part without Content-Length: " + headers);
        }
        byte[] body = in.readNBytes(Integer.parseInt(length));
        if (body.length != Integer.parseInt(length)) {
            throw new EOFException("part body cut short");
        }
        String blank = line();
        String boundary = line();
        if (!blank.isEmpty() || !boundary.equals(boundaryLine)) {
            throw new IOException("part not followed by CRLF and the boundary: '" + blank + "' '" + boundary + "'");
        }
        return new Part(headers, body);
    }

    private String line() throws IOException {
        return line(false);
    }

    private String line(boolean endAllowed) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (endAllowed && line.size() == 0) {
                    return null;
                }
                throw new EOFException("stream ended inside a part");
            }
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.US_ASCII);
            }
            line.write(b);
            previous = b;
            if (line.size() > 1024) {
                throw new IOException("header line too long");
            }
        }
    }
}
