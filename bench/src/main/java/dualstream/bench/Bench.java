package dualstream.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dualstream.bench.Report.Target;

/**
 * Runs dualstream and ustreamer on the same fake camera, drives both with the same load, and prints one table with
 * both side by side; beside them the bare stack (Felix, Jetty 12, SCR, ConfigAdmin, none of our bundles), whose RSS
 * tells what ours add. One process each, loopback only; CPU and RSS are the whole server process's, from /proc.
 * <p>
 * {@code --launcher bndrun/target/dualstream --bare bndrun/target/bare.jar --fakecam fakecam/target/libfakecam.so
 * --csv bench/results.csv [--seconds 8] [--rounds 4] [--clients 1,10]}: with {@code --clients}, only those loads
 * (and the footprint, if it is among them) are measured, without the cold starts and stills.
 */
public final class Bench {

    static final int[] CLIENTS = {0, 1, 10, 100, 300};
    /** Full-resolution stills per second while one client watches; -1: back to back. */
    static final int[] STILL_RATES = {0, 1, 15, -1};
    /** The load at which our RSS is compared with the bare stack's. */
    static final int FOOTPRINT_CLIENTS = 10;
    static final double FOOTPRINT_MIB = 10;
    /** Steady state is what a printer sees for hours: the JIT has finished before anything is measured. */
    static final Duration STEADY = Duration.ofSeconds(15);

    private final Path launcher;
    private final Path bareJar;
    private final Path fakecam;
    /** One round's window per server. */
    private final Duration window;
    /**
     * Each load is measured in this many windows per server, in alternating order (ours first, then ustreamer first):
     * a stall or a busy neighbour then hits both, not one side's single window.
     */
    private final int rounds;
    private final int[] clients;
    private final boolean whole;
    private final Report report = new Report();

    private Bench(Options options) {
        launcher = options.launcher();
        bareJar = options.path("bare", launcher.resolveSibling("bare.jar").toString());
        fakecam = options.fakecam();
        window = Duration.ofSeconds(options.integer("seconds", 8));
        rounds = options.integer("rounds", 4);
        whole = options.text("clients", null) == null;
        clients = whole ? CLIENTS : options.integers("clients");
        if (window.isNegative() || window.isZero() || rounds < 1) {
            throw new IllegalArgumentException("--seconds and --rounds must be at least 1");
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Path csv = Path.of(options.text("csv", "bench/results.csv"));
        Report report = new Bench(options).run();
        report.print(System.out);
        report.writeCsv(csv);
        System.out.println("written: " + csv);
    }

    /** CPU per delivered frame, ours over ustreamer's, in every round (issue 22). */
    static double cpuRatioLimit(int clients) {
        return clients <= 10 ? 0.95 : 0.6;
    }

    private Report run() throws Exception {
        if (whole) {
            coldStarts();
        }
        try (Server ours = Server.dualstream(launcher, fakecam); Server peer = Server.ustreamer(fakecam);
                Server bare = Server.bareStack(launcher, bareJar)) {
            System.err.printf("warming up both servers (10 clients, %d s each)%n", STEADY.toSeconds());
            Load.run(ours, 10, STEADY);
            Load.run(peer, 10, STEADY);
            // The bare stack has nothing to stream: its request path is warmed by what it has, 404s.
            for (int i = 0; i < FOOTPRINT_CLIENTS; i++) {
                HttpAnswer.get(bare.port, Server.STREAM);
            }
            for (int n : clients) {
                Load load = loads(ours, peer, n);
                if (n == FOOTPRINT_CLIENTS) {
                    footprint(load, bare);
                }
            }
            if (whole) {
                stills(ours, peer);
            }
        }
        return report;
    }

    /** As a Pi that just booted sees them: each alone, from its start, with one viewer from its first frame. */
    private void coldStarts() throws Exception {
        Cold ours;
        Cold peer;
        try (Server server = Server.dualstream(launcher, fakecam)) {
            ours = Cold.run(server);
        }
        try (Server server = Server.ustreamer(fakecam)) {
            peer = Cold.run(server);
        }
        System.err.printf("cold: dualstream %s | ustreamer %s%n", ours, peer);
        report.add("start-up to first whole frame, s", 1, ours.startupSeconds(), peer.startupSeconds(),
                Target.atMost(2.0));
        report.add("CPU s, first 60 s after start", 1, ours.cpuSeconds(), peer.cpuSeconds(), Target.NONE);
        report.add("RSS MiB, 60 s after start", 1, ours.rssMiB(), peer.rssMiB(), Target.NONE);
    }

    /** One load in rounds on both servers; the rows of it, each round's CPU among them. Returns our rounds as one. */
    private Load loads(Server ours, Server peer, int clients) throws Exception {
        List<Load[]> pairs = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            Load[] pair = Load.round(round, ours, peer, clients, window);
            System.err.printf(Locale.ROOT, "%d clients, round %d: CPU ratio %.2f; dualstream %s | ustreamer %s%n",
                    clients, round + 1, pair[0].cpuFigure() / pair[1].cpuFigure(), pair[0], pair[1]);
            pairs.add(pair);
        }
        Load a = pairs.stream().map(p -> p[0]).reduce(Load::and).orElseThrow();
        Load b = pairs.stream().map(p -> p[1]).reduce(Load::and).orElseThrow();
        System.err.printf("%d clients, all rounds: dualstream %s | ustreamer %s%n", clients, a, b);
        if (clients > 0) {
            Target cpu = Target.ratioAtMost(cpuRatioLimit(clients));
            report.add("fps per client, min", clients, a.minFps(), b.minFps(), Target.atLeast(29));
            report.add("fps per client, median", clients, a.medianFps(), b.medianFps(), Target.NONE);
            report.add("CPU ms per delivered frame, all rounds", clients, a.cpuMsPerFrame(), b.cpuMsPerFrame(), cpu);
            for (int round = 0; round < pairs.size(); round++) {
                Load[] pair = pairs.get(round);
                report.add("CPU ms per delivered frame, round " + (round + 1), clients, pair[0].cpuMsPerFrame(),
                        pair[1].cpuMsPerFrame(), cpu);
            }
            report.add("latency p50 ms", clients, a.latency(50), b.latency(50), Target.NONE);
            report.add("latency p99 ms", clients, a.latency(99), b.latency(99), Target.NONE);
        } else {
            report.add("CPU % of one core, idle", 0, a.cpuPercent(), b.cpuPercent(), Target.ratioAtMost(1.0));
        }
        report.add("RSS MiB", clients, a.rssMiB(), b.rssMiB(), Target.NONE);
        return a;
    }

    /** What our bundles add to the process: our RSS under load (the rounds' largest) over the idle bare stack's. */
    private void footprint(Load ours, Server bare) throws Exception {
        double bareMiB = bare.rssMiB();
        System.err.printf(Locale.ROOT, "RSS: bare stack %.1f MiB, dualstream with %d clients %.1f MiB%n", bareMiB,
                ours.clients(), ours.rssMiB());
        report.addOurs("RSS MiB, bare stack (no bundle of ours)", 0, bareMiB, Target.NONE);
        report.addOurs("RSS MiB over the bare stack", ours.clients(), ours.rssMiB() - bareMiB,
                Target.atMost(FOOTPRINT_MIB));
    }

    private void stills(Server ours, Server peer) throws Exception {
        Stills sa = Stills.run(ours);
        Stills sb = Stills.run(peer);
        report.add("still latency median ms", 1, sa.medianMs(), sb.medianMs(), Target.NONE);
        report.add("still latency max ms", 1, sa.maxMs(), sb.maxMs(), Target.NONE);
        report.add("stream gap around a still, frames (max)", 1, sa.maxGap(), sb.maxGap(), Target.atMost(3));
        report.add("still size (width)", 1, sa.width(), sb.width(), Target.NONE);
        // Where our stills' time goes (the Server-Timing header), medians. The camera's own frame times have no
        // target: the stream frame in flight when the request came, the warm-up frames, the kept frame.
        for (String phase : Stills.PHASES) {
            boolean camera = Stills.CAMERA_PHASES.contains(phase);
            report.addOurs("still: " + phase + (camera ? " (camera frames)" : "") + ", median ms", 1,
                    sa.phaseMedianMs(phase), camera ? Target.NONE : Target.atMost(10));
        }
        // ustreamer's snapshot is a stream frame: it never switches size, so it has no figure here.
        for (int rate : STILL_RATES) {
            StillRate r = StillRate.run(ours, rate, window);
            System.err.printf(Locale.ROOT, "stills %s: stream %.1f fps, %d stills, latency median %.0f ms%n",
                    StillRate.label(rate), r.streamFps(), r.stills(), r.medianLatencyMs());
            report.addOurs("stream fps, stills " + StillRate.label(rate) + " (floor 20)", 1, r.streamFps(),
                    Target.atLeast(rate == 0 ? 29 : 19.5));
            report.addOurs("still latency median ms, stills " + StillRate.label(rate), 1, r.medianLatencyMs(),
                    Target.NONE);
        }
    }
}
