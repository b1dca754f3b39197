package dualstream.camera.v4l2.internal;

import static dualstream.camera.v4l2.internal.TestSupport.await;
import static dualstream.camera.v4l2.internal.TestSupport.scaled;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;
import dualstream.camera.api.Resolution;
import dualstream.camera.api.StillReport;
import dualstream.camera.api.Timing;
import dualstream.camera.support.ConfiguredCameras;

/**
 * Stills on a camera whose auto exposure re-converges after every STREAMON: the fake's exposure model, which names
 * each frame's true brightness in its JPEG comment ({@code bright=100} when settled).
 */
class StillSettlingTest {

    static final Resolution STREAM = V4l2CameraTest.STREAM;
    static final Resolution LARGEST = V4l2CameraTest.LARGEST;
    private static final Pattern BRIGHT = Pattern.compile("fakecam seq=\\d+ size=(\\d+x\\d+) dark=\\d bright=(\\d+)");

    private final List<V4l2Camera> cameras = new ArrayList<>();
    private final List<Viewer> viewers = new ArrayList<>();

    @BeforeEach
    void resetFake() {
        FakeCamera.reset();
    }

    @AfterEach
    void stop() throws Exception {
        for (Viewer viewer : viewers) {
            viewer.close();
        }
        for (V4l2Camera camera : cameras) {
            TestSupport.stop(camera);
        }
        FakeCamera.reset();
    }

    private V4l2Camera camera(Object... keyValues) throws InterruptedException {
        Map<String, Object> values = new HashMap<>();
        values.put("camera.id", "fake");
        values.put("device", FakeCamera.DEVICE);
        values.put("nativeLibrary", FakeCamera.LIBRARY);
        values.put("reconnectMillis", 100L);
        values.put("stillTimeoutMillis", scaled(10_000));
        values.put("settleLimitMillis", scaled(2000));
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put((String) keyValues[i], keyValues[i + 1]);
        }
        V4l2Camera camera = new V4l2Camera(ConfiguredCameras.typed(V4l2Camera.Config.class, values), TestSupport.logger());
        cameras.add(camera);
        return TestSupport.opened(camera);
    }

    /** The frame's size and true brightness (percent of settled), as the fake camera wrote them into it. */
    record Truth(Resolution size, int bright) {
        static Truth of(Frame frame) {
            byte[] bytes = V4l2CameraTest.bytes(frame);
            Matcher matcher = BRIGHT.matcher(new String(bytes, 0, Math.min(200, bytes.length),
                    StandardCharsets.ISO_8859_1));
            if (!matcher.find()) {
                throw new AssertionError("no fakecam note in the frame");
            }
            return new Truth(Resolution.parse(matcher.group(1)), Integer.parseInt(matcher.group(2)));
        }
    }

    /** Every frame the live stream gives one consumer, taken as fast as they come. */
    final class Viewer implements AutoCloseable {
        final LiveStream stream;
        final List<Truth> seen = new CopyOnWriteArrayList<>();
        final Thread thread;

        Viewer(V4l2Camera camera) {
            stream = camera.openStream();
            thread = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        Frame frame = stream.next(1, TimeUnit.SECONDS);
                        if (frame != null) {
                            seen.add(Truth.of(frame));
                        }
                    }
                } catch (Exception ended) {
                    // closed
                }
            }, "viewer");
            thread.start();
            viewers.add(this);
        }

        void awaitFrames(int count) throws InterruptedException {
            int from = seen.size();
            await(count + " more frames", 20, () -> seen.size() >= from + count);
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join(5000);
            stream.close();
        }
    }

    private static Frame still(V4l2Camera camera) throws Exception {
        return camera.captureStill().toCompletableFuture().get(scaled(15), TimeUnit.SECONDS);
    }

    private static Timing settle(Frame still) {
        return still.timings().stream().filter(t -> t.name().equals(Timing.SETTLE)).findFirst().orElseThrow();
    }

    /** With default settings, whatever the camera needs: every still is the settled picture, and so is the stream. */
    @ParameterizedTest(name = "settles after {0} frames")
    @ValueSource(ints = {0, 3, 10, 25})
    void stillsAndTheStreamAreSettledWhateverTheCameraNeeds(int settleFrames) throws Exception {
        FakeCamera.set("settle_frames", settleFrames);
        V4l2Camera camera = camera();
        Viewer viewer = new Viewer(camera);
        viewer.awaitFrames(10);
        List<StillReport> reports = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Frame still = still(camera);
            Truth truth = Truth.of(still);
            assertThat(truth.size()).isEqualTo(LARGEST);
            assertThat(truth.bright()).as("still %d after %s", i, settle(still)).isBetween(90, 110);
            reports.add(camera.lastStill().orElseThrow());
            viewer.awaitFrames(10);
        }
        System.out.printf("settle %d frames: %s; stream frames seen %d%n", settleFrames, reports, viewer.seen.size());
        assertThat(viewer.seen).as("every frame the viewer saw").allSatisfy(frame -> {
            assertThat(frame.size()).isEqualTo(STREAM);
            assertThat(frame.bright()).isBetween(90, 110);
        });
        assertThat(reports).extracting(StillReport::stoppedBy).doesNotContain("limit");
    }

    @Test
    void theExposureIsReadBackThenCarriedAcrossTheSwitch() throws Exception {
        FakeCamera.set("settle_frames", 10);
        V4l2Camera camera = camera();
        Viewer viewer = new Viewer(camera);
        viewer.awaitFrames(10);

        Frame first = still(camera);
        StillReport converged = camera.lastStill().orElseThrow();
        assertThat(Truth.of(first).bright()).isBetween(90, 110);
        assertThat(converged.exposureLocked()).as("nothing known of this size yet").isFalse();
        assertThat(converged.framesSkipped()).as("the camera converged on its own").isGreaterThanOrEqualTo(8);
        viewer.awaitFrames(10);
        assertThat(FakeCamera.get("auto")).as("automatic exposure given back").isEqualTo(1);

        Frame second = still(camera);
        StillReport carried = camera.lastStill().orElseThrow();
        assertThat(Truth.of(second).bright()).isBetween(90, 110);
        assertThat(carried.exposureLocked()).isTrue();
        assertThat(carried.stoppedBy()).isEqualTo("matched");
        assertThat(carried.framesSkipped()).as("only the warm-up frame").isLessThanOrEqualTo(1);
        assertThat(settle(second).description()).contains("exposure carried over");
        viewer.awaitFrames(10);
        assertThat(FakeCamera.get("auto")).isEqualTo(1);
        assertThat(FakeCamera.get("exposure")).as("the stream's own exposure").isEqualTo(250);
        assertThat(viewer.seen).allSatisfy(frame -> assertThat(frame.bright()).isBetween(90, 110));
    }

    /** The light at the full size changed between stills: the camera finds its exposure again, and that is carried. */
    @Test
    void aCarriedExposureThatNoLongerFitsIsLearnedAgain() throws Exception {
        FakeCamera.set("settle_frames", 10);
        // Failing the old value and converging anew must fit in the limit even where full-size frames come slowly.
        V4l2Camera camera = camera("settleLimitMillis", scaled(8000));
        Viewer viewer = new Viewer(camera);
        viewer.awaitFrames(10);
        still(camera);
        StillReport first = camera.lastStill().orElseThrow();
        viewer.awaitFrames(10);
        still(camera);
        assertThat(camera.lastStill().orElseThrow().exposureLocked()).as("carried after %s: %s", first,
                camera.lastStill().orElseThrow()).isTrue();
        viewer.awaitFrames(10);

        FakeCamera.set("exposure_full", 1000);
        Frame relearned = still(camera);
        assertThat(Truth.of(relearned).bright()).as(settle(relearned).description()).isBetween(90, 110);
        StillReport learned = camera.lastStill().orElseThrow();
        assertThat(learned.exposureLocked()).as("the old value did not hold").isFalse();
        assertThat(learned.stoppedBy()).as("settled by itself: %s", learned).isIn("matched", "steady");
        viewer.awaitFrames(10);

        Frame carried = still(camera);
        assertThat(Truth.of(carried).bright()).isBetween(90, 110);
        assertThat(camera.lastStill().orElseThrow().exposureLocked()).as("the new value is carried after %s",
                learned).isTrue();
        assertThat(camera.lastStill().orElseThrow().framesSkipped()).isLessThanOrEqualTo(Settling.LOCK_GRACE);
        assertThat(viewer.seen).allSatisfy(frame -> assertThat(frame.bright()).isBetween(90, 110));
    }

    @Test
    void aCameraWithoutAnExposureTimeSettlesByItsPictureAlone() throws Exception {
        FakeCamera.set("model", "picam"); // automatic exposure, but no exposure time to read or set
        FakeCamera.set("settle_frames", 10);
        V4l2Camera camera = camera();
        Viewer viewer = new Viewer(camera);
        viewer.awaitFrames(10);
        for (int i = 0; i < 2; i++) {
            assertThat(Truth.of(still(camera)).bright()).isBetween(90, 110);
            assertThat(camera.lastStill().orElseThrow().exposureLocked()).isFalse();
            viewer.awaitFrames(10);
        }
        assertThat(viewer.seen).allSatisfy(frame -> assertThat(frame.bright()).isBetween(90, 110));
    }

    @Test
    void exposureTheUserSetByHandIsLeftAlone() throws Exception {
        FakeCamera.set("settle_frames", 10);
        V4l2Camera camera = camera();
        camera.setControl(ExposureLock.EXPOSURE_AUTO, ExposureLock.MANUAL);
        camera.setControl(ExposureLock.EXPOSURE_ABSOLUTE, 400);
        Viewer viewer = new Viewer(camera);
        viewer.awaitFrames(5);
        for (int i = 0; i < 2; i++) {
            Frame still = still(camera);
            assertThat(camera.lastStill().orElseThrow().exposureLocked()).isFalse();
            assertThat(Truth.of(still).bright()).as("400 of the full size's 500").isBetween(75, 85);
            viewer.awaitFrames(5);
        }
        assertThat(FakeCamera.get("auto")).isZero();
        assertThat(FakeCamera.get("exposure")).isEqualTo(400);
    }

    @Test
    void framesOfThePreviousSizeAndTinyFramesAreNeverServed() throws Exception {
        FakeCamera.set("stale_frames", 3);
        FakeCamera.set("tiny_frames", 2);
        V4l2Camera camera = camera();
        Viewer viewer = new Viewer(camera);
        viewer.awaitFrames(10);
        for (int i = 0; i < 2; i++) {
            Frame still = still(camera);
            assertThat(Truth.of(still).size()).isEqualTo(LARGEST);
            assertThat(V4l2CameraTest.decodedSize(still)).isEqualTo(LARGEST);
            assertThat(camera.lastStill().orElseThrow().framesSkipped()).isGreaterThanOrEqualTo(5);
            viewer.awaitFrames(10);
        }
        assertThat(viewer.seen).allSatisfy(frame -> assertThat(frame.size()).isEqualTo(STREAM));
    }

    /** Converging over 5 s: its exposure moves every frame, so it is never steady before the limit. */
    @Test
    void aCameraThatDoesNotSettleInTimeIsServedAtTheLimitAndSaysSo() throws Exception {
        FakeCamera.set("settle_frames", 150);
        V4l2Camera camera = camera("settleLimitMillis", 700L);
        Frame still = still(camera);
        StillReport report = camera.lastStill().orElseThrow();
        assertThat(report.stoppedBy()).isEqualTo("limit");
        // Its settle time runs to when that frame was ready, which is before the look at it found the limit passed.
        assertThat(report.settle()).isGreaterThanOrEqualTo(java.time.Duration.ofMillis(700 - 200));
        assertThat(settle(still).description()).startsWith("limit, ");
        assertThat(Truth.of(still).size()).isEqualTo(LARGEST);
    }

    @Test
    void settlingNotMeasuredTakesTheFirstFrameAfterTheWarmUp() throws Exception {
        FakeCamera.set("settle_frames", 10);
        V4l2Camera camera = camera("measureSettling", false);
        Frame still = still(camera);
        assertThat(camera.lastStill().orElseThrow().stoppedBy()).isEqualTo("fixed");
        assertThat(Truth.of(still).bright()).as("the camera had not settled").isLessThan(50);
    }
}
