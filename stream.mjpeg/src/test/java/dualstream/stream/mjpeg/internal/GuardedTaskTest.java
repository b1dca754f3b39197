package dualstream.stream.mjpeg.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class GuardedTaskTest {

    @Test
    void anErrorInAWriterTaskReachesTheThreadsUncaughtExceptionHandler() throws Exception {
        CompletableFuture<Throwable> reported = new CompletableFuture<>();
        ExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "writer");
            thread.setUncaughtExceptionHandler((t, e) -> reported.complete(e));
            return thread;
        });
        try {
            executor.execute(MjpegStreamServlet.guarded(() -> {
                throw new OutOfMemoryError("Java heap space");
            }));

            assertThat(reported.get(10, TimeUnit.SECONDS)).isInstanceOf(OutOfMemoryError.class);
        } finally {
            executor.shutdownNow();
        }
    }
}
