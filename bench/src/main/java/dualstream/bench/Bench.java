package dualstream.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.DoubleStream;
import java.util.stream.LongStream;

/**
 * Runs dualstream and ustreamer on the same fake camera, drives both with the same load, and prints one table with
 * both side by side. One process each, loopback only; CPU and RSS are the whole server process's, from /proc.
 */
public final class Bench {

    static final int[] CLIENTS = {0, 1, 10, 100, 300};
    /** Full-resolution stills per second while one client watches; -1: back to back. */
    static final int[] STILL_RATES = {0, 1, 15, -1};
    static final Duration WARMUP = Duration.ofSeconds(2);
    static Duration window = Duration.ofSeconds(8);
    /**
     * Each load is measured in this many windows per server, in alternating order (ours first, then ustreamer first):
     * a stall or a busy neighbour then hits both, not one side's single window.
     */
    static int rounds = 4;
    static final long CLOCK_TICKS = 100; // USER_HZ on Linux

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path launcher = Path.of(options.getOrDefault("launcher", "bndrun/target/dualstream")).toAbsolutePath();
        Path fakecam = Path.of(options.getOrDefault("fakecam", "fakecam/target/libfakecam.so")).toAbsolutePath();
        Path csv = Path.of(options.getOrDefault("csv", "bench/results.csv"));
        window = Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "8")));
        rounds = Integer.parseInt(options.getOrDefault("rounds", "4"));
        if (window.isNegative() || window.isZero() || rounds < 1) {
            throw new IllegalArgumentException("--seconds and --rounds must be at least 1");
        }

        List<Row> rows = new ArrayList<>();
        // As a Pi that just booted sees them: each alone, from its start, with one viewer from its first frame.
        Cold coldOurs;
        Cold coldPeer;
        try (Server ours = Server.dualstream(launcher, fakecam)) {
            coldOurs = Cold.run(ours);
        }
        try (Server peer = Server.ustreamer(fakecam)) {
            coldPeer = Cold.run(peer);
        }
        System.err.printf("cold: dualstream %s | ustreamer %s%n", coldOurs, coldPeer);
        rows.add(new Row("start-up to first whole frame, s", 1, coldOurs.startupSeconds, coldPeer.startupSeconds,
                Target.atMost(2.0)));
        rows.add(new Row("CPU s, first 60 s after start", 1, coldOurs.cpuSeconds, coldPeer.cpuSeconds, Target.NONE));
        rows.add(new Row("RSS MiB, 60 s after start", 1, coldOurs.rssMiB, coldPeer.rssMiB, Target.NONE));
        try (Server ours = Server.dualstream(launcher, fakecam); Server peer = Server.ustreamer(fakecam)) {
            // Steady state is what a printer sees for hours: let the JIT finish before measuring.
            System.err.println("warming up both servers (10 clients, 15 s each)");
            Load.run(ours, 10, Duration.ofSeconds(15));
            Load.run(peer, 10, Duration.ofSeconds(15));
            for (int clients : CLIENTS) {
                Load a = null;
                Load b = null;
                for (int round = 0; round < rounds; round++) {
                    Load x;
                    Load y;
                    if (round % 2 == 0) {
                        x = Load.run(ours, clients);
                        y = Load.run(peer, clients);
                    } else {
                        y = Load.run(peer, clients);
                        x = Load.run(ours, clients);
                    }
                    System.err.printf(Locale.ROOT,
                            "%d clients, round %d: CPU ratio %.2f; dualstream %s | ustreamer %s%n", clients,
                            round + 1, x.cpuRatio(y), x, y);
                    a = a == null ? x : a.and(x);
                    b = b == null ? y : b.and(y);
                }
                System.err.printf("%d clients, all rounds: dualstream %s | ustreamer %s%n", clients, a, b);
                if (clients > 0) {
                    rows.add(new Row("fps per client, min", clients, a.minFps(), b.minFps(), Target.atLeast(29)));
                    rows.add(new Row("fps per client, median", clients, a.medianFps(), b.medianFps(), Target.NONE));
                    rows.add(new Row("CPU ms per delivered frame", clients, a.cpuMsPerFrame(), b.cpuMsPerFrame(),
                            Target.ratioAtMost(clients <= 10 ? 1.0 : 0.5)));
                    rows.add(new Row("latency p50 ms", clients, a.latency(50), b.latency(50), Target.NONE));
                    rows.add(new Row("latency p99 ms", clients, a.latency(99), b.latency(99), Target.NONE));
                } else {
                    rows.add(new Row("CPU % of one core, idle", 0, a.cpuPercent(), b.cpuPercent(),
                            Target.ratioAtMost(1.0)));
                }
                rows.add(new Row("RSS MiB", clients, a.rssMiB, b.rssMiB,
                        clients == 10 ? Target.atMost(64) : Target.NONE));
            }
            Stills sa = Stills.run(ours);
            Stills sb = Stills.run(peer);
            rows.add(new Row("still latency median ms", 1, sa.medianMs(), sb.medianMs(), Target.NONE));
            rows.add(new Row("still latency max ms", 1, sa.maxMs(), sb.maxMs(), Target.NONE));
            rows.add(new Row("stream gap around a still, frames (max)", 1, sa.maxGap(), sb.maxGap(), Target.atMost(3)));
            rows.add(new Row("still size (width)", 1, sa.width, sb.width, Target.NONE));
            // Where our stills' time goes (the Server-Timing header), medians. The camera's own frame times have no
            // target: the stream frame in flight when the request came, the warm-up frames, the kept frame.
            for (String phase : Stills.PHASES) {
                boolean camera = Stills.CAMERA_PHASES.contains(phase);
                rows.add(new Row("still: " + phase + (camera ? " (camera frames)" : "") + ", median ms", 1,
                        sa.phaseMedianMs(phase), Double.NaN, camera ? Target.NONE : Target.atMost(10)));
            }
            // ustreamer's snapshot is a stream frame: it never switches size, so it has no figure here.
            for (int rate : STILL_RATES) {
                StillRate r = StillRate.run(ours, rate);
                System.err.printf("stills %s: stream %.1f fps, %d stills, latency median %.0f ms%n",
                        StillRate.label(rate), r.streamFps, r.stills, r.medianLatencyMs);
                rows.add(new Row("stream fps, stills " + StillRate.label(rate) + " (floor 20)", 1, r.streamFps,
                        Double.NaN, Target.atLeast(rate == 0 ? 29 : 19.5)));
                rows.add(new Row("still latency median ms, stills " + StillRate.label(rate), 1, r.medianLatencyMs,
                        Double.NaN, Target.NONE));
            }
        }
        print(rows, System.out);
        StringBuilder out = new StringBuilder("metric,clients,dualstream,ustreamer,ratio,target,verdict\n");
        for (Row row : rows) {
            out.append(String.format(Locale.ROOT, "\"%s\",%d,%.4f,%.4f,%s,\"%s\",%s%n", row.metric, row.clients,
                    row.ours, row.peer, row.ratio(), row.target.text, row.verdict()));
        }
        if (csv.getParent() != null) {
            Files.createDirectories(csv.getParent());
        }
        Files.writeString(csv, out);
        System.out.println("written: " + csv);
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

    /** What a figure must be: of ours alone, or of ours over ustreamer's in the same run. */
    record Target(String text, java.util.function.BiPredicate<Double, Double> met) {
        static final Target NONE = new Target("", null);

        static Target atMost(double limit) {
            return new Target("<= " + limit, (ours, peer) -> ours <= limit);
        }

        static Target atLeast(double limit) {
            return new Target(">= " + limit, (ours, peer) -> ours >= limit);
        }

        static Target ratioAtMost(double limit) {
            return new Target("ratio <= " + limit, (ours, peer) -> peer > 0 && ours / peer <= limit);
        }
    }

    record Row(String metric, int clients, double ours, double peer, Target target) {
        String ratio() {
            return peer == 0 || Double.isNaN(peer) || Double.isNaN(ours) ? "n/a"
                    : String.format(Locale.ROOT, "%.2f", ours / peer);
        }

        String verdict() {
            if (target.met() == null) {
                return "";
            }
            return !Double.isNaN(ours) && target.met().test(ours, peer) ? "PASS" : "FAIL";
        }
    }

    static void print(List<Row> rows, PrintStream out) {
        out.printf("%-42s %7s %12s %12s %8s %14s %7s%n", "metric", "clients", "dualstream", "ustreamer", "ratio",
                "target", "");
        for (Row row : rows) {
            out.printf(Locale.ROOT, "%-42s %7d %12.3f %12.3f %8s %14s %7s%n", row.metric, row.clients, row.ours,
                    row.peer, row.ratio(), row.target.text(), row.verdict());
        }
    }

    /** A server process under test. */
    static final class Server implements AutoCloseable {
        final String name;
        final Process process;
        final int port;
        final String streamPath;
        final String snapshotPath;

        Server(String name, Process process, int port, String streamPath, String snapshotPath) {
            this.name = name;
            this.process = process;
            this.port = port;
            this.streamPath = streamPath;
            this.snapshotPath = snapshotPath;
        }

        static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
        }

        /** Started as users start it: the launcher, with its JVM settings, on this Java. */
        static Server dualstream(Path launcher, Path fakecam) throws Exception {
            return dualstream(launcher, fakecam, Map.of());
        }

        /** With these fake camera settings (its environment) and further settings of ours. */
        static Server dualstream(Path launcher, Path fakecam, Map<String, String> camera, String... settings)
                throws Exception {
            int port = freePort();
            Path work = Files.createTempDirectory("bench-dualstream");
            List<String> command = new ArrayList<>(List.of(launcher.toString(), "-Dorg.osgi.service.http.port=" + port,
                    "-Dorg.apache.felix.http.host=127.0.0.1", "-Ddualstream.nativeLibrary=" + fakecam,
                    "-Ddualstream.device=/dev/video0", "-Ddualstream.cameraDir=", "-Ddualstream.streamSize=640x480",
                    "-Ddualstream.fps=30"));
            command.addAll(List.of(settings));
            ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(work.resolve("log").toFile());
            builder.environment().putAll(camera);
            builder.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
            long started = System.nanoTime();
            return new Server("dualstream", builder.start(), port, "/stream", "/snapshot").ready(started);
        }

        static Server ustreamer(Path fakecam) throws Exception {
            int port = freePort();
            ProcessBuilder builder = new ProcessBuilder("ustreamer", "--device=/dev/video0", "--format=MJPEG",
                    "--encoder=HW", "--resolution=640x480", "--desired-fps=30", "--host=127.0.0.1",
                    "--port=" + port).redirectErrorStream(true)
                    .redirectOutput(Files.createTempFile("bench-ustreamer", ".log").toFile());
            builder.environment().put("LD_PRELOAD", fakecam.toString());
            long started = System.nanoTime();
            return new Server("ustreamer", builder.start(), port, "/stream", "/snapshot").ready(started);
        }

        /** When the process started, and when it first gave a whole frame on its stream. */
        long startedNanos;
        long firstFrameNanos;

        Server ready(long started) throws Exception {
            startedNanos = started;
            long deadline = started + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue());
                }
                if (wholeFrame()) {
                    firstFrameNanos = System.nanoTime();
                    return this;
                }
                Thread.sleep(10);
            }
            throw new IllegalStateException(name + " did not serve frames within 60 s");
        }

        /** Whether the stream gives a whole JPEG (start to end of image) now. */
        private boolean wholeFrame() {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write(("GET " + streamPath + " HTTP/1.0\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                s.setSoTimeout(3000);
                InputStream in = s.getInputStream();
                StringBuilder seen = new StringBuilder();
                byte[] chunk = new byte[8192];
                for (int n; seen.length() < 200_000 && (n = in.read(chunk)) > 0;) {
                    seen.append(new String(chunk, 0, n, StandardCharsets.ISO_8859_1));
                    int start = seen.indexOf("\u00ff\u00d8");
                    if (start >= 0 && seen.indexOf("\u00ff\u00d9", start) > 0) {
                        return true;
                    }
                }
            } catch (IOException notYet) {
                // not serving yet
            }
            return false;
        }

        long cpuTicks() throws IOException {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime + stime
        }

        double rssMiB() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
            return Double.NaN;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    /** One stream connection, parsed as it arrives: part headers read, JPEG bodies skipped. */
    static final class Client {
        final SocketChannel channel;
        final StringBuilder header = new StringBuilder();
        long bodyLeft;
        long timestamp;
        long contentLength = -1;
        int frames;
        boolean counting;
        final List<Long> latencies;
        final List<Long> stamps = new ArrayList<>();

        Client(SocketChannel channel, List<Long> latencies) {
            this.channel = channel;
            this.latencies = latencies;
        }

        /** A stream client connected and registered for reading on the selector. */
        static Client open(Server server, Selector selector, List<Long> latencies) throws IOException {
            SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port));
            channel.write(ByteBuffer.wrap(("GET " + server.streamPath + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            channel.configureBlocking(false);
            Client client = new Client(channel, latencies);
            channel.register(selector, SelectionKey.OP_READ, client);
            return client;
        }

        void consume(ByteBuffer data) {
            while (data.hasRemaining()) {
                if (bodyLeft > 0) {
                    int skip = (int) Math.min(bodyLeft, data.remaining());
                    data.position(data.position() + skip);
                    bodyLeft -= skip;
                    if (bodyLeft == 0) {
                        long received = nowMicros();
                        stamps.add(timestamp);
                        if (counting) {
                            frames++;
                            latencies.add(received - timestamp);
                        }
                    }
                    continue;
                }
                char c = (char) (data.get() & 0xFF);
                header.append(c);
                int n = header.length();
                if (c == '\n' && n >= 4 && header.charAt(n - 2) == '\r' && header.charAt(n - 3) == '\n') {
                    parseHeaderBlock();
                    header.setLength(0);
                }
            }
        }

        private void parseHeaderBlock() {
            contentLength = -1;
            Map<String, String> fields = headers(header.toString());
            if (fields.containsKey("content-length")) {
                contentLength = Long.parseLong(fields.get("content-length"));
            }
            if (fields.containsKey("x-timestamp")) {
                timestamp = (long) (Double.parseDouble(fields.get("x-timestamp")) * 1_000_000);
            }
            if (contentLength > 0 && header.indexOf("image/jpeg") >= 0) {
                bodyLeft = contentLength;
            }
        }
    }

    /** N stream clients on one selector thread, so the load generator costs the same for both servers. */
    record Load(int clients, double[] fps, double cpuSeconds, double seconds, long frames, long[] latencies,
            double rssMiB) {

        static Load run(Server server, int clients) throws Exception {
            return run(server, clients, window);
        }

        static Load run(Server server, int clients, Duration measured) throws Exception {
            List<Long> latencies = new ArrayList<>();
            List<Client> connections = new ArrayList<>();
            try (Selector selector = Selector.open()) {
                for (int i = 0; i < clients; i++) {
                    connections.add(Client.open(server, selector, latencies));
                }
                ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
                pump(selector, buffer, WARMUP.toNanos());
                connections.forEach(c -> c.counting = true);
                long cpuBefore = server.cpuTicks();
                long start = System.nanoTime();
                pump(selector, buffer, measured.toNanos());
                double seconds = (System.nanoTime() - start) / 1e9;
                long cpuAfter = server.cpuTicks();
                connections.forEach(c -> c.counting = false);
                double rss = server.rssMiB();
                for (Client c : connections) {
                    c.channel.close();
                }
                double[] fps = connections.stream().mapToDouble(c -> c.frames / seconds).sorted().toArray();
                long frames = connections.stream().mapToLong(c -> c.frames).sum();
                long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
                return new Load(clients, fps, (cpuAfter - cpuBefore) / (double) CLOCK_TICKS, seconds, frames, sorted,
                        rss);
            }
        }

        /** This load and another of the same clients, as one: sums, every client's rate, the larger RSS. */
        Load and(Load other) {
            double[] allFps = DoubleStream.concat(Arrays.stream(fps), Arrays.stream(other.fps)).sorted().toArray();
            long[] allLatencies = LongStream.concat(Arrays.stream(latencies), Arrays.stream(other.latencies)).sorted()
                    .toArray();
            return new Load(clients, allFps, cpuSeconds + other.cpuSeconds, seconds + other.seconds,
                    frames + other.frames, allLatencies, Math.max(rssMiB, other.rssMiB));
        }

        static void pump(Selector selector, ByteBuffer buffer, long nanos) throws IOException {
            long deadline = System.nanoTime() + nanos;
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                for (SelectionKey key : selector.selectedKeys()) {
                    Client client = (Client) key.attachment();
                    buffer.clear();
                    int n = client.channel.read(buffer);
                    if (n < 0) {
                        key.cancel();
                        continue;
                    }
                    buffer.flip();
                    client.consume(buffer);
                }
                selector.selectedKeys().clear();
            }
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

        double cpuPercent() {
            return cpuSeconds / seconds * 100;
        }

        /** The CPU figure that has a target, ours over the peer's: per delivered frame, or per second when idle. */
        double cpuRatio(Load peer) {
            return clients == 0 ? cpuPercent() / peer.cpuPercent() : cpuMsPerFrame() / peer.cpuMsPerFrame();
        }

        double latency(int percentile) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.min(latencies.length - 1, Math.ceil(percentile / 100.0 * latencies.length) - 1);
            return latencies[Math.max(0, index)] / 1000.0;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d frames, %.2f cpu s, min fps %.1f, p99 %.1f ms, %.0f MiB", frames,
                    cpuSeconds, minFps(), latency(99), rssMiB);
        }
    }

    /** The first minute: start-up to the first whole frame, then one viewer until 60 s after the start. */
    record Cold(double startupSeconds, double cpuSeconds, double rssMiB) {

        static Cold run(Server server) throws Exception {
            long left = server.startedNanos + TimeUnit.SECONDS.toNanos(60) - System.nanoTime();
            Load.run(server, 1, Duration.ofNanos(Math.max(0, left - WARMUP.toNanos())));
            return new Cold((server.firstFrameNanos - server.startedNanos) / 1e9,
                    server.cpuTicks() / (double) CLOCK_TICKS, server.rssMiB());
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "first frame after %.2f s, %.2f CPU s and %.0f MiB at 60 s",
                    startupSeconds, cpuSeconds, rssMiB);
        }
    }

    /** One client watches the stream while full-resolution stills are requested at a rate, or back to back. */
    record StillRate(double streamFps, int stills, double medianLatencyMs) {

        static String label(int perSecond) {
            return perSecond < 0 ? "back to back" : perSecond + "/s";
        }

        static StillRate run(Server server, int perSecond) throws Exception {
            List<Double> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            List<Thread> requesters = new ArrayList<>();
            // At a rate, every request on its own thread (a slow still must not delay the next); back to back, one.
            Runnable still = () -> {
                long requested = nowMicros();
                try {
                    latencies.add((Stills.Answer.get(server.port, server.snapshotPath).receivedMicros() - requested)
                            / 1000.0);
                } catch (RuntimeException e) {
                    latencies.add(Double.NaN);
                }
            };
            Thread driver = new Thread(() -> {
                long period = perSecond > 0 ? 1_000_000_000L / perSecond : 0;
                long next = System.nanoTime();
                while (running.get() && perSecond != 0) {
                    if (perSecond < 0) {
                        still.run();
                        continue;
                    }
                    Thread one = new Thread(still);
                    one.start();
                    requesters.add(one);
                    next += period;
                    java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
                }
            });
            List<Long> ignored = new ArrayList<>();
            double fps;
            try (Selector selector = Selector.open()) {
                Client watcher = Client.open(server, selector, ignored);
                ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
                Load.pump(selector, buffer, WARMUP.toNanos());
                driver.start();
                Load.pump(selector, buffer, WARMUP.toNanos());
                watcher.counting = true;
                long start = System.nanoTime();
                Load.pump(selector, buffer, window.toNanos());
                fps = watcher.frames / ((System.nanoTime() - start) / 1e9);
                running.set(false);
                watcher.channel.close();
            }
            driver.join(30_000);
            for (Thread one : new ArrayList<>(requesters)) {
                one.join(30_000);
            }
            double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d))
                    .sorted().toArray();
            return new StillRate(fps, sorted.length, sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2]);
        }
    }

    /**
     * Stills requested one by one while one client watches the stream; the gap is counted in frame intervals. Our
     * stills' phases come from their Server-Timing header; {@code http} is the rest of the time the client waited.
     */
    record Stills(double[] latenciesMs, double[] gaps, double width, Map<String, double[]> phasesMs) {

        /** What the server reports; {@code http} is the rest the client waited. */
        static final List<String> SERVER_PHASES = List.of("queue", "switch", "settle", "copy");
        static final List<String> PHASES = java.util.stream.Stream.concat(SERVER_PHASES.stream(),
                java.util.stream.Stream.of("http")).toList();
        static final Set<String> CAMERA_PHASES = Set.of("queue", "settle");

        static Stills run(Server server) throws Exception {
            List<Long> ignored = new ArrayList<>();
            Client watcher;
            double[] latencies = new double[10];
            double[] gaps = new double[10];
            Map<String, double[]> phases = new LinkedHashMap<>();
            PHASES.forEach(phase -> phases.put(phase, new double[latencies.length]));
            double width = Double.NaN;
            ExecutorService requester = Executors.newSingleThreadExecutor();
            try (Selector selector = Selector.open()) {
                watcher = Client.open(server, selector, ignored);
                ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
                Load.pump(selector, buffer, WARMUP.toNanos());
                for (int i = 0; i < latencies.length; i++) {
                    long requested = nowMicros();
                    CompletableFuture<Answer> pending = CompletableFuture.supplyAsync(
                            () -> Answer.get(server.port, server.snapshotPath), requester);
                    while (!pending.isDone()) {
                        Load.pump(selector, buffer, TimeUnit.MILLISECONDS.toNanos(1));
                    }
                    Answer answer = pending.get();
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
                    Load.pump(selector, buffer, TimeUnit.MILLISECONDS.toNanos(700));
                    gaps[i] = gap(watcher.stamps, requested - 500_000, answer.receivedMicros() + 500_000);
                }
                watcher.channel.close();
            } finally {
                requester.shutdownNow();
            }
            return new Stills(latencies, gaps, width, phases);
        }

        /**
         * One GET over a plain socket, timed when its last byte is in, as curl would: a lean client, so that what is
         * left of a still's time beyond the server's phases is the server's HTTP work, not the client's.
         */
        record Answer(String head, byte[] body, long receivedMicros) {
            static Answer get(int port, String path) {
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
                    return new Answer(new String(all, 0, end, StandardCharsets.ISO_8859_1),
                            Arrays.copyOfRange(all, Math.min(all.length, end + 4), all.length), received);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }

            /** A header's value, or "" when it is not there. */
            String header(String name) {
                return headers(head).getOrDefault(name.toLowerCase(Locale.ROOT), "");
            }
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

        /** The median of a phase over every still, NaN when the server does not report it. */
        double phaseMedianMs(String phase) {
            double[] sorted = phasesMs.get(phase).clone();
            Arrays.sort(sorted);
            return sorted[sorted.length / 2];
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
            for (int i = 2; i + 9 < jpeg.length; ) {
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

        double medianMs() {
            double[] sorted = latenciesMs.clone();
            Arrays.sort(sorted);
            return sorted[sorted.length / 2];
        }

        double maxMs() {
            return Arrays.stream(latenciesMs).max().orElse(Double.NaN);
        }

        double maxGap() {
            return Arrays.stream(gaps).skip(1).max().orElse(Double.NaN); // the first still also warms the camera
        }
    }
}
