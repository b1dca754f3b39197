package dualstream.test.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A {@code multipart/x-mixed-replace} answer read as it arrives, one part's body at a time by the part's
 * Content-Length (a boundary search would cost the reader more than the server under test).
 */
public final class StreamParts {
    private final InputStream in;
    private boolean headRead;

    /** Over the answer from its status line on. */
    public StreamParts(InputStream in) {
        this.in = in;
    }

    /** The next part's body; {@link EOFException} once the stream has ended. */
    public byte[] next() throws IOException {
        if (!headRead) {
            while (!line().isEmpty()) {
                // the answer's status line and headers
            }
            headRead = true;
        }
        int length = -1;
        // Blank lines and the boundary before a part's headers are passed over until its Content-Length is known.
        for (String header = line(); length < 0 || !header.isEmpty(); header = line()) {
            if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(header.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new EOFException("the stream ended within a part");
        }
        return body;
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("the stream ended");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
