package dualstream.stream.mjpeg.internal;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.osgi.service.log.Logger;

/**
 * The stream's one writer thread: runs the tasks handed to it as they come and, while it is wanted, a periodic task in
 * between; otherwise it sleeps, without waking at all while the periodic task is not wanted. A hand-off is a queue
 * offer and an unpark; a scheduled executor's delay queue also takes a lock and signals a condition for every frame,
 * which profiling showed to cost a third of the writer's time at one viewer.
 */
final class WriterLoop implements Runnable {

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Runnable periodic;
    private final BooleanSupplier periodicWanted;
    private final long periodNanos;
    private final Thread thread;
    private final Logger log;
    private volatile boolean stopped;

    WriterLoop(String name, Runnable periodic, BooleanSupplier periodicWanted, long period, TimeUnit unit, Logger log) {
        this.log = log;
        this.periodic = periodic;
        this.periodicWanted = periodicWanted;
        this.periodNanos = unit.toNanos(period);
        this.thread = new Thread(this, name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Runs {@code task} on the writer thread soon; false, and nothing runs, once stopped. */
    boolean execute(Runnable task) {
        if (stopped) {
            return false;
        }
        tasks.add(task);
        LockSupport.unpark(thread);
        return true;
    }

    /** To be called when the periodic task may have become wanted: the thread looks again. */
    void wake() {
        LockSupport.unpark(thread);
    }

    /** Stops after the task running now; tasks still waiting are dropped. */
    void stop(long timeout, TimeUnit unit) throws InterruptedException {
        stopped = true;
        LockSupport.unpark(thread);
        if (Thread.currentThread() != thread) {
            thread.join(Math.max(1, unit.toMillis(timeout)));
        }
    }

    @Override
    public void run() {
        long nextPeriodic = System.nanoTime() + periodNanos;
        while (!stopped) {
            for (Runnable task = tasks.poll(); task != null && !stopped; task = tasks.poll()) {
                runReporting(task);
            }
            long now = System.nanoTime();
            if (!periodicWanted.getAsBoolean()) {
                nextPeriodic = now + periodNanos;
                if (tasks.isEmpty() && !stopped) {
                    LockSupport.park(this); // until execute, wake or stop unparks it
                }
            } else if (now - nextPeriodic >= 0) {
                runReporting(periodic);
                nextPeriodic = now + periodNanos;
            } else if (tasks.isEmpty()) {
                LockSupport.parkNanos(this, nextPeriodic - now);
            }
        }
    }

    /**
     * A task's failure must neither end the thread (every stream would stall) nor vanish. An Error (out of memory)
     * goes to the thread's uncaught-exception handler, which in the standalone gateway restarts the process.
     */
    private void runReporting(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("stream writer task failed", e);
        } catch (Error e) {
            thread.getUncaughtExceptionHandler().uncaughtException(thread, e);
        }
    }
}
