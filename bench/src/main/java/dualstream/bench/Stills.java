package dualstream.bench;

import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Stills requested one by one while one client watches the stream; the gap is counted in frame intervals. Our
 * stills' phases come from their Server-Timing header; {@code http} is the rest of the time the client waited.
 */
record Stills(double[] latenciesMs, double[] gaps, double width, Map<String, double[]> phasesMs) {

    /** What the server reports; {@code http} is the rest the client waited. */
    static final List<String> SERVER_PHASES = List.of("queue", "switch", "settle", "copy");
    static final List<String> PHASES = Stream.concat(SERVER_PHASES.stream(), Stream.of("http")).toList();
    /** Phases that are the camera's own frame times, not the server's work. */
    static final Set<String> CAMERA_PHASES = Set.of("queue", "settle");
    private static final int STILLS = 10;

    static Stills run(Server server) throws Exception {
        double[] latencies = new double[STILLS];
        double[] gaps = new double[STILLS];
        Map<String, double[]> phases = new LinkedHashMap<>();
        PHASES.forEach(phase -> phases.put(phase, new double[STILLS]));
        double width = Double.NaN;
        ExecutorService requester = Executors.newSingleThreadExecutor();
        try (Selector selector = Selector.open()) {
            StreamClient watcher = StreamClient.open(server, selector, new ArrayList<>());
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
            StreamClient.pump(selector, buffer, Load.WARMUP.toNanos());
            for (int i = 0; i < STILLS; i++) {
                long requested = HttpAnswer.nowMicros();
                CompletableFuture<HttpAnswer> pending = CompletableFuture.supplyAsync(
                        () -> HttpAnswer.get(server.port, Server.SNAPSHOT), requester);
                while (!pending.isDone()) {
                    StreamClient.pump(selector, buffer, TimeUnit.MILLISECONDS.toNanos(1));
                }
                HttpAnswer answer = pending.get();
                latencies[i] = (answer.receivedMicros() - requested) / 1000.0;
                width = jpegWidth(answer.body());
                Map<String, Double> timing = serverTiming(answer.header("server-timing"));
                double accounted = 0;
                for (String phase : SERVER_PHASES) {
                    double ms = timing.getOrDefault(phase, Double.NaN);
                    phases.get(phase)[i] = ms;
                    accounted += ms;
                }
                phases.get("http")[i] = latencies[i] - accounted;
                StreamClient.pump(selector, buffer, TimeUnit.MILLISECONDS.toNanos(700));
                gaps[i] = gap(watcher.stamps, requested - 500_000, answer.receivedMicros() + 500_000);
            }
            watcher.channel.close();
        } finally {
            requester.shutdownNow();
        }
        return new Stills(latencies, gaps, width, phases);
    }

    /** {@code name;dur=ms, ...} as W3C Server Timing writes it; other parameters are ignored. */
    static Map<String, Double> serverTiming(String header) {
        Map<String, Double> timing = new LinkedHashMap<>();
        // A description is a quoted string that may hold commas and semicolons of its own.
        for (String metric : header.replaceAll(";\\s*desc=\"(?:[^\"\\\\]|\\\\.)*\"", "").split(",")) {
            String[] parts = metric.trim().split(";");
            for (int i = 1; i < parts.length; i++) {
                if (parts[i].trim().startsWith("dur=")) {
                    timing.put(parts[0].trim(), Double.parseDouble(parts[i].trim().substring(4)));
                }
            }
        }
        return timing;
    }

    /** Frames missed: the longest interval between stream frames around the still, in 1/30 s, minus one. */
    static double gap(List<Long> stamps, long from, long to) {
        long previous = -1;
        long longest = 0;
        for (long stamp : stamps) {
            if (stamp < from || stamp > to) {
                continue;
            }
            if (previous >= 0) {
                longest = Math.max(longest, stamp - previous);
            }
            previous = stamp;
        }
        return Math.max(0, Math.round(longest / (1_000_000.0 / 30) * 10) / 10.0 - 1);
    }

    static double jpegWidth(byte[] jpeg) {
        for (int i = 2; i + 9 < jpeg.length;) {
            if ((jpeg[i] & 0xFF) != 0xFF) {
                return Double.NaN;
            }
            int marker = jpeg[i + 1] & 0xFF;
            if (marker >= 0xC0 && marker <= 0xC2) {
                return (jpeg[i + 7] & 0xFF) << 8 | (jpeg[i + 8] & 0xFF);
            }
            i += 2 + ((jpeg[i + 2] & 0xFF) << 8 | (jpeg[i + 3] & 0xFF));
        }
        return Double.NaN;
    }

    /** The median of a phase over every still, NaN when the server does not report it. */
    double phaseMedianMs(String phase) {
        return median(phasesMs.get(phase));
    }

    double medianMs() {
        return median(latenciesMs);
    }

    double maxMs() {
        return Arrays.stream(latenciesMs).max().orElse(Double.NaN);
    }

    double maxGap() {
        return Arrays.stream(gaps).skip(1).max().orElse(Double.NaN); // the first still also warms the camera
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
