package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dualstream.test.support.Luma;
import dualstream.test.support.StreamParts;

/**
 * A timelapse on a camera whose exposure re-converges over 10 frames after every switch: 100 stills, one a second,
 * while the stream is watched, vary in brightness no more than the settled stream itself does over the same time.
 * Brightness is the decoded picture's mean luma.
 */
class FlickerTest {

    static final int STILLS = 100;
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    @Test
    void aTimelapseDoesNotFlicker() throws Exception {
        try (Gateway gateway = Gateway.launch(Map.of("FAKECAM_SETTLE_FRAMES", "10"));
                Socket stream = new Socket(gateway.base.getHost(), gateway.base.getPort())) {
            gateway.awaitState("\"driver\":\"uvcvideo\"");
            stream.getOutputStream().write("GET /stream HTTP/1.1\r\nHost: camera\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            List<Double> streamLuma = new CopyOnWriteArrayList<>();
            Thread viewer = new Thread(() -> read(stream, streamLuma), "viewer");
            viewer.setDaemon(true);
            viewer.start();
            Thread.sleep(3000); // the stream settles first; what it shows from here on is the reference spread
            streamLuma.clear();
            List<Double> stillLuma = new ArrayList<>();
            Map<String, Integer> settles = new java.util.TreeMap<>();
            List<String> details = new ArrayList<>();
            for (int i = 0; i < STILLS; i++) {
                long asked = System.nanoTime();
                HttpResponse<byte[]> still = CLIENT.send(HttpRequest.newBuilder(gateway.base.resolve("snapshot"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(still.statusCode()).isEqualTo(200);
                stillLuma.add(Luma.of(still.body(), 4));
                String timing = still.headers().firstValue("Server-Timing").orElse("");
                int at = timing.indexOf("desc=\"");
                settles.merge(at < 0 ? "?" : timing.substring(at + 6, timing.indexOf(',', at)), 1, Integer::sum);
                details.add(i + ": " + String.format(Locale.ROOT, "%.1f", stillLuma.get(i)) + " " + timing + " "
                        + new String(still.body(), 0, 120, StandardCharsets.ISO_8859_1).replaceAll("[^ -~]", ""));
                Thread.sleep(Math.max(0, 1000 - (System.nanoTime() - asked) / 1_000_000));
            }
            double stills = stdev(stillLuma);
            double live = stdev(streamLuma);
            System.out.printf(Locale.ROOT, "%d stills (%s): mean luma %.1f, stdev %.2f, from %.1f to %.1f; the stream"
                    + " meanwhile (%d frames): mean %.1f, stdev %.2f, from %.1f to %.1f%n", STILLS, settles,
                    mean(stillLuma), stills, min(stillLuma), max(stillLuma), streamLuma.size(), mean(streamLuma), live,
                    min(streamLuma), max(streamLuma));
            details.stream().filter(d -> Double.parseDouble(d.split(" ")[1]) < 0.97 * max(stillLuma))
                    .forEach(d -> System.out.println("darker still " + d));
            java.util.SortedMap<Long, Integer> histogram = new java.util.TreeMap<>();
            streamLuma.forEach(l -> histogram.merge(Math.round(l), 1, Integer::sum));
            System.out.println("the stream's frames by mean luma: " + histogram);
            assertThat(streamLuma).hasSizeGreaterThan(STILLS * 10);
            assertThat(stills).as("the stills' spread against the stream's own").isLessThanOrEqualTo(live);
            assertThat(streamLuma).as("no dark frame in the stream").allSatisfy(
                    luma -> assertThat(luma).isGreaterThan(0.9 * mean(streamLuma)));
        }
    }

    static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    static double stdev(List<Double> values) {
        double mean = mean(values);
        return Math.sqrt(values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / values.size());
    }

    /** Every part of the stream, its brightness noted. */
    static void read(Socket socket, List<Double> lumas) {
        try {
            StreamParts parts = new StreamParts(socket.getInputStream());
            while (true) {
                lumas.add(Luma.of(parts.next(), 8));
            }
        } catch (IOException | RuntimeException closed) {
            // the test is over
        }
    }
}
