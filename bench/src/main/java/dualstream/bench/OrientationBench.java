package dualstream.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * What turning the picture by EXIF orientation costs: two standalone servers on the same fake camera (which has no
 * flip controls), one upright and one with {@code rotation=90}, driven with the same load in alternating rounds.
 * Prints CPU and bytes per delivered frame for each, and the difference.
 * <p>
 * {@code --launcher bndrun/target/dualstream --fakecam fakecam/target/libfakecam.so [--seconds 8] [--rounds 4]}
 */
public final class OrientationBench {

    static final int[] CLIENTS = {1, 100};

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Path launcher = options.launcher();
        Path fakecam = options.fakecam();
        Duration window = Duration.ofSeconds(options.integer("seconds", 8));
        int rounds = options.integer("rounds", 4);
        try (Server upright = Server.dualstream(launcher, fakecam);
                Server turned = Server.dualstream(launcher, fakecam, Map.of(), "-Ddualstream.rotation=90")) {
            System.err.printf("warming up both servers (10 clients, %d s each)%n", Bench.STEADY.toSeconds());
            Load.run(upright, 10, Bench.STEADY);
            Load.run(turned, 10, Bench.STEADY);
            System.out.printf("%-8s %16s %16s %12s %14s %14s %8s%n", "clients", "upright ms/frame",
                    "turned ms/frame", "difference", "upright B/frame", "turned B/frame", "added B");
            for (int clients : CLIENTS) {
                Load a = null;
                Load b = null;
                for (int round = 0; round < rounds; round++) {
                    Load[] pair = Load.round(round, upright, turned, clients, window);
                    System.err.printf(Locale.ROOT, "%d clients, round %d: upright %.4f, turned %.4f ms per frame%n",
                            clients, round + 1, pair[0].cpuMsPerFrame(), pair[1].cpuMsPerFrame());
                    a = a == null ? pair[0] : a.and(pair[0]);
                    b = b == null ? pair[1] : b.and(pair[1]);
                }
                System.out.printf(Locale.ROOT, "%-8d %16.4f %16.4f %+12.4f %14.1f %14.1f %+8.1f%n", clients,
                        a.cpuMsPerFrame(), b.cpuMsPerFrame(), b.cpuMsPerFrame() - a.cpuMsPerFrame(),
                        a.bytesPerFrame(), b.bytesPerFrame(), b.bytesPerFrame() - a.bytesPerFrame());
            }
        }
    }
}
