package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A printer's day, compressed: steady viewers, viewers coming and going, stills and state polls, all at once, for
 * {@code soak.seconds} (120 in the build; {@code scripts/soak} runs 10 minutes). Nothing may fail, and the process
 * may not grow.
 */
class SoakTest {

    static final int VIEWERS = 20;
    static final Duration SOAK = Duration.ofSeconds(Long.getLong("soak.seconds", 120));
    static final Duration CHECK = Duration.ofSeconds(10);
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = Gateway.start();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void everythingAtOnceForMinutesWithoutAFailureOrGrowth() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger stills = new AtomicInteger();
        AtomicInteger churned = new AtomicInteger();
        Thread churn = new Thread(() -> {
            for (int i = 0; running.get(); i++) {
                try {
                    Viewers.viewOnePart(gateway.base, i % 2 == 0 ? "stream" : "?action=stream", i % 3 == 0);
                    churned.incrementAndGet();
                    if (i % 20 == 0) {
                        HttpResponse<byte[]> still = CLIENT.send(HttpRequest.newBuilder(gateway.base.resolve(
                                i % 40 == 0 ? "snapshot" : "?action=snapshot")).timeout(Duration.ofSeconds(20)).build(),
                                HttpResponse.BodyHandlers.ofByteArray());
                        if (still.statusCode() != 200 || still.body().length < 1000) {
                            failures.add("still: status " + still.statusCode());
                        }
                        stills.incrementAndGet();
                    }
                    HttpResponse<String> state = CLIENT.send(HttpRequest.newBuilder(gateway.base.resolve("state"))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                    if (state.statusCode() != 200) {
                        failures.add("state: status " + state.statusCode());
                    }
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            }
        }, "soak-churn");

        try (Viewers viewers = Viewers.open(gateway.base, "stream", VIEWERS, 0, true)) {
            viewers.pumpUntil(Duration.ofSeconds(10), () -> viewers.minParts() >= 5);
            Gateway.Usage baseline = gateway.usage();
            long logBefore = Files.size(gateway.log);
            churn.start();
            long start = System.nanoTime();
            long worstFps = Long.MAX_VALUE;
            while (System.nanoTime() - start < SOAK.toNanos()) {
                long[] before = viewers.all().stream().mapToLong(Viewers.Viewer::parts).toArray();
                viewers.pump(CHECK);
                long slowest = Long.MAX_VALUE;
                for (int i = 0; i < VIEWERS; i++) {
                    slowest = Math.min(slowest, (viewers.all().get(i).parts() - before[i]) / CHECK.toSeconds());
                }
                worstFps = Math.min(worstFps, slowest);
                System.out.printf("soak %3d s: slowest viewer %d fps, %d churned viewers, %d stills, %s%n",
                        (System.nanoTime() - start) / 1_000_000_000, slowest, churned.get(), stills.get(),
                        gateway.usage());
                assertThat(viewers.all()).as("steady viewers the server ended").noneMatch(v -> v.ended);
                assertThat(slowest).as("the slowest steady viewer's fps over %s", CHECK).isPositive();
            }
            running.set(false);
            churn.join(30_000);
            Gateway.Usage after = gateway.usage();
            String log = Files.readString(gateway.log).substring((int) logBefore);
            System.out.printf("soak of %s: worst fps %d, %d churned viewers, %d stills; baseline %s; after %s%n", SOAK,
                    worstFps, churned.get(), stills.get(), baseline, after);
            assertThat(failures).isEmpty();
            assertThat(churned.get()).as("churned viewers").isPositive();
            assertThat(stills.get()).as("stills").isPositive();
            assertThat(log).as("log during the soak").doesNotContain("\tat ").doesNotContain("ERROR")
                    .doesNotContain("WARN");
            ConnectionChurnTest.assertBackToBaseline(baseline, after);
        } finally {
            running.set(false);
            churn.join(30_000);
        }
    }
}
