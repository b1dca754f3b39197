package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Field conditions on the standalone jar, measured from outside: viewers that come and go by the thousand leave
 * nothing behind in the process (sockets, threads, heap).
 */
class ConnectionChurnTest {

    static final int CYCLES = 2000;
    static final int CONCURRENT = 1000;
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    static Gateway gateway;

    @BeforeAll
    static void startAndWarmUp() throws Exception {
        gateway = Gateway.start();
        // Baselines are taken at working size: the container's bounded thread pool grown, caches filled.
        try (Viewers burst = Viewers.open(gateway.base, "stream", 200, 0, true)) {
            burst.pump(Duration.ofSeconds(2));
        }
        for (int i = 0; i < 50; i++) {
            Viewers.viewOnePart(gateway.base, "stream", i % 2 == 0);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    int clients() throws Exception {
        String state = CLIENT.send(HttpRequest.newBuilder(gateway.base.resolve("state")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        int at = state.indexOf("\"clients\":");
        return Integer.parseInt(state.substring(at + 10).split("[,}]")[0]);
    }

    /** Waits, bounded, for the process to give back what the viewers held; returns what it then holds. */
    Gateway.Usage settledNear(Gateway.Usage baseline) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Gateway.Usage now = gateway.usage();
        while (System.nanoTime() < deadline && (now.fds() > baseline.fds() + 5 || clients() > 0)) {
            LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
            now = gateway.usage();
        }
        return now;
    }

    static void assertBackToBaseline(Gateway.Usage baseline, Gateway.Usage after) {
        assertThat(after.fds()).as("open fds (baseline %s)", baseline).isLessThanOrEqualTo(baseline.fds() + 5);
        assertThat(after.threads()).as("threads (baseline %s)", baseline).isLessThanOrEqualTo(baseline.threads() + 10);
        assertThat(after.heapKiB()).as("heap KiB (baseline %s)", baseline).isLessThanOrEqualTo(baseline.heapKiB() + 8192);
    }

    @Test
    void twoThousandViewersThatReadOnePartAndLeaveLeaveNothingBehind() throws Exception {
        Gateway.Usage baseline = settledNear(gateway.usage());
        long start = System.nanoTime();
        for (int i = 0; i < CYCLES; i++) {
            Viewers.viewOnePart(gateway.base, i % 4 < 2 ? "stream" : "?action=stream", i % 2 == 1);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Gateway.Usage after = settledNear(baseline);
        System.out.printf("churn: %d connect/read-one-part/leave cycles in %.1f s; before %s; after %s%n", CYCLES,
                seconds, baseline, after);
        assertBackToBaseline(baseline, after);
        assertThat(clients()).as("stream clients left").isZero();
    }

    @Test
    void aThousandConcurrentViewersAreAllServedAndThenReleased() throws Exception {
        Gateway.Usage baseline = settledNear(gateway.usage());
        long[] fps;
        Gateway.Usage loaded;
        try (Viewers viewers = Viewers.open(gateway.base, "stream", CONCURRENT, 0, true)) {
            assertThat(viewers.pumpUntil(Duration.ofSeconds(60), () -> viewers.minParts() >= 5))
                    .as("every one of %d viewers gets parts", CONCURRENT).isTrue();
            long[] before = viewers.all().stream().mapToLong(Viewers.Viewer::parts).toArray();
            viewers.pump(Duration.ofSeconds(5));
            fps = new long[CONCURRENT];
            for (int i = 0; i < CONCURRENT; i++) {
                fps[i] = (viewers.all().get(i).parts() - before[i]) / 5;
            }
            loaded = gateway.usage();
            assertThat(viewers.all()).as("viewers the server ended").noneMatch(v -> v.ended);
        }
        Gateway.Usage after = settledNear(baseline);
        Arrays.sort(fps);
        System.out.printf("%d concurrent viewers: fps min %d, median %d; before %s; with them %s; after %s%n",
                CONCURRENT, fps[0], fps[CONCURRENT / 2], baseline, loaded, after);
        assertThat(fps[0]).as("the slowest viewer's frames per second").isPositive();
        assertBackToBaseline(baseline, after);
    }
}
