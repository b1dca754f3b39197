package dualstream.camera.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dualstream.camera.api.CameraUnavailableException;
import dualstream.camera.api.Frame;
import dualstream.camera.api.Resolution;
import dualstream.camera.api.Timing;

class StillRequestsTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final AtomicLong stills = new AtomicLong();
    private final StillRequests requests = new StillRequests(now::get, stills::incrementAndGet);

    static final Resolution SIZE = new Resolution(4, 3);
    static final Resolution OTHER = new Resolution(8, 6);

    private static Frame capturedAt(long micros) {
        return capturedAt(micros, SIZE);
    }

    private static Frame capturedAt(long micros, Resolution size) {
        return new Frame(1, micros, size, new byte[1]);
    }

    @Test
    void aFrameAnswersEveryRequestMadeBeforeItsCapture() throws Exception {
        CompletableFuture<Frame> first = requests.request(SIZE);
        now.set(1_500);
        CompletableFuture<Frame> second = requests.request(SIZE);
        now.set(3_000);
        CompletableFuture<Frame> late = requests.request(SIZE);

        Frame frame = capturedAt(2_000);
        assertThat(requests.complete(frame)).isEqualTo(2);
        assertThat(stills).as("one still for two requests").hasValue(1);
        assertThat(first).isCompletedWithValue(frame);
        assertThat(second).isCompletedWithValue(frame);
        assertThat(late).as("a frame captured before the request is not fresh for it").isNotDone();
        assertThat(requests.hasPending()).isTrue();

        assertThat(requests.complete(capturedAt(3_001))).isEqualTo(1);
        assertThat(late).isDone();
        assertThat(requests.hasPending()).isFalse();
        assertThat(requests.lastLatency()).isNotNull();
    }

    @Test
    void eachRequesterSeesItsOwnWaitBeforeTheCamerasPhases() throws Exception {
        CompletableFuture<Frame> early = requests.request(SIZE);
        Thread.sleep(20);
        CompletableFuture<Frame> later = requests.request(SIZE);
        long started = System.nanoTime();
        Frame still = capturedAt(2_000).withTimings(List.of(Timing.ofNanos("switch", 2_000_000)));

        requests.complete(still, started);

        List<Timing> earlyPhases = early.get().timings();
        List<Timing> laterPhases = later.get().timings();
        assertThat(earlyPhases).extracting(Timing::name).containsExactly("queue", "switch");
        assertThat(laterPhases).extracting(Timing::name).containsExactly("queue", "switch");
        assertThat(earlyPhases.get(0).duration()).isGreaterThanOrEqualTo(Duration.ofMillis(20))
                .isGreaterThan(laterPhases.get(0).duration());
        assertThat(earlyPhases.get(1).duration()).isEqualTo(Duration.ofMillis(2));
        assertThat(early.get().data()).isEqualTo(still.data());
    }

    @Test
    void aFrameCapturedAtTheRequestInstantIsNotFresh() {
        CompletableFuture<Frame> request = requests.request(SIZE);
        assertThat(requests.complete(capturedAt(1_000))).isZero();
        assertThat(request).isNotDone();
    }

    @Test
    void failAllFailsEveryPendingRequest() {
        CompletableFuture<Frame> a = requests.request(SIZE);
        CompletableFuture<Frame> b = requests.request(SIZE);
        requests.failAll(new CameraUnavailableException("unplugged"));
        assertThat(a).isCompletedExceptionally();
        assertThat(b).isCompletedExceptionally();
        assertThat(requests.hasPending()).isFalse();
    }

    @Test
    void cancelledRequestsAreForgotten() {
        requests.request(SIZE).cancel(false);
        assertThat(requests.hasPending()).isFalse();
    }

    @Test
    void aFrameAnswersOnlyTheRequestsForItsSizeAndTheOldestRequestSaysWhatToCaptureNext() {
        CompletableFuture<Frame> small = requests.request(SIZE);
        now.set(1_100);
        CompletableFuture<Frame> large = requests.request(OTHER);
        assertThat(requests.oldestSize()).isEqualTo(SIZE);

        assertThat(requests.complete(capturedAt(2_000, SIZE))).isEqualTo(1);
        assertThat(small).isDone();
        assertThat(large).isNotDone();
        assertThat(requests.hasPending(SIZE)).isFalse();
        assertThat(requests.hasPending(OTHER)).isTrue();
        assertThat(requests.oldestSize()).isEqualTo(OTHER);

        requests.fail(OTHER, new CameraUnavailableException("no still"));
        assertThat(large).isCompletedExceptionally();
        assertThat(requests.oldestSize()).isNull();
    }
}
