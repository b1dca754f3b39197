package dualstream.camera.v4l2.internal;

import static dualstream.camera.v4l2.internal.TestSupport.TIMING;
import static dualstream.camera.v4l2.internal.TestSupport.await;
import static dualstream.camera.v4l2.internal.TestSupport.scaled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dualstream.camera.api.CameraControl;
import dualstream.camera.api.CameraState;
import dualstream.camera.api.CameraUnavailableException;
import dualstream.camera.api.ControlType;
import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;
import dualstream.camera.api.Orientation;
import dualstream.camera.api.Resolution;
import dualstream.camera.api.Timing;
import dualstream.camera.support.ConfiguredCameras;
import dualstream.camera.support.ExifOrientation;
import dualstream.camera.support.StillRequests;

/** The real JNA code against the fake camera: every behaviour and every fault switch. */
class V4l2CameraTest {

    static final Resolution STREAM = new Resolution(640, 480);
    static final Resolution LARGEST = new Resolution(3264, 2448);

    private final List<V4l2Camera> cameras = new ArrayList<>();

    @BeforeEach
    void resetFake() {
        FakeCamera.reset();
    }

    @AfterEach
    void stopCameras() throws Exception {
        for (V4l2Camera camera : cameras) {
            TestSupport.stop(camera);
        }
        FakeCamera.reset();
    }

    /** The fake camera's configuration, with these settings over the test defaults. */
    private static V4l2Camera.Config config(Object... keyValues) {
        Map<String, Object> values = new HashMap<>();
        values.put("camera.id", "fake");
        values.put("device", FakeCamera.DEVICE);
        values.put("nativeLibrary", FakeCamera.LIBRARY);
        values.put("reconnectMillis", 100L);
        values.put("stillTimeoutMillis", scaled(5000));
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put((String) keyValues[i], keyValues[i + 1]);
        }
        return ConfiguredCameras.typed(V4l2Camera.Config.class, values);
    }

    private V4l2Camera camera(Object... keyValues) throws InterruptedException {
        V4l2Camera camera = new V4l2Camera(config(keyValues), TestSupport.logger());
        cameras.add(camera);
        return camera;
    }

    /** A camera whose capture thread waits for {@link V4l2Camera#start()}. */
    private V4l2Camera unstarted(Object... keyValues) {
        V4l2Camera camera = V4l2Camera.unstarted(config(keyValues), TestSupport.logger());
        cameras.add(camera);
        return camera;
    }

    @Test
    void aCameraNotYetOpenedSaysOpeningAndServesViewersAndStillsOnceOpen() throws Exception {
        V4l2Camera camera = unstarted();

        assertThat(camera.state()).isEqualTo(CameraState.OPENING);
        assertThat(camera.info().sizes()).isEmpty();
        CompletableFuture<Frame> still = camera.captureStill().toCompletableFuture();
        try (LiveStream stream = camera.openStream()) {
            assertThat(still).isNotDone();
            camera.start();
            assertThat(still.get(scaled(10), TimeUnit.SECONDS).size()).isEqualTo(LARGEST);
            assertThat(stream.next(scaled(5), TimeUnit.SECONDS)).isNotNull();
        }
        assertThat(camera.state()).isNotEqualTo(CameraState.OPENING);
        assertThat(camera.info().sizes()).contains(STREAM, LARGEST);
    }

    private static V4l2Camera ready(V4l2Camera camera) throws InterruptedException {
        return TestSupport.opened(camera);
    }

    static boolean isWholeJpegWithTables(byte[] jpeg) {
        if (jpeg.length < 4 || (jpeg[0] & 0xFF) != 0xFF || (jpeg[1] & 0xFF) != 0xD8
                || (jpeg[jpeg.length - 2] & 0xFF) != 0xFF || (jpeg[jpeg.length - 1] & 0xFF) != 0xD9) {
            return false;
        }
        for (int i = 0; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC4) {
                return true;
            }
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) {
                return false;
            }
        }
        return false;
    }

    static byte[] bytes(Frame frame) {
        byte[] bytes = new byte[frame.length()];
        frame.data().get(bytes);
        return bytes;
    }

    static Resolution decodedSize(Frame frame) throws Exception {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes(frame)));
        return new Resolution(image.getWidth(), image.getHeight());
    }

    /** The fake camera names every frame in a JPEG comment: "fakecam seq=N size=WxH dark=D". */
    static String note(Frame frame) {
        String text = new String(bytes(frame), 0, Math.min(200, frame.length()), StandardCharsets.ISO_8859_1);
        int at = text.indexOf("fakecam seq=");
        return at < 0 ? "" : text.substring(at, text.indexOf("dark=", at) + 6);
    }

    private static List<Frame> frames(LiveStream stream, int count) throws Exception {
        List<Frame> frames = new ArrayList<>();
        while (frames.size() < count) {
            Frame frame = stream.next(scaled(5), TimeUnit.SECONDS);
            assertThat(frame).as("frame %d within 5 s", frames.size()).isNotNull();
            frames.add(frame);
        }
        return frames;
    }

    @Test
    void probesTheDeviceAndStaysIdleWithoutConsumers() throws Exception {
        V4l2Camera camera = ready(camera());
        assertThat(camera.info().driver()).isEqualTo("uvcvideo");
        assertThat(camera.info().card()).isEqualTo("Fake Camera (dualstream)");
        assertThat(camera.info().formats()).containsExactly("MJPG", "YUYV");
        assertThat(camera.info().sizes()).contains(STREAM, LARGEST).hasSize(7);
        assertThat(camera.streamSize()).as("closest to 640x480").isEqualTo(STREAM);
        assertThat(camera.stillSize()).as("the largest").isEqualTo(LARGEST);
        assertThat(camera.state()).isEqualTo(CameraState.IDLE);
        assertThat(FakeCamera.get("streamons")).isZero();
    }

    @Test
    void takesSizesFromAStepwiseRangeToo() throws Exception {
        FakeCamera.set("stepwise", 1);
        V4l2Camera camera = ready(camera());
        assertThat(camera.info().sizes()).contains(new Resolution(160, 120), STREAM, new Resolution(1280, 720),
                LARGEST).doesNotContain(new Resolution(3840, 2160));
        assertThat(camera.streamSize()).isEqualTo(STREAM);
        assertThat(camera.stillSize()).isEqualTo(LARGEST);
        assertThat(camera.captureStill().toCompletableFuture().get(scaled(10), TimeUnit.SECONDS).size()).isEqualTo(LARGEST);
    }

    @Test
    void streamsWholeJpegsAtTheStreamSizeOnlyWhileSomeoneWatches() throws Exception {
        V4l2Camera camera = ready(camera("fps", 30));
        try (LiveStream stream = camera.openStream()) {
            List<Frame> frames = frames(stream, 15);
            for (Frame frame : frames) {
                assertThat(isWholeJpegWithTables(bytes(frame))).isTrue();
                assertThat(frame.size()).isEqualTo(STREAM);
            }
            assertThat(decodedSize(frames.get(0))).isEqualTo(STREAM);
            assertThat(frames).extracting(Frame::sequence).isSorted().doesNotHaveDuplicates();
            assertThat(camera.state()).isEqualTo(CameraState.STREAMING);
            long now = StillRequests.Clock.SYSTEM.epochMicros();
            assertThat(frames.get(14).captureTimeMicros()).isBetween(now - 1_000_000, now);
        }
        await("idle after the last consumer left", 5, () -> camera.state() == CameraState.IDLE);
        await("device stopped streaming", 5, () -> FakeCamera.get("streaming") == 0);
        assertThat(FakeCamera.get("mapped")).isZero();
    }

    @Test
    void aStillIsAtTheLargestSizeCapturedAfterTheRequestAndTheStreamResumesAtItsOwnSize() throws Exception {
        FakeCamera.set("dark_warmup", 2);
        V4l2Camera camera = ready(camera("warmupFrames", 3));
        try (LiveStream stream = camera.openStream()) {
            frames(stream, 3);
            long requested = StillRequests.Clock.SYSTEM.epochMicros();
            long asked = System.nanoTime();
            Frame still = camera.captureStill().toCompletableFuture().get(scaled(10), TimeUnit.SECONDS);
            long answered = System.nanoTime();
            assertThat(still.size()).isEqualTo(LARGEST);
            assertThat(decodedSize(still)).isEqualTo(LARGEST);
            assertThat(still.captureTimeMicros()).isGreaterThan(requested);
            assertThat(note(still)).as("not a dark warm-up frame").endsWith("dark=0");
            assertThat(isWholeJpegWithTables(bytes(still))).isTrue();
            assertThat(still.timings()).extracting(Timing::name)
                    .containsExactly("queue", "switch", "settle", "copy");
            assertThat(still.timings().stream().map(Timing::duration).reduce(Duration.ZERO, Duration::plus))
                    .as("the phases happened between request and answer").isLessThanOrEqualTo(
                            Duration.ofNanos(answered - asked));
            assertThat(still.timings().get(2).duration()).as("three frames dropped at 30 fps")
                    .isGreaterThan(Duration.ofMillis(50));
            assertThat(still.timings().get(2).description()).startsWith("matched, 3 frames skipped");

            List<Frame> after = frames(stream, 5);
            assertThat(after).allSatisfy(f -> assertThat(f.size()).isEqualTo(STREAM));
            assertThat(after).allSatisfy(f -> assertThat(f.timings()).isEmpty());
            // The consumer holds at most one frame it has not taken yet: the newest from before the switch, when it
            // was published while this thread waited for the still. Every frame after that one is a new capture.
            assertThat(after).extracting(Frame::captureTimeMicros).isSorted();
            assertThat(after.get(1).captureTimeMicros()).isGreaterThan(still.captureTimeMicros());
        }
        assertThat(camera.statistics().stills()).isEqualTo(1);
        assertThat(camera.statistics().lastStillLatency()).isPresent();
    }

    /** Frames per second a consumer gets over this long. */
    private static double rate(LiveStream stream, long millis) throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        int frames = 0;
        while (System.nanoTime() < end) {
            if (stream.next(200, TimeUnit.MILLISECONDS) != null) {
                frames++;
            }
        }
        return frames * 1000.0 / millis;
    }

    @Test
    @Tag(TIMING)
    void stillsBackToBackKeepTheStreamAtItsFloorAndEachIsFresh() throws Exception {
        V4l2Camera camera = ready(camera("fps", 30, "streamFloorFps", 20, "warmupFrames", 1));
        try (LiveStream stream = camera.openStream()) {
            frames(stream, 5);
            double alone = rate(stream, 2000);
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            List<String> stale = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.atomic.AtomicInteger taken = new java.util.concurrent.atomic.AtomicInteger();
            Thread requester = new Thread(() -> {
                while (running.get()) {
                    long requested = StillRequests.Clock.SYSTEM.epochMicros();
                    try {
                        Frame still = camera.captureStill().toCompletableFuture().get(scaled(10), TimeUnit.SECONDS);
                        if (still.captureTimeMicros() <= requested) {
                            stale.add("still " + still.sequence());
                        }
                        taken.incrementAndGet();
                    } catch (Exception e) {
                        stale.add(e.toString());
                    }
                }
            });
            requester.start();
            double withStills;
            try {
                withStills = rate(stream, 3000);
            } finally {
                running.set(false);
                requester.join(15_000);
            }
            System.out.printf("stream alone %.1f fps; with stills back to back %.1f fps (%d stills in 3 s)%n", alone,
                    withStills, taken.get());
            assertThat(stale).as("stills not captured after their request, or failed").isEmpty();
            assertThat(taken.get()).as("stills taken meanwhile").isGreaterThanOrEqualTo(3);
            // Relative to the same stream without stills in the same run: a loaded machine slows both.
            assertThat(withStills).as("stream fps with stills back to back (alone: %.1f)", alone)
                    .isGreaterThanOrEqualTo(alone * 20 / 30 * 0.9);
        }
    }

    @Test
    void stillsAtAnOfferedSizeShareOneCaptureAndOthersAreRefused() throws Exception {
        V4l2Camera camera = ready(camera("warmupFrames", 1));
        Resolution fullHd = new Resolution(1920, 1080);
        long streamonsBefore = FakeCamera.get("streamons");
        List<CompletableFuture<Frame>> requests = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            requests.add(camera.captureStill(fullHd).toCompletableFuture());
        }
        for (CompletableFuture<Frame> request : requests) {
            Frame still = request.get(scaled(10), TimeUnit.SECONDS);
            assertThat(still.size()).isEqualTo(fullHd);
            assertThat(decodedSize(still)).isEqualTo(fullHd);
        }
        assertThat(FakeCamera.get("streamons") - streamonsBefore).as("switches to 1920x1080").isEqualTo(1);
        assertThat(camera.captureStill().toCompletableFuture().get(scaled(10), TimeUnit.SECONDS).size()).isEqualTo(LARGEST);
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> camera.captureStill(new Resolution(1000, 1000))).withMessageContaining("1920x1080");
    }

    @Test
    void concurrentStillsShareOneCapture() throws Exception {
        V4l2Camera camera = ready(camera("warmupFrames", 1));
        long streamonsBefore = FakeCamera.get("streamons");
        List<CompletableFuture<Frame>> requests = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            requests.add(camera.captureStill().toCompletableFuture());
        }
        Set<Long> distinct = new java.util.HashSet<>();
        for (CompletableFuture<Frame> request : requests) {
            Frame still = request.get(scaled(10), TimeUnit.SECONDS);
            assertThat(still.size()).isEqualTo(LARGEST);
            distinct.add(still.sequence());
        }
        // Requests made before the first still frame share it; one made later (a descheduled test thread) gets the
        // next frame of the same switch. Either way: one switch to the still size for all six.
        assertThat(distinct).as("frames shared by six requests").hasSizeLessThanOrEqualTo(2);
        assertThat(FakeCamera.get("streamons") - streamonsBefore).as("switches to the still size").isEqualTo(1);
        assertThat(camera.statistics().stills()).isEqualTo(distinct.size());
    }

    @Test
    void insertsHuffmanTablesWhenTheCameraLeavesThemOut() throws Exception {
        FakeCamera.set("strip_huffman", 1);
        V4l2Camera camera = ready(camera());
        try (LiveStream stream = camera.openStream()) {
            for (Frame frame : frames(stream, 5)) {
                assertThat(isWholeJpegWithTables(bytes(frame))).isTrue();
                assertThat(decodedSize(frame)).isEqualTo(STREAM);
            }
        }
        Frame still = camera.captureStill().toCompletableFuture().get(scaled(10), TimeUnit.SECONDS);
        assertThat(isWholeJpegWithTables(bytes(still))).isTrue();
        assertThat(decodedSize(still)).isEqualTo(LARGEST);
    }

    @Test
    void brokenFramesNeverReachAConsumer() throws Exception {
        FakeCamera.set("broken_every", 2);
        FakeCamera.set("broken_kind", "mixed");
        V4l2Camera camera = ready(camera());
        try (LiveStream stream = camera.openStream()) {
            for (Frame frame : frames(stream, 16)) {
                assertThat(isWholeJpegWithTables(bytes(frame))).as(note(frame)).isTrue();
                assertThat(decodedSize(frame)).isEqualTo(STREAM);
            }
        }
        assertThat(camera.statistics().broken()).as("truncated, garbage, error-flagged and tiny frames")
                .isGreaterThanOrEqualTo(12);
    }

    @Test
    void comesBackByItselfAfterUnplugAndReplug() throws Exception {
        V4l2Camera camera = ready(camera());
        try (LiveStream stream = camera.openStream()) {
            frames(stream, 3);
            FakeCamera.set("replug_after_ms", 700);
            FakeCamera.set("unplug_after", 2);
            await("disconnected", 5, () -> camera.state() == CameraState.DISCONNECTED);
            assertThat(camera.controls()).isEmpty();
            assertThatThrownBy(() -> camera.captureStill().toCompletableFuture().get(scaled(5), TimeUnit.SECONDS))
                    .hasCauseInstanceOf(CameraUnavailableException.class);
            await("streaming again after replug", 10, () -> camera.state() == CameraState.STREAMING);
            List<Frame> after = frames(stream, 5);
            assertThat(after).allSatisfy(f -> assertThat(f.size()).isEqualTo(STREAM));
        }
        assertThat(camera.captureStill().toCompletableFuture().get(scaled(10), TimeUnit.SECONDS).size()).isEqualTo(LARGEST);
    }

    @Test
    void reopensTheDeviceWhenTheDriverRefusesANewSizeUntilThen() throws Exception {
        FakeCamera.set("ebusy_until_reopen", 1);
        V4l2Camera camera = ready(camera());
        try (LiveStream stream = camera.openStream()) {
            frames(stream, 3);
            long opens = FakeCamera.get("opens");
            Frame still = camera.captureStill().toCompletableFuture().get(scaled(10), TimeUnit.SECONDS);
            assertThat(still.size()).isEqualTo(LARGEST);
            assertThat(frames(stream, 3)).allSatisfy(f -> assertThat(f.size()).isEqualTo(STREAM));
            assertThat(FakeCamera.get("ebusy")).isPositive();
            assertThat(FakeCamera.get("opens") - opens).as("reopened for the switch and back").isEqualTo(2);
        }
        assertThat(FakeCamera.get("open_fds")).isEqualTo(1);
    }

    @Test
    @Tag(TIMING)
    void aStalledCameraDeliversNothingForAWhileThenResumesWithoutReconnecting() throws Exception {
        V4l2Camera camera = ready(camera());
        try (LiveStream stream = camera.openStream()) {
            frames(stream, 2);
            long opens = FakeCamera.get("opens");
            FakeCamera.set("stall_ms", 1500);
            FakeCamera.set("stall_after", 1);
            boolean sawGap = false;
            for (int i = 0; i < 40 && !sawGap; i++) {
                sawGap = stream.next(700, TimeUnit.MILLISECONDS) == null;
            }
            assertThat(sawGap).as("no frame for 700 ms during the stall").isTrue();
            frames(stream, 3);
            assertThat(FakeCamera.get("opens")).isEqualTo(opens);
            assertThat(camera.state()).isEqualTo(CameraState.STREAMING);
        }
    }

    @Test
    @Tag(TIMING)
    void aSlowCameraStreamsAtItsOwnPace() throws Exception {
        FakeCamera.set("slow_fps", 5);
        V4l2Camera camera = ready(camera("fps", 30));
        try (LiveStream stream = camera.openStream()) {
            List<Frame> frames = frames(stream, 8);
            double seconds = (frames.get(7).captureTimeMicros() - frames.get(2).captureTimeMicros()) / 1e6;
            assertThat(5 / seconds).as("frames per second").isBetween(3.0, 7.0);
            assertThat(camera.state()).isEqualTo(CameraState.STREAMING);
            assertThat(camera.statistics().broken()).isZero();
        }
    }

    @Test
    void aCameraWithoutMjpegGetsAClearErrorNamingItsFormats() throws Exception {
        FakeCamera.set("formats", "yuyv");
        V4l2Camera camera = camera();
        await("disconnected", 5, () -> camera.state() == CameraState.DISCONNECTED);
        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> camera.captureStill().toCompletableFuture().get(scaled(5), TimeUnit.SECONDS));
        assertThat(failure.getCause()).isInstanceOf(CameraUnavailableException.class)
                .hasMessageContaining("offers no MJPEG").hasMessageContaining("YUYV (YUYV 4:2:2)");
    }

    @Test
    void aMissingDeviceIsDisconnectedAndStillsFailAtOnce() throws Exception {
        V4l2Camera camera = camera("device", "/dev/no-such-camera");
        await("disconnected", 5, () -> camera.state() == CameraState.DISCONNECTED);
        assertThat(camera.captureStill().toCompletableFuture()).failsWithin(scaled(1), TimeUnit.SECONDS);
    }

    @Test
    void listsAndSetsControlsWithValidation() throws Exception {
        V4l2Camera camera = ready(camera());
        Map<String, CameraControl> byName = camera.controls().stream()
                .collect(Collectors.toMap(CameraControl::name, c -> c));
        assertThat(byName).containsKeys("Brightness", "Contrast", "Auto Exposure", "Power Line Frequency");
        CameraControl brightness = byName.get("Brightness");
        assertThat(brightness.minimum()).isEqualTo(-64);
        assertThat(brightness.maximum()).isEqualTo(64);
        assertThat(byName.get("Auto Exposure").menu()).containsOnlyKeys(1, 3);
        assertThat(byName.get("Power Line Frequency").menu()).containsEntry(1, "50 Hz");

        assertThat(camera.setControl(brightness.id(), 10).value()).isEqualTo(10);
        assertThat(camera.controls()).filteredOn(c -> c.id() == brightness.id()).extracting(CameraControl::value)
                .containsExactly(10);
        assertThatIllegalArgumentException().isThrownBy(() -> camera.setControl(brightness.id(), 65))
                .withMessageContaining("Brightness").withMessageContaining("-64..64");
        assertThatIllegalArgumentException().isThrownBy(() -> camera.setControl(byName.get("Auto Exposure").id(), 2))
                .withMessageContaining("not one of [1, 3]");
        assertThatIllegalArgumentException().isThrownBy(() -> camera.setControl(12345, 1))
                .withMessageContaining("no control 12345");
    }

    @Test
    void listsClassHeadingsLikeTheDriverAndRefusesToSetThem() throws Exception {
        FakeCamera.set("model", "picam");
        V4l2Camera camera = ready(camera());
        assertThat(camera.controls()).extracting(CameraControl::name).containsExactly("User Controls", "Brightness",
                "Horizontal Flip", "Vertical Flip", "Power Line Frequency", "Camera Controls", "Auto Exposure", "JPEG Compression Controls",
                "Compression Quality");
        CameraControl heading = camera.controls().get(0);
        assertThat(heading.type()).isEqualTo(ControlType.CTRL_CLASS);
        assertThat(heading.value()).isZero();
        assertThatIllegalArgumentException().isThrownBy(() -> camera.setControl(heading.id(), 0))
                .withMessageContaining("User Controls is a heading");
        assertThat(camera.setControl(0x009d0903, 80).value()).isEqualTo(80);
    }

    @Test
    void aManualSettingIsRefusedWhileItsAutomaticModeIsOnAndTakenOnceItIsOff() throws Exception {
        FakeCamera.set("model", "c920");
        V4l2Camera camera = ready(camera());
        int focus = 0x009a090a;
        int autoFocus = 0x009a090c;
        assertThat(flags(camera, focus) & CameraControl.FLAG_INACTIVE).isNotZero();
        assertThatIllegalArgumentException().isThrownBy(() -> camera.setControl(focus, 50))
                .withMessageContaining("Focus (absolute): the camera refused 50: EACCES");
        camera.setControl(autoFocus, 0);
        assertThat(flags(camera, focus) & CameraControl.FLAG_INACTIVE).isZero();
        assertThat(camera.setControl(focus, 50).value()).isEqualTo(50);
    }

    private static int flags(V4l2Camera camera, int id) {
        return camera.controls().stream().filter(c -> c.id() == id).findFirst().orElseThrow().flags();
    }

    @Test
    void deactivateLeavesNoThreadAndNoDescriptorBehind() throws Exception {
        V4l2Camera camera = ready(camera());
        try (LiveStream stream = camera.openStream()) {
            frames(stream, 3);
            assertThat(FakeCamera.get("open_fds")).isEqualTo(1);
            camera.deactivate();
            cameras.remove(camera);
            assertThatThrownBy(() -> stream.next(scaled(1), TimeUnit.SECONDS)).isInstanceOf(CameraUnavailableException.class);
        }
        assertThat(camera.stopped()).isTrue();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("dualstream-v4l2-fake"));
        assertThat(FakeCamera.get("open_fds")).isZero();
        assertThat(FakeCamera.get("mapped")).isZero();
        assertThat(FakeCamera.get("streaming")).isZero();
    }

    /** The fake's picture is dark at its top left and bright at its bottom right, so a turned one shows it. */
    private static int topLeftRed(Frame frame) throws Exception {
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(bytes(frame)));
        return image.getRGB(8, 8) >> 16 & 0xFF;
    }

    private static boolean startsWithSegment(Frame frame, byte[] segment) {
        byte[] jpeg = bytes(frame);
        return jpeg[0] == (byte) 0xFF && jpeg[1] == (byte) 0xD8
                && java.util.Arrays.equals(jpeg, 2, 2 + segment.length, segment, 0, segment.length);
    }

    @Test
    void aQuarterTurnIsAnExifOrientationInEveryFrameAndStillAndThePictureIsLeftAsTaken() throws Exception {
        V4l2Camera camera = ready(camera("rotation", 90, "flipHorizontal", true));
        byte[] segment = ExifOrientation.segment(7);
        assertThat(camera.orientation()).isEqualTo(new Orientation.Applied(new Orientation(90, true, false), false,
                false, 7));
        try (LiveStream stream = camera.openStream()) {
            for (Frame frame : frames(stream, 5)) {
                assertThat(startsWithSegment(frame, segment)).as(frame.toString()).isTrue();
                assertThat(decodedSize(frame)).isEqualTo(STREAM);
                assertThat(topLeftRed(frame)).as("not mirrored by the camera").isLessThan(100);
            }
        }
        Frame still = camera.captureStill().toCompletableFuture().get(scaled(10), TimeUnit.SECONDS);
        assertThat(startsWithSegment(still, segment)).isTrue();
        assertThat(decodedSize(still)).isEqualTo(LARGEST);
        assertThat(camera.settings()).containsEntry("rotation", 90).containsEntry("flipHorizontal", true);
    }

    @Test
    void aHalfTurnIsMadeByTheCamerasOwnFlipsWhereItHasThem() throws Exception {
        FakeCamera.set("model", "picam");
        V4l2Camera camera = ready(camera("rotation", 180));
        assertThat(camera.orientation()).isEqualTo(new Orientation.Applied(new Orientation(180, false, false), true,
                true, 1));
        assertThat(camera.controls()).filteredOn(c -> c.name().endsWith("Flip")).extracting(CameraControl::value)
                .containsExactly(1, 1);
        try (LiveStream stream = camera.openStream()) {
            for (Frame frame : frames(stream, 3)) {
                assertThat(bytes(frame)[3] & 0xFF).as("no EXIF segment").isNotEqualTo(0xE1);
                assertThat(topLeftRed(frame)).as("the sensor's bottom right, read out turned").isGreaterThan(150);
            }
        }
    }

    @Test
    void theFlipsAnOrientationHoldsAreNotTheUsersAndAreGivenBackWhenTheCameraStops() throws Exception {
        FakeCamera.set("model", "picam");
        V4l2Camera turned = ready(camera("rotation", 180));
        assertThat(turned.controls()).filteredOn(c -> c.name().endsWith("Flip"))
                .allMatch(c -> (c.flags() & CameraControl.FLAG_INACTIVE) != 0);
        assertThatIllegalArgumentException().isThrownBy(() -> turned.setControl(Orienting.VFLIP, 0))
                .withMessageContaining("rotation");
        TestSupport.stop(turned);
        cameras.remove(turned);

        V4l2Camera upright = ready(camera());
        assertThat(upright.controls()).filteredOn(c -> c.name().endsWith("Flip")).extracting(CameraControl::value)
                .as("the camera as it was before").containsExactly(0, 0);
    }

    @Test
    void theShapeOfATurnedCameraIsKnownBeforeItIsOpened() throws Exception {
        V4l2Camera camera = unstarted("rotation", 90);
        assertThat(camera.orientation().wanted().shown(STREAM)).isEqualTo(new Resolution(480, 640));
        camera.start();
    }

    @Test
    void anUprightCameraLeavesItsFlipsToTheUser() throws Exception {
        FakeCamera.set("model", "picam");
        V4l2Camera camera = ready(camera());
        assertThat(camera.setControl(Orienting.HFLIP, 1).value()).isEqualTo(1);
        assertThat(camera.orientation()).isEqualTo(Orientation.Applied.NONE);
        try (LiveStream stream = camera.openStream()) {
            Frame frame = frames(stream, 1).get(0);
            assertThat(bytes(frame)[3] & 0xFF).isNotEqualTo(0xE1);
        }
    }

    @Test
    void rejectsBadConfigurationWithTheReason() {
        assertThatIllegalArgumentException().isThrownBy(() -> camera("rotation", 45))
                .withMessageContaining("rotation must be 0, 90, 180 or 270");
        assertThatIllegalArgumentException().isThrownBy(() -> camera("streamSize", "big"))
                .withMessageContaining("streamSize").withMessageContaining("'big'");
        assertThatIllegalArgumentException().isThrownBy(() -> camera("fps", 0)).withMessageContaining("fps");
        assertThatIllegalArgumentException().isThrownBy(() -> camera("buffers", 1)).withMessageContaining("buffers");
        assertThatIllegalArgumentException().isThrownBy(() -> camera("device", " ")).withMessageContaining("device");
    }
}
