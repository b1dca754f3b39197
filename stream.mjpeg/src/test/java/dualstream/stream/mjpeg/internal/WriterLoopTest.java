package dualstream.stream.mjpeg.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

class WriterLoopTest {

    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final Logger log = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class}, (proxy, method, args) -> {
                if (method.getName().equals("error")) {
                    errors.add(String.valueOf(args[0]));
                }
                return method.getReturnType() == boolean.class ? Boolean.FALSE : null;
            });
    private WriterLoop loop;

    @AfterEach
    void stop() throws InterruptedException {
        if (loop != null) {
            loop.stop(5, TimeUnit.SECONDS);
        }
    }

    private WriterLoop start(Runnable periodic, long periodMillis) {
        return start(periodic, () -> true, periodMillis);
    }

    private WriterLoop start(Runnable periodic, BooleanSupplier wanted, long periodMillis) {
        loop = new WriterLoop("writer", periodic, wanted, periodMillis, TimeUnit.MILLISECONDS, log);
        loop.start();
        return loop;
    }

    @Test
    void thePeriodicTaskRunsOnlyWhileWantedAndTasksRunEitherWay() throws Exception {
        AtomicBoolean wanted = new AtomicBoolean();
        AtomicInteger periodicRuns = new AtomicInteger();
        start(periodicRuns::incrementAndGet, wanted::get, 10);
        CompletableFuture<Boolean> ran = new CompletableFuture<>();
        loop.execute(() -> ran.complete(true));
        assertThat(ran.get(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(300); // thirty periods
        assertThat(periodicRuns.get()).as("periodic runs while not wanted").isZero();

        wanted.set(true);
        loop.wake();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (periodicRuns.get() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(periodicRuns.get()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void runsEveryTaskOnItsOwnThreadAndThePeriodicTaskBetween() throws Exception {
        CountDownLatch periodic = new CountDownLatch(3);
        start(periodic::countDown, 20);
        CompletableFuture<String> ranOn = new CompletableFuture<>();
        assertThat(loop.execute(() -> ranOn.complete(Thread.currentThread().getName()))).isTrue();

        assertThat(ranOn.get(10, TimeUnit.SECONDS)).isEqualTo("writer");
        assertThat(periodic.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anErrorGoesToTheUncaughtExceptionHandlerAndTheThreadGoesOn() throws Exception {
        CompletableFuture<Throwable> reported = new CompletableFuture<>();
        start(() -> { }, 1000);
        loop.execute(() -> Thread.currentThread().setUncaughtExceptionHandler((t, e) -> reported.complete(e)));
        loop.execute(() -> {
            throw new OutOfMemoryError("Java heap space");
        });

        assertThat(reported.get(10, TimeUnit.SECONDS)).isInstanceOf(OutOfMemoryError.class);
        CompletableFuture<Boolean> after = new CompletableFuture<>();
        loop.execute(() -> after.complete(true));
        assertThat(after.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aFailingTaskIsLoggedAndTheThreadGoesOn() throws Exception {
        AtomicInteger periodicRuns = new AtomicInteger();
        start(() -> {
            if (periodicRuns.incrementAndGet() == 1) {
                throw new IllegalStateException("a bug");
            }
        }, 10);
        loop.execute(() -> {
            throw new IllegalArgumentException("another bug");
        });
        CompletableFuture<Boolean> after = new CompletableFuture<>();
        loop.execute(() -> after.complete(true));

        assertThat(after.get(10, TimeUnit.SECONDS)).isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((periodicRuns.get() < 3 || errors.size() < 2) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(periodicRuns.get()).isGreaterThanOrEqualTo(3);
        assertThat(errors).hasSize(2);
    }

    @Test
    void afterStopNothingRunsAndTheThreadHasEnded() throws Exception {
        start(() -> { }, 1000);
        CompletableFuture<Thread> thread = new CompletableFuture<>();
        loop.execute(() -> thread.complete(Thread.currentThread()));
        Thread writer = thread.get(10, TimeUnit.SECONDS);

        loop.stop(5, TimeUnit.SECONDS);

        assertThat(writer.isAlive()).isFalse();
        assertThat(loop.execute(() -> { })).isFalse();
    }
}
