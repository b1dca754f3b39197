package dualstream.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One GET over a plain socket, timed when its last byte is in, as curl would: a lean client, so that what is left of
 * a still's time beyond the server's phases is the server's HTTP work, not the client's.
 */
record HttpAnswer(String head, byte[] body, long receivedMicros) {

    static HttpAnswer get(int port, String path) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] all = socket.getInputStream().readAllBytes();
            long received = nowMicros();
            int end = 0;
            while (end + 3 < all.length && !(all[end] == '\r' && all[end + 1] == '\n' && all[end + 2] == '\r'
                    && all[end + 3] == '\n')) {
                end++;
            }
            return new HttpAnswer(new String(all, 0, end, StandardCharsets.ISO_8859_1),
                    Arrays.copyOfRange(all, Math.min(all.length, end + 4), all.length), received);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A header's value, or "" when it is not there. */
    String header(String name) {
        return headers(head).getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }

    /** A header block's fields, names in lower case; lines without a colon (a status line) are skipped. */
    static Map<String, String> headers(String block) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : block.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.putIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    /** Wall-clock time in microseconds: the servers' X-Timestamp is wall clock too. */
    static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }
}
