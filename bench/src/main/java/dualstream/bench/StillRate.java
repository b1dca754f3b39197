package dualstream.bench;

import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/** One viewer watches the stream while full-resolution stills are requested at a rate, or back to back. */
record StillRate(double streamFps, int stills, double medianLatencyMs) {

    static String label(int perSecond) {
        return perSecond < 0 ? "back to back" : perSecond + "/s";
    }

    /** {@code perSecond} stills a second; 0 none, below 0 back to back. */
    static StillRate run(Server server, int perSecond, Duration measured) throws Exception {
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> requesters = new ArrayList<>();
        // At a rate, every request on its own thread (a slow still must not delay the next); back to back, one.
        Runnable still = () -> {
            long requested = HttpAnswer.nowMicros();
            try {
                latencies.add((HttpAnswer.get(server.port, Server.SNAPSHOT).receivedMicros() - requested) / 1000.0);
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
                LockSupport.parkNanos(next - System.nanoTime());
            }
        });
        double fps;
        try (Selector selector = Selector.open()) {
            StreamClient watcher = StreamClient.open(server, selector, new ArrayList<>());
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
            StreamClient.pump(selector, buffer, Load.WARMUP.toNanos());
            driver.start();
            StreamClient.pump(selector, buffer, Load.WARMUP.toNanos());
            watcher.counting = true;
            long start = System.nanoTime();
            StreamClient.pump(selector, buffer, measured.toNanos());
            fps = watcher.frames / ((System.nanoTime() - start) / 1e9);
            running.set(false);
            watcher.channel.close();
        }
        driver.join(30_000);
        for (Thread one : new ArrayList<>(requesters)) {
            one.join(30_000);
        }
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).sorted()
                .toArray();
        return new StillRate(fps, sorted.length, sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2]);
    }
}
