package dualstream.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How often an idle server wakes up: dualstream and ustreamer on the same fake camera, each once served a viewer and
 * then left without one, their threads' context switches counted over the same window. A process that polls wakes
 * the CPU (and a Pi's power management) for nothing; the target is at most one wake-up a second for the whole
 * process.
 * <p>
 * The camera is a node in the file system, as a real one is in {@code /dev}, so that its removal can be followed
 * without asking the device. The fake camera's own threads (which check that node every 50 ms and make the frames)
 * are counted apart: they stand for the kernel and the camera.
 * <p>
 * {@code --launcher bndrun/target/dualstream --fakecam fakecam/target/libfakecam.so [--seconds 30]}
 */
public final class IdleBench {

    private IdleBench() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        int seconds = options.integer("seconds", 30);
        Path nodes = Files.createTempDirectory("bench-idle-dev");
        Path node = Files.createFile(nodes.resolve("video0"));
        Map<String, String> camera = Map.of("FAKECAM_NODES", nodes.toString());
        try (Server ours = Server.dualstream(options.launcher(), options.fakecam(), camera,
                "-Ddualstream.device=" + node);
                Server peer = Server.ustreamer(options.fakecam(), node.toString(), camera)) {
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
        long fake = 0;
        for (Map.Entry<String, Long> thread : after.entrySet()) {
            long delta = thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
            if (thread.getKey().contains(" fakecam-")) {
                fake += delta;
                continue;
            }
            total += delta;
            if (delta > 0) {
                woke.add(Map.entry(thread.getKey(), delta));
            }
        }
        woke.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        System.out.printf("idle, no viewer, %d s: %s %d context switches, %.2f wake-ups/s (target <= 1);"
                + " the fake camera's threads besides: %d%n", seconds, name, total, (double) total / seconds, fake);
        for (Map.Entry<String, Long> thread : woke.subList(0, Math.min(8, woke.size()))) {
            System.out.printf("    %6d  %s%n", thread.getValue(), thread.getKey());
        }
    }
}
