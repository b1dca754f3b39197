package dualstream.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.DoubleStream;
import java.util.stream.LongStream;

/**
 * What a server gave N stream viewers on one selector thread, and what it cost it: every viewer's frame rate, the
 * whole process's CPU over the window, frame latencies (microseconds, sorted), RSS at the window's end.
 */
record Load(int clients, double[] fps, double cpuSeconds, double seconds, long frames, long bytes, long[] latencies,
        double rssMiB) {

    /** Viewers connect and get going this long before anything counts. */
    static final Duration WARMUP = Duration.ofSeconds(2);

    static Load run(Server server, int clients, Duration measured) throws IOException, InterruptedException {
        List<Long> latencies = new ArrayList<>();
        List<StreamClient> connections = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < clients; i++) {
                connections.add(StreamClient.open(server, selector, latencies));
            }
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
            StreamClient.pump(selector, buffer, WARMUP.toNanos());
            connections.forEach(c -> c.counting = true);
            long start = System.nanoTime();
            double cpuSeconds;
            try (Proc.CpuWindow cpu = server.cpuWindow()) {
                StreamClient.pump(selector, buffer, measured.toNanos());
                cpuSeconds = cpu.seconds();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            connections.forEach(c -> c.counting = false);
            double rss = server.rssMiB();
            for (StreamClient c : connections) {
                c.channel.close();
            }
            double[] fps = connections.stream().mapToDouble(c -> c.frames / seconds).sorted().toArray();
            long frames = connections.stream().mapToLong(c -> c.frames).sum();
            long bytes = connections.stream().mapToLong(c -> c.bytes).sum();
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Load(clients, fps, cpuSeconds, seconds, frames, bytes, sorted, rss);
        }
    }

    /**
     * One round on two servers, the same load each, which goes first alternating by round: a stall or a busy
     * neighbour then hits both, not one side's single window. Returns the first server's load, then the second's.
     */
    static Load[] round(int round, Server a, Server b, int clients, Duration measured)
            throws IOException, InterruptedException {
        if (round % 2 == 0) {
            Load x = run(a, clients, measured);
            return new Load[] {x, run(b, clients, measured)};
        }
        Load y = run(b, clients, measured);
        return new Load[] {run(a, clients, measured), y};
    }

    /** This load and another of the same clients, as one: sums, every client's rate, the larger RSS. */
    Load and(Load other) {
        double[] allFps = DoubleStream.concat(Arrays.stream(fps), Arrays.stream(other.fps)).sorted().toArray();
        long[] allLatencies = LongStream.concat(Arrays.stream(latencies), Arrays.stream(other.latencies)).sorted()
                .toArray();
        return new Load(clients, allFps, cpuSeconds + other.cpuSeconds, seconds + other.seconds,
                frames + other.frames, bytes + other.bytes, allLatencies, Math.max(rssMiB, other.rssMiB));
    }

    double minFps() {
        return fps.length == 0 ? Double.NaN : fps[0];
    }

    double medianFps() {
        return fps.length == 0 ? Double.NaN : fps[fps.length / 2];
    }

    double cpuMsPerFrame() {
        return frames == 0 ? Double.NaN : cpuSeconds * 1000 / frames;
    }

    double bytesPerFrame() {
        return frames == 0 ? Double.NaN : (double) bytes / frames;
    }

    double cpuPercent() {
        return cpuSeconds / seconds * 100;
    }

    /** The CPU figure that has a target: per delivered frame, or per second when nobody watches. */
    double cpuFigure() {
        return clients == 0 ? cpuPercent() : cpuMsPerFrame();
    }

    /** Latency in milliseconds at a percentile. */
    double latency(int percentile) {
        if (latencies.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(latencies.length - 1, Math.ceil(percentile / 100.0 * latencies.length) - 1);
        return latencies[Math.max(0, index)] / 1000.0;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d frames, %.3f cpu s, min fps %.1f, p99 %.1f ms, %.0f MiB", frames,
                cpuSeconds, minFps(), latency(99), rssMiB);
    }
}
