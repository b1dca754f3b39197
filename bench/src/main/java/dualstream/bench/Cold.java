package dualstream.bench;

import java.time.Duration;
import java.util.Locale;

/** A server's first minute: start-up to its first whole frame, then one viewer until 60 s after the start. */
record Cold(double startupSeconds, double cpuSeconds, double rssMiB) {

    static final Duration MINUTE = Duration.ofSeconds(60);

    static Cold run(Server server) throws Exception {
        long left = server.startedNanos + MINUTE.toNanos() - System.nanoTime();
        Load.run(server, 1, Duration.ofNanos(Math.max(0, left - Load.WARMUP.toNanos())));
        return new Cold(server.startupSeconds(), server.cpuSeconds(), server.rssMiB());
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "first frame after %.2f s, %.2f CPU s and %.0f MiB at 60 s",
                startupSeconds, cpuSeconds, rssMiB);
    }
}
