package dualstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** What Linux's /proc says of a whole process: CPU time, resident memory, its threads' context switches. */
final class Proc {

    /** USER_HZ, the unit of /proc's CPU times, on every Linux architecture. */
    static final long CLOCK_TICKS = 100;

    private Proc() {
    }

    /** The whole process's CPU time so far, ended threads included, in seconds (10 ms resolution). */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // The command name may hold spaces: fields are counted from after its closing parenthesis.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) CLOCK_TICKS; // utime + stime
    }

    /** Each live thread's CPU time so far, in nanoseconds (schedstat), by thread id. */
    static Map<Long, Long> threadCpuNanos(long pid) throws IOException {
        Map<Long, Long> threads = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String schedstat = Files.readString(task.resolve("schedstat"));
                    threads.put(Long.parseLong(task.getFileName().toString()),
                            Long.parseLong(schedstat.substring(0, schedstat.indexOf(' '))));
                } catch (IOException ended) {
                    // the thread ended meanwhile
                }
            }
        }
        return threads;
    }

    /**
     * A process's CPU time over a window, to the nanosecond: at one viewer a server spends some 50 ms in 8 s, so the
     * 10 ms ticks of the process's own total would move a round's ratio by a fifth. Threads are looked at every
     * 100 ms, so that one that ends in the window (Jetty lets idle ones go) still counts up to its last look.
     */
    static final class CpuWindow implements AutoCloseable {
        private final long pid;
        private final Map<Long, Long> first;
        private final Map<Long, Long> last = new HashMap<>();
        private final Thread watcher;
        private volatile boolean open = true;

        CpuWindow(long pid) throws IOException {
            this.pid = pid;
            first = threadCpuNanos(pid);
            last.putAll(first);
            watcher = new Thread(this::watch, "cpu-window-" + pid);
            watcher.setDaemon(true);
            watcher.start();
        }

        private void watch() {
            try {
                while (open) {
                    Thread.sleep(100);
                    look();
                }
            } catch (InterruptedException | IOException ended) {
                // the window is closed, or the process has gone
            }
        }

        private void look() throws IOException {
            Map<Long, Long> now = threadCpuNanos(pid);
            synchronized (last) {
                last.putAll(now);
            }
        }

        /** Closes the window: the CPU seconds all threads spent in it, those born in it from their start. */
        double seconds() throws IOException, InterruptedException {
            close();
            look();
            long nanos = 0;
            synchronized (last) {
                for (Map.Entry<Long, Long> thread : last.entrySet()) {
                    nanos += thread.getValue() - first.getOrDefault(thread.getKey(), 0L);
                }
            }
            return nanos / 1e9;
        }

        @Override
        public void close() throws InterruptedException {
            open = false;
            watcher.interrupt();
            watcher.join();
        }
    }

    static double rssMiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    /** Context switches (voluntary and not) of each thread, by "thread-id name". */
    static Map<String, Long> contextSwitches(long pid) throws IOException {
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
