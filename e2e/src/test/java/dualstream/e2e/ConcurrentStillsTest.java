package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Waiting stills hold no container thread: with the container at 24 threads and 100 stills waiting on a camera whose
 * first full-size frame is slow, {@code /state} and a new viewer are answered before any still is.
 */
class ConcurrentStillsTest {

    static final int STILLS = 100;
    /** Slow enough that every still is still waiting when the other requests come, within the camera's 5 s limit. */
    static final int FIRST_FRAME_MS = 4000;

    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = Gateway.launch(Map.of("FAKECAM_FIRST_FRAME_MS", Integer.toString(FIRST_FRAME_MS)),
                "org.apache.felix.http.jetty.threadpool.max=24");
        gateway.awaitState("\"driver\":\"uvcvideo\"");
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    static Socket send(String target) throws IOException {
        Socket socket = new Socket(gateway.base.getHost(), gateway.base.getPort());
        socket.setSoTimeout(30_000);
        socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: camera\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    /** The response's status line and headers, read up to the blank line. */
    static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void waitingStillsLeaveStateAndNewViewersServed() throws Exception {
        List<Socket> stills = new ArrayList<>();
        try {
            for (int i = 0; i < STILLS; i++) {
                stills.add(send("/snapshot"));
            }
            String state;
            String viewer;
            try (Socket stateSocket = send("/state"); Socket viewerSocket = send("/stream")) {
                state = head(stateSocket.getInputStream());
                viewer = head(viewerSocket.getInputStream());
            }
            long answered = 0;
            for (Socket still : stills) {
                answered += still.getInputStream().available() > 0 ? 1 : 0;
            }
            System.out.printf("with %d stills waiting and 24 container threads: /state %s, viewer %s, stills answered"
                    + " meanwhile %d%n", STILLS, state.lines().findFirst().orElse(""),
                    viewer.lines().findFirst().orElse(""), answered);
            assertThat(state).startsWith("HTTP/1.1 200");
            assertThat(viewer).startsWith("HTTP/1.1 200").contains("multipart/x-mixed-replace");
            assertThat(answered).as("stills answered before /state and the viewer were").isZero();

            for (Socket still : stills) {
                InputStream in = still.getInputStream();
                String answer = head(in);
                assertThat(answer).startsWith("HTTP/1.1 200").contains("Content-Type: image/jpeg");
                byte[] body = in.readAllBytes();
                assertThat(body).hasSizeGreaterThan(2);
                assertThat(body[0] & 0xff).isEqualTo(0xff);
                assertThat(body[1] & 0xff).isEqualTo(0xd8);
            }
        } finally {
            for (Socket still : stills) {
                still.close();
            }
        }
    }
}
