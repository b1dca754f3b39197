package dualstream.camera.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dualstream.camera.api.CameraUnavailableException;
import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;
import dualstream.camera.api.Resolution;

class FrameHubTest {

    private final AtomicInteger demandChanges = new AtomicInteger();
    private final FrameHub hub = new FrameHub(demandChanges::incrementAndGet);

    private static Frame frame(long sequence) {
        return new Frame(sequence, sequence, new Resolution(1, 1), new byte[] {(byte) sequence});
    }

    @Test
    void aSlowConsumerGetsOnlyTheNewestFrame() throws Exception {
        try (LiveStream stream = hub.open()) {
            hub.publish(frame(1));
            hub.publish(frame(2));
            hub.publish(frame(3));
            assertThat(stream.next(1, TimeUnit.SECONDS).sequence()).isEqualTo(3);
            assertThat(stream.next(10, TimeUnit.MILLISECONDS)).as("no frame is handed out twice").isNull();
            hub.publish(frame(4));
            assertThat(stream.next(1, TimeUnit.SECONDS).sequence()).isEqualTo(4);
        }
    }

    @Test
    void everyConsumerGetsTheSameFrameInstance() throws Exception {
        try (LiveStream a = hub.open(); LiveStream b = hub.open()) {
            Frame f = frame(1);
            hub.publish(f);
            assertThat(a.next(1, TimeUnit.SECONDS)).isSameAs(f);
            assertThat(b.next(1, TimeUnit.SECONDS)).isSameAs(f);
        }
    }

    @Test
    void aWaitingConsumerWakesForTheNextFrame() throws Exception {
        try (LiveStream stream = hub.open()) {
            CompletableFuture<Frame> got = CompletableFuture.supplyAsync(() -> {
                try {
                    return stream.next(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            hub.publish(frame(5));
            assertThat(got.get(10, TimeUnit.SECONDS).sequence()).isEqualTo(5);
        }
    }

    @Test
    void countsConsumersAndSignalsEveryChange() {
        LiveStream a = hub.open();
        LiveStream b = hub.open();
        assertThat(hub.consumers()).isEqualTo(2);
        a.close();
        a.close();
        assertThat(hub.consumers()).isEqualTo(1);
        b.close();
        assertThat(hub.consumers()).isZero();
        assertThat(demandChanges).hasValue(4);
    }

    @Test
    void closingTheHubEndsWaitingAndFutureStreams() throws Exception {
        LiveStream stream = hub.open();
        CompletableFuture<Throwable> failure = CompletableFuture.supplyAsync(() -> {
            try {
                stream.next(30, TimeUnit.SECONDS);
                return null;
            } catch (Exception e) {
                return e;
            }
        });
        hub.close();
        assertThat(failure.get(10, TimeUnit.SECONDS)).isInstanceOf(CameraUnavailableException.class);
        assertThat(hub.consumers()).isZero();
        LiveStream late = hub.open();
        assertThat(hub.consumers()).isZero();
        assertThatThrownBy(() -> late.next(1, TimeUnit.SECONDS)).isInstanceOf(CameraUnavailableException.class);
    }

    @Test
    void closingAStreamWakesItsWaiter() throws Exception {
        LiveStream stream = hub.open();
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                stream.next(30, TimeUnit.SECONDS);
                failure.complete(null);
            } catch (Exception e) {
                failure.complete(e);
            }
        });
        waiter.start();
        while (waiter.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }
        stream.close();
        assertThat(failure.get(10, TimeUnit.SECONDS)).isInstanceOf(CameraUnavailableException.class);
    }

    @Test
    void clearMakesConsumersWaitForAFreshFrame() throws Exception {
        try (LiveStream stream = hub.open()) {
            hub.publish(frame(1));
            hub.clear();
            assertThat(stream.next(10, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void listenersHearOfEveryNewFrameAndOfTheEnd() throws Exception {
        AtomicInteger heard = new AtomicInteger();
        LiveStream stream = hub.open();
        stream.onNewFrame(heard::incrementAndGet);
        int afterRegistering = heard.get();
        hub.publish(frame(1));
        hub.publish(frame(2));
        assertThat(heard.get() - afterRegistering).isEqualTo(2);
        assertThat(stream.next(0, TimeUnit.SECONDS).sequence()).isEqualTo(2);
        assertThat(stream.next(0, TimeUnit.SECONDS)).as("nothing newer: no wait with a zero timeout").isNull();
        hub.close();
        assertThat(heard.get() - afterRegistering).as("told of the end").isEqualTo(3);
        assertThatThrownBy(() -> stream.next(0, TimeUnit.SECONDS)).isInstanceOf(CameraUnavailableException.class);
    }

    @Test
    void aClosedStreamIsNoLongerTold() {
        AtomicInteger heard = new AtomicInteger();
        LiveStream stream = hub.open();
        stream.onNewFrame(heard::incrementAndGet);
        stream.close();
        int before = heard.get();
        hub.publish(frame(1));
        assertThat(heard.get()).isEqualTo(before);
    }
}
