package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that hold connections without doing their part: viewers that never read, and requests whose headers never
 * finish (slowloris). They are let go, and everyone else is served meanwhile.
 */
class StuckClientsTest {

    static final int STUCK = 50;
    static final int SLOWLORIS = 200;
    static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration HEAD_TIMEOUT = Duration.ofSeconds(3);
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        // Short timeouts so the suite need not wait the default 30 s.
        gateway = Gateway.start("dualstream.clientTimeoutMillis=" + CLIENT_TIMEOUT.toMillis(),
                "org.apache.felix.http.timeout=" + CLIENT_TIMEOUT.toMillis(),
                "dualstream.requestHeadTimeoutMillis=" + HEAD_TIMEOUT.toMillis());
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    static String state() throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(gateway.base.resolve("state")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    static long number(String json, String key) {
        int at = json.indexOf("\"" + key + "\":");
        return Long.parseLong(json.substring(at + key.length() + 3).split("[,}]")[0]);
    }

    @Test
    void viewersThatNeverReadAreCutWhileAReadingViewerKeepsItsFrameRate() throws Exception {
        try (Viewers stuck = Viewers.open(gateway.base, "stream", STUCK, 4096, false);
                Viewers reader = Viewers.open(gateway.base, "stream", 1, 0, true)) {
            reader.pumpUntil(Duration.ofSeconds(10), () -> reader.totalParts() >= 5);
            long framesBefore = number(state(), "frames");
            long partsBefore = reader.totalParts();
            long start = System.nanoTime();
            reader.pump(Duration.ofSeconds(10));
            double seconds = (System.nanoTime() - start) / 1e9;
            long camera = number(state(), "frames") - framesBefore;
            long delivered = reader.totalParts() - partsBefore;
            System.out.printf("beside %d never-reading viewers, the reading one got %d of the camera's %d frames"
                    + " in %.1f s (%.1f fps, camera %.1f fps)%n", STUCK, delivered, camera, seconds,
                    delivered / seconds, camera / seconds);
            // Relative to what the camera delivered in the same window: a loaded machine slows the camera too.
            assertThat(delivered).as("frames the reading viewer got of the camera's %d", camera)
                    .isGreaterThanOrEqualTo(camera * 28 / 30);

            long startCut = System.nanoTime();
            boolean cut = reader.pumpUntil(Duration.ofSeconds(90), () -> {
                try {
                    return number(state(), "clients") == 1;
                } catch (Exception e) {
                    return false;
                }
            });
            System.out.printf("the %d never-reading viewers were let go %.1f s later (timeout %s, plus the time to"
                    + " fill the socket buffers)%n", STUCK, (System.nanoTime() - startCut) / 1e9, CLIENT_TIMEOUT);
            assertThat(cut).as("only the reading viewer left").isTrue();
            assertThat(stuck.endedByServer(Duration.ofSeconds(10))).as("stuck connections closed by the server")
                    .isEqualTo(STUCK);
            long parts = reader.totalParts();
            reader.pump(Duration.ofSeconds(1));
            assertThat(reader.totalParts()).as("the reading viewer streams on").isGreaterThan(parts);
            assertThat(reader.all().get(0).ended).isFalse();
        }
    }

    /** How many of these connections the server has closed (end of stream or reset), after what it had sent. */
    static long closedByServer(List<Socket> sockets) throws IOException {
        long closed = 0;
        for (Socket socket : sockets) {
            socket.setSoTimeout(10_000);
            try {
                if (socket.getInputStream().readAllBytes() != null) {
                    closed++;
                }
            } catch (SocketException reset) {
                closed++;
            } catch (java.net.SocketTimeoutException open) {
                // still open
            }
        }
        return closed;
    }

    @Test
    void slowlorisConnectionsAreClosedWhetherSilentOrTricklingAndRequestsAreServedMeanwhile() throws Exception {
        Gateway.Usage before = gateway.usage();
        List<Socket> silent = new ArrayList<>();
        List<Socket> trickling = new ArrayList<>();
        try {
            for (int i = 0; i < SLOWLORIS; i++) {
                Socket socket = new Socket(gateway.base.getHost(), gateway.base.getPort());
                socket.getOutputStream().write("GET /state HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                (i % 2 == 0 ? silent : trickling).add(socket);
            }
            long maxThreads = 0;
            int served = 0;
            long start = System.nanoTime();
            long deadline = start + CLIENT_TIMEOUT.multipliedBy(3).toNanos();
            while (System.nanoTime() < deadline) {
                for (Socket socket : trickling) {
                    try {
                        socket.getOutputStream().write("X-a: b\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException closedByTheServer) {
                        // what the deadline is for
                    }
                }
                HttpResponse<String> answer = CLIENT.send(HttpRequest.newBuilder(gateway.base.resolve("state"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).as("a normal request beside the slowloris").isEqualTo(200);
                served++;
                maxThreads = Math.max(maxThreads, gateway.usage().threads());
                LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
            }
            long silentClosed = closedByServer(silent);
            long tricklingClosed = closedByServer(trickling);
            System.out.printf("slowloris: %d connections (half silent after a partial request, half trickling a"
                    + " header line every ~0.5 s); %d normal requests served meanwhile; threads %d before, at most %d;"
                    + " closed by the server: %d of %d silent (idle timeout %s), %d of %d trickling (request head"
                    + " deadline %s)%n", SLOWLORIS, served, before.threads(), maxThreads, silentClosed, silent.size(),
                    CLIENT_TIMEOUT, tricklingClosed, trickling.size(), HEAD_TIMEOUT);
            assertThat(silentClosed).as("silent half-requests closed after the idle timeout").isEqualTo(silent.size());
            assertThat(tricklingClosed).as("trickled request heads closed after their deadline")
                    .isEqualTo(trickling.size());
            assertThat(maxThreads).as("threads under slowloris (before: %d)", before.threads())
                    .isLessThanOrEqualTo(before.threads() + 24);
        } finally {
            for (Socket socket : silent) {
                socket.close();
            }
            for (Socket socket : trickling) {
                socket.close();
            }
        }
    }
}
