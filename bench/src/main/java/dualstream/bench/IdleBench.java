package dualstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * How often an idle server wakes up: dualstream and ustreamer on the same fake camera, each once served a viewer and
 * then left without one, their threads' context switches counted over the same window. A process that polls wakes
 * the CPU (and a Pi's power management) for nothing; the target is at most one wake-up a second for the whole
 * process.
 * <p>
 * {@code --launcher bndrun/target/dualstream --fakecam fakecam/target/libfakecam.so [--seconds 30]}
 */
public final class IdleBench {

    private IdleBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        Path launcher = Path.of(options.getOrDefault("--launcher", "bndrun/target/dualstream")).toAbsolutePath();
        Path fakecam = Path.of(options.getOrDefault("--fakecam", "fakecam/target/libfakecam.so")).toAbsolutePath();
        int seconds = Integer.parseInt(options.getOrDefault("--seconds", "30"));
        try (Bench.Server ours = Bench.Server.dualstream(launcher, fakecam);
                Bench.Server peer = Bench.Server.ustreamer(fakecam)) {
            Thread.sleep(5000); // the viewer that proved each ready has gone; start-up work is over
            Map<String, Long> oursBefore = switches(ours.process.pid());
            Map<String, Long> peerBefore = switches(peer.process.pid());
            Thread.sleep(seconds * 1000L);
            Map<String, Long> oursAfter = switches(ours.process.pid());
            Map<String, Long> peerAfter = switches(peer.process.pid());
            report("dualstream", oursBefore, oursAfter, seconds);
            report("ustreamer", peerBefore, peerAfter, seconds);
        }
    }

    private static void report(String name, Map<String, Long> before, Map<String, Long> after, int seconds) {
        List<Map.Entry<String, Long>> woke = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, Long> thread : after.entrySet()) {
            long delta = thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
            total += delta;
            if (delta > 0) {
                woke.add(Map.entry(thread.getKey(), delta));
            }
        }
        woke.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        System.out.printf("idle, no viewer, %d s: %s %d context switches, %.2f wake-ups/s (target <= 1)%n", seconds,
                name, total, (double) total / seconds);
        for (Map.Entry<String, Long> thread : woke.subList(0, Math.min(8, woke.size()))) {
            System.out.printf("    %6d  %s%n", thread.getValue(), thread.getKey());
        }
    }

    /** Context switches (voluntary and not) of each thread of a process, by thread id and name. */
    static Map<String, Long> switches(long pid) throws IOException {
        Map<String, Long> threads = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim();
                    long count = 0;
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")
                                || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            count += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                    threads.put(task.getFileName() + " " + name, count);
                } catch (IOException ended) {
                    // the thread ended meanwhile
                }
            }
        }
        return threads;
    }
}
