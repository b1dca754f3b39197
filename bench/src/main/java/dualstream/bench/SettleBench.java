package dualstream.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dualstream.test.support.Luma;
import dualstream.test.support.StreamParts;

/**
 * Stills on cameras whose exposure re-converges after every switch: for settle lengths of 0, 3, 10 and 25 frames, the
 * stills' brightness against the settled stream's, their latency, the frames skipped, and the dark frames a viewer saw;
 * beside them the same camera with settling not measured (a fixed warm-up frame, as before settling was measured).
 * Brightness is the decoded picture's mean luma, measured here, not what the server says of it.
 */
public final class SettleBench {

    static final int[] SETTLE_FRAMES = {0, 3, 10, 25};
    static final int STILLS = 10;
    /** A frame darker than this fraction of the settled stream is a dark frame. */
    static final double DARK = 0.9;
    private static final Pattern SKIPPED = Pattern.compile("(\\d+) frames skipped");
    private static final Pattern REASON = Pattern.compile("settle;[^,]*desc=\"([a-z]+)");
    private static final Pattern QUEUE = Pattern.compile("queue;dur=([0-9.]+)");

    record Result(int settleFrames, boolean measured, double streamLuma, double[] stillRatios, double[] latenciesMs,
            int[] skipped, double[] queuedMs, int darkStreamFrames, int streamFrames, List<String> reasons) {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Path launcher = options.launcher();
        Path fakecam = options.fakecam();
        List<Result> results = new ArrayList<>();
        for (int settle : SETTLE_FRAMES) {
            for (boolean measured : new boolean[] {true, false}) {
                results.add(run(launcher, fakecam, settle, measured));
            }
        }
        System.out.println();
        System.out.println("Stills on a camera whose exposure re-converges after every switch (" + STILLS
                + " stills 1 s apart at the largest size, one viewer at 640x480)");
        System.out.printf(Locale.ROOT, "%-7s %-9s %-18s %-19s %-9s %-12s %-15s %-17s %s%n", "settle", "settling",
                "still/stream luma", "latency p50/p95 ms", "first ms", "queued max", "frames skipped",
                "dark frames seen", "stopped by");
        for (Result r : results) {
            double[] ratios = r.stillRatios.clone();
            Arrays.sort(ratios);
            double[] latencies = r.latenciesMs.clone();
            Arrays.sort(latencies);
            int[] skipped = r.skipped.clone();
            Arrays.sort(skipped);
            double queuedMax = Arrays.stream(r.queuedMs).max().orElse(Double.NaN);
            System.out.printf(Locale.ROOT, "%-7d %-9s %-18s %-19s %-9.0f %-12.0f %-15s %-17s %s%n", r.settleFrames,
                    r.measured ? "measured" : "fixed 1", String.format(Locale.ROOT, "%.2f (min %.2f)",
                            ratios[ratios.length / 2], ratios[0]),
                    String.format(Locale.ROOT, "%.0f / %.0f", latencies[latencies.length / 2],
                            latencies[(int) Math.ceil(latencies.length * 0.95) - 1]), r.latenciesMs[0], queuedMax,
                    String.format(Locale.ROOT, "%d (max %d)", skipped[skipped.length / 2], skipped[skipped.length - 1]),
                    r.darkStreamFrames + " of " + r.streamFrames, String.join(",", distinct(r.reasons)));
        }
        System.out.println("first ms: the first still, which finds the camera's exposure; queued max: the longest a still"
                + " waited for the stream to make up its floor since the still before");
    }

    static List<String> distinct(List<String> values) {
        return values.stream().distinct().toList();
    }

    static Result run(Path launcher, Path fakecam, int settleFrames, boolean measured) throws Exception {
        Map<String, String> environment = Map.of("FAKECAM_SETTLE_FRAMES", Integer.toString(settleFrames));
        try (Server server = Server.dualstream(launcher, fakecam, environment,
                "-Ddualstream.measureSettling=" + measured, "-Ddualstream.warmupFrames=1");
                Viewer viewer = new Viewer(server.port)) {
            viewer.start();
            Thread.sleep(3000);
            double streamLuma = median(viewer.lumaSince(System.nanoTime() - TimeUnit.SECONDS.toNanos(2)));
            long stillsFrom = System.nanoTime();
            double[] ratios = new double[STILLS];
            double[] latencies = new double[STILLS];
            int[] skipped = new int[STILLS];
            double[] queued = new double[STILLS];
            List<String> reasons = new ArrayList<>();
            for (int i = 0; i < STILLS; i++) {
                long asked = System.nanoTime();
                HttpAnswer answer = HttpAnswer.get(server.port, Server.SNAPSHOT);
                latencies[i] = (System.nanoTime() - asked) / 1e6;
                ratios[i] = Luma.of(answer.body(), 4) / streamLuma;
                String timing = answer.header("server-timing");
                Matcher matcher = SKIPPED.matcher(timing);
                skipped[i] = matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
                Matcher queue = QUEUE.matcher(timing);
                queued[i] = queue.find() ? Double.parseDouble(queue.group(1)) : Double.NaN;
                Matcher reason = REASON.matcher(timing);
                reasons.add(reason.find() ? reason.group(1) : "?");
                Thread.sleep(Math.max(0, 1000 - (System.nanoTime() - asked) / 1_000_000));
            }
            Thread.sleep(1500);
            double[] seen = viewer.lumaSince(stillsFrom);
            int dark = 0;
            for (double luma : seen) {
                dark += luma < DARK * streamLuma ? 1 : 0;
            }
            System.out.printf(Locale.ROOT, "settle %d, %s: stream luma %.1f, stills/stream %s%n", settleFrames,
                    measured ? "measured" : "fixed", streamLuma, Arrays.toString(ratios));
            return new Result(settleFrames, measured, streamLuma, ratios, latencies, skipped, queued, dark,
                    seen.length, reasons);
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
    }

    /** One stream viewer on a thread of its own: every part's arrival and brightness. */
    static final class Viewer extends Thread implements AutoCloseable {
        private final Socket socket;
        private final List<long[]> times = new ArrayList<>();
        private final List<Double> lumas = new ArrayList<>();

        Viewer(int port) throws IOException {
            super("settle-bench-viewer");
            setDaemon(true);
            socket = new Socket("127.0.0.1", port);
            socket.getOutputStream().write(("GET " + Server.STREAM + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public void run() {
            try {
                StreamParts parts = new StreamParts(socket.getInputStream());
                while (true) {
                    double luma = Luma.of(parts.next(), 4);
                    synchronized (this) {
                        times.add(new long[] {System.nanoTime()});
                        lumas.add(luma);
                    }
                }
            } catch (IOException | RuntimeException ended) {
                // closed
            }
        }

        synchronized double[] lumaSince(long nanos) {
            List<Double> since = new ArrayList<>();
            for (int i = 0; i < times.size(); i++) {
                if (times.get(i)[0] >= nanos) {
                    since.add(lumas.get(i));
                }
            }
            return since.stream().mapToDouble(Double::doubleValue).toArray();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
