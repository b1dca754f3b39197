package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a hostile or broken client sends, as raw bytes on a socket: every answer is a 4xx with nothing internal in it
 * (or the connection is closed), the log stays quiet, and the server serves on.
 */
class HostileRequestsTest {

    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = Gateway.start();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    static final String LONG = "a".repeat(100_000);

    /** Request heads sent as they are; {@code H} stands for a well-formed Host line and Connection: close. */
    static final String[] REQUESTS = {
        "GARBAGE\r\n\r\n",
        "\u0000\u0001\u0002\r\n\r\n",
        "GET\r\n\r\n",
        "GET /state HTTP/1.1\r\n\r\n", // no Host
        "GET / HTTP/1.1 extra\r\nH\r\n",
        "GET /" + LONG + " HTTP/1.1\r\nH\r\n",
        "GET /state HTTP/1.1\r\nH\r\nX-Long: " + LONG + "\r\n\r\n",
        "GET /state HTTP/1.1\r\nH\r\n" + "X-Many: 1\r\n".repeat(5000) + "\r\n",
        "GET /st\u0000ream HTTP/1.1\r\nH\r\n",
        "GET /state HTTP/1.1\r\nH\r\nX-Nul: a\u0000b\r\n\r\n",
        "GET /../../etc/passwd HTTP/1.1\r\nH\r\n",
        "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nH\r\n",
        "GET /stream/../../../etc/passwd HTTP/1.1\r\nH\r\n",
        "GET /..%2f..%2fetc%2fpasswd HTTP/1.1\r\nH\r\n",
        "GET /snapshot?camera=../../etc/passwd HTTP/1.1\r\nH\r\n",
        "GET /stream?camera=a%0d%0aX-Injected:%20yes HTTP/1.1\r\nH\r\n",
        "GET /?action=a%0d%0aX-Injected:%20yes HTTP/1.1\r\nH\r\n",
        "GET /?action=%zz HTTP/1.1\r\nH\r\n",
        "GET /stream?fps=% HTTP/1.1\r\nH\r\n",
        "GET /snapshot?camera=%G0 HTTP/1.1\r\nH\r\n",
        "GET /?action=%ff%fe HTTP/1.1\r\nH\r\n",
        "GET /state?x=%zz HTTP/1.1\r\nH\r\n",
        "GET /%zz HTTP/1.1\r\nH\r\n",
        "GET /input_%zz.json HTTP/1.1\r\nH\r\n",
        "FOO /state HTTP/1.1\r\nH\r\n",
        "TRACE /state HTTP/1.1\r\nH\r\nX-Secret: echo-me\r\n\r\n",
        "DELETE /state HTTP/1.1\r\nH\r\n",
        "PUT /snapshot HTTP/1.1\r\nH\r\nContent-Length: 3\r\n\r\nabc",
        "POST /?action=command&id=1&value=1 HTTP/1.1\r\nH\r\nContent-Length: 0\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nH\r\n",
        "GET http://evil.example/state HTTP/1.1\r\nH\r\n",
        "POST /state HTTP/1.1\r\nH\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nzz\r\n",
        "POST /state HTTP/1.1\r\nH\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET /state HTTP/1.1\r\nH\r\nContent-Length: -1\r\n\r\n",
        "GET /stream?fps=-1 HTTP/1.1\r\nH\r\n",
        "GET /stream?fps=0 HTTP/1.1\r\nH\r\n",
        "GET /stream?fps=1e9 HTTP/1.1\r\nH\r\n",
        "GET /stream?fps=99999999999999999999 HTTP/1.1\r\nH\r\n",
        "GET /stream?camera=" + "c".repeat(4000) + " HTTP/1.1\r\nH\r\n",
        "GET /snapshot?size=99999x99999 HTTP/1.1\r\nH\r\n",
        "GET /snapshot?size=-1x-1 HTTP/1.1\r\nH\r\n",
        "GET /?action=snapshot_999 HTTP/1.1\r\nH\r\n",
        "GET /?action=stream_-1 HTTP/1.1\r\nH\r\n",
        "GET /?action=stream_99999999999 HTTP/1.1\r\nH\r\n",
        "GET /input_99999999999.json HTTP/1.1\r\nH\r\n",
        "GET /input_-1.json HTTP/1.1\r\nH\r\n",
        "GET /?action=command&id=abc&value=1 HTTP/1.1\r\nH\r\n",
        "GET /?action=command&id=99999999999&value=1 HTTP/1.1\r\nH\r\n",
        "GET /?action=command&id=1&value=-99999999999 HTTP/1.1\r\nH\r\n",
        "GET /?action=command&plugin=99999&id=1&value=1 HTTP/1.1\r\nH\r\n",
        "GET /?action=command&id=9963776&value=2147483647 HTTP/1.1\r\nH\r\n",
        "GET /?action=command&id=9963776&value=-2147483648 HTTP/1.1\r\nH\r\n",
        "GET /state?token=%00 HTTP/1.1\r\nH\r\nAuthorization: Basic %%%%\r\n\r\n",
        "GET /state HTTP/1.1\r\nH\r\nAuthorization: Basic " + LONG.substring(0, 4000) + "\r\n\r\n",
        "GET /state HTTP/1.1\r\nH\r\nExpect: 100-continue\r\n\r\n",
        "GET /state HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
        "GET /state HTTP/1.1\r\nH\r\n \r\n\r\n",
        "GET /state HTTP/1.1\r\nH\r\nX-Bad Name: 1\r\n\r\n",
        "GET /state HTTP/1.0\r\nH\r\n",
    };

    /** What came back: the status (0 when the server closed without answering) and what a client could read. */
    record Answer(int status, String text) {
    }

    static Answer send(String request) throws IOException {
        return send(gateway, request);
    }

    /** {@code H} in the request stands for a well-formed Host line and Connection: close, then the head's end. */
    static Answer send(Gateway gateway, String request) throws IOException {
        String head = request.replace("\r\nH\r\n", "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        try (Socket socket = new Socket(gateway.base.getHost(), gateway.base.getPort())) {
            socket.setSoTimeout(15_000);
            try {
                socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            } catch (SocketException closedWhileSending) {
                // the server refused before reading it all; its answer, if any, is still there to read
            }
            byte[] answer = readHeadAndSomeBody(socket.getInputStream());
            String text = new String(answer, StandardCharsets.ISO_8859_1);
            if (!text.startsWith("HTTP/1.")) {
                return new Answer(0, text);
            }
            return new Answer(Integer.parseInt(text.substring(9, 12)), text);
        }
    }

    /**
     * What an answer shows that a client must never see (a stack trace, our classes, a header it injected), or null.
     * A picture's bytes are not text: only its head is read.
     */
    static String internal(String answer) {
        String lower = answer.toLowerCase();
        int headEnd = lower.indexOf("\r\n\r\n");
        String head = headEnd < 0 ? lower : lower.substring(0, headEnd);
        if (head.contains("content-type: image/") || head.contains("content-type: multipart/")) {
            lower = head;
        }
        for (String internal : new String[] {"exception", "\tat ", "org.eclipse", "org.apache", "dualstream.",
                "java.", "echo-me", "\r\nx-injected"}) {
            if (lower.contains(internal)) {
                return internal.strip();
            }
        }
        return null;
    }

    /** Up to 64 KiB: enough for any error page, and a stream is cut after its first bytes. */
    static byte[] readHeadAndSomeBody(InputStream in) throws IOException {
        byte[] buffer = new byte[65536];
        int length = 0;
        try {
            for (int n; length < buffer.length && (n = in.read(buffer, length, buffer.length - length)) >= 0; ) {
                length += n;
                String sofar = new String(buffer, 0, length, StandardCharsets.ISO_8859_1);
                if (sofar.contains("multipart/x-mixed-replace") && sofar.contains("\r\n\r\n")) {
                    break; // a live stream: it would never end
                }
            }
        } catch (SocketException reset) {
            // the server cut it: what was read stands
        } catch (SocketTimeoutException silent) {
            throw new IOException("no answer within 15 s", silent);
        }
        return java.util.Arrays.copyOf(buffer, length);
    }

    /**
     * Jetty 12.0 (up to 12.0.32, which Felix HTTP Jetty 1.1.8 embeds) now and then releases a connection's request
     * buffer twice when it closes, and its thread pool logs that as a failed job: jetty/jetty.project#12939, open, not
     * reproducible on demand. It comes from no input of ours or the client's, and every request was still answered.
     * Exactly that entry is set aside; any other warning or stack trace still fails the test.
     */
    static final Pattern JETTY_DOUBLE_RELEASE = Pattern.compile("\\S+ \\[qtp[^\\]]*\\] WARN "
            + "org\\.eclipse\\.jetty\\.util\\.thread\\.QueuedThreadPool - Job failed\\R"
            + "java\\.lang\\.IllegalStateException: already released ReferenceCounter@\\w+\\[r=0\\]\\R"
            + "(?:\\tat (?:org\\.eclipse\\.jetty\\.io\\.|java\\.base/java\\.util\\.concurrent\\.atomic\\.).*\\R)+"
            + "\\tat org\\.eclipse\\.jetty\\.server\\.internal\\.HttpConnection\\.releaseRequestBuffer\\(.*\\R"
            + "(?:\\tat (?:org\\.eclipse\\.jetty\\.|java\\.base/java\\.lang\\.Thread\\.run).*\\R)+");

    @Test
    void noHostileRequestGetsA5xxOrAnythingInternalAndTheLogStaysQuiet() throws Exception {
        long logBefore = Files.size(gateway.log);
        List<String> problems = new ArrayList<>();
        for (String request : REQUESTS) {
            String shown = request.length() > 60 ? request.substring(0, 60) + "..." : request;
            shown = shown.replace("\r\n", "\\r\\n").replace("\u0000", "\\0");
            Answer answer = send(request);
            System.out.printf("%3d  %s%n", answer.status(), shown);
            if (answer.status() >= 500) {
                problems.add(answer.status() + " for " + shown);
            }
            String internal = internal(answer.text());
            if (internal != null) {
                problems.add("'" + internal + "' in the answer to " + shown);
            }
        }
        assertThat(problems).isEmpty();
        assertThat(send("GET /state HTTP/1.1\r\nH\r\n").status()).as("still serving").isEqualTo(200);
        String log = Files.readString(gateway.log).substring((int) logBefore);
        System.out.printf("%d hostile requests wrote %d bytes of log%n", REQUESTS.length, log.length());
        Matcher jettyRace = JETTY_DOUBLE_RELEASE.matcher(log);
        if (jettyRace.find()) {
            System.out.println("Jetty's own request-buffer race (jetty/jetty.project#12939) was logged; set aside");
            log = jettyRace.replaceAll("");
        }
        assertThat(log).as("log after the hostile requests").doesNotContain("\tat ").doesNotContain("ERROR")
                .doesNotContain("WARN");
    }

    /**
     * RFC 9110 15.6.6 prescribes 505 for an HTTP version the server does not support (HTTP/0.9 has none in its request
     * line); the container's parser answers it before any code of ours runs. The one 5xx a client can cause.
     */
    @Test
    void anUnsupportedHttpVersionIsTheOne5xxTheProtocolPrescribes() throws Exception {
        assertThat(send("GET / HTTP/9.9\r\nH\r\n").status()).isEqualTo(505);
        assertThat(send("GET /state\r\n\r\n").status()).isEqualTo(505);
    }

    /** A CONNECT opens a tunnel in the container's eyes: never answered by us, it is closed by the idle timeout. */
    @Test
    void aConnectIsNeverServedAndDoesNotHoldTheServer() throws Exception {
        try (Socket socket = new Socket(gateway.base.getHost(), gateway.base.getPort())) {
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write("CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(send("GET /state HTTP/1.1\r\nH\r\n").status()).as("served beside it").isEqualTo(200);
            String answer;
            try {
                answer = new String(readHeadAndSomeBody(socket.getInputStream()), StandardCharsets.ISO_8859_1);
            } catch (IOException notAnsweredYet) {
                answer = "";
            }
            assertThat(answer).as("a CONNECT's answer").doesNotStartWith("HTTP/1.1 2").doesNotStartWith("HTTP/1.1 5");
        }
    }
}
