package dualstream.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
        Options options = Options.parse(args);
        int seconds = options.integer("seconds", 30);
        try (Server ours = Server.dualstream(options.launcher(), options.fakecam());
                Server peer = Server.ustreamer(options.fakecam())) {
            Thread.sleep(5000); // the viewer that proved each ready has gone; start-up work is over
            Map<String, Long> oursBefore = Proc.contextSwitches(ours.process.pid());
            Map<String, Long> peerBefore = Proc.contextSwitches(peer.process.pid());
            Thread.sleep(seconds * 1000L);
            Map<String, Long> oursAfter = Proc.contextSwitches(ours.process.pid());
            Map<String, Long> peerAfter = Proc.contextSwitches(peer.process.pid());
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
}
