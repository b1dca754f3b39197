package dualstream.camera.testpattern.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

import dualstream.camera.api.CameraKind;
import dualstream.camera.api.CameraState;
import dualstream.camera.api.CameraUnavailableException;
import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;
import dualstream.camera.api.Resolution;
import dualstream.camera.api.Orientation;
import dualstream.camera.support.ExifOrientation;
import dualstream.camera.support.StillRequests;

class TestPatternCameraTest {

    private TestPatternCamera camera;

    @AfterEach
    void stop() throws Exception {
        if (camera != null) {
            camera.deactivate();
        }
    }

    static TestPatternCamera.Config config(String id, String stream, String still, int fps) {
        return config(id, stream, still, fps, 0, false);
    }

    static TestPatternCamera.Config config(String id, String stream, String still, int fps, int rotation,
            boolean flipVertical) {
        return new TestPatternCamera.Config() {
            @Override public Class<? extends Annotation> annotationType() { return TestPatternCamera.Config.class; }
            @Override public String camera_id() { return id; }
            @Override public String streamSize() { return stream; }
            @Override public String stillSize() { return still; }
            @Override public int fps() { return fps; }
            @Override public int rotation() { return rotation; }
            @Override public boolean flipHorizontal() { return false; }
            @Override public boolean flipVertical() { return flipVertical; }
        };
    }

    static Logger silentLogger() {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> method.getReturnType() == boolean.class ? false : null);
    }

    private static BufferedImage decode(Frame frame) throws Exception {
        byte[] bytes = new byte[frame.length()];
        frame.data().get(bytes);
        return ImageIO.read(new ByteArrayInputStream(bytes));
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void streamsDecodableFramesWithIncreasingSequenceAtTheStreamSize() throws Exception {
        camera = new TestPatternCamera(config("cam", "320x240", "800x600", 50), silentLogger());
        assertThat(camera.state()).isEqualTo(CameraState.IDLE);
        try (LiveStream stream = camera.openStream()) {
            long last = -1;
            for (int i = 0; i < 5; i++) {
                Frame frame = stream.next(10, TimeUnit.SECONDS);
                assertThat(frame).isNotNull();
                assertThat(frame.sequence()).isGreaterThan(last);
                last = frame.sequence();
                BufferedImage image = decode(frame);
                assertThat(image.getWidth()).isEqualTo(320);
                assertThat(image.getHeight()).isEqualTo(240);
            }
            assertThat(camera.state()).isEqualTo(CameraState.STREAMING);
            assertThat(camera.statistics().clients()).isEqualTo(1);
        }
        await(() -> camera.state() == CameraState.IDLE);
        long frames = camera.statistics().frames();
        assertThat(frames).isGreaterThanOrEqualTo(5);
    }

    @Test
    void consecutiveFramesShowDifferentPictures() throws Exception {
        camera = new TestPatternCamera(config("cam", "160x120", "max", 60), silentLogger());
        try (LiveStream stream = camera.openStream()) {
            Frame a = stream.next(10, TimeUnit.SECONDS);
            Frame b = stream.next(10, TimeUnit.SECONDS);
            assertThat(a.data()).isNotEqualTo(b.data());
        }
    }

    @Test
    void aStillIsFullSizeAndCapturedAfterTheRequest() throws Exception {
        camera = new TestPatternCamera(config("cam", "320x240", "1024x768", 30), silentLogger());
        long requested = StillRequests.Clock.SYSTEM.epochMicros();
        Frame still = camera.captureStill().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(still.captureTimeMicros()).isGreaterThan(requested);
        assertThat(still.size()).isEqualTo(new Resolution(1024, 768));
        assertThat(decode(still).getWidth()).isEqualTo(1024);
        assertThat(camera.statistics().stills()).isEqualTo(1);
        assertThat(camera.statistics().lastStillLatency()).isPresent();
        assertThat(camera.statistics().frames()).as("no stream frames without a stream consumer").isZero();
        await(() -> camera.state() == CameraState.IDLE);
    }

    @Test
    void stopsStreamsAndStillsOnDeactivate() throws Exception {
        camera = new TestPatternCamera(config("cam", "160x120", "max", 30), silentLogger());
        LiveStream stream = camera.openStream();
        assertThat(stream.next(10, TimeUnit.SECONDS)).isNotNull();
        camera.deactivate();
        assertThatThrownBy(() -> stream.next(1, TimeUnit.SECONDS)).isInstanceOf(CameraUnavailableException.class);
        assertThat(camera.captureStill().toCompletableFuture()).isCompletedExceptionally();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("dualstream-testpattern-cam"));
        camera = null;
    }

    @Test
    void saysItIsATestPattern() {
        camera = new TestPatternCamera(config("cam", "160x120", "max", 30), silentLogger());
        assertThat(camera.info().kind()).isEqualTo(CameraKind.TEST_PATTERN);
    }

    @Test
    void aTurnedPatternCarriesItsExifOrientationInEveryFrameAndStill() throws Exception {
        camera = new TestPatternCamera(config("cam", "320x240", "800x600", 50, 270, true), silentLogger());
        byte[] segment = ExifOrientation.segment(7);
        assertThat(camera.orientation()).isEqualTo(new Orientation.Applied(new Orientation(270, false, true), false,
                false, 7));
        try (LiveStream stream = camera.openStream()) {
            for (int i = 0; i < 3; i++) {
                assertThat(startsWith(stream.next(10, TimeUnit.SECONDS), segment)).isTrue();
            }
        }
        Frame still = camera.captureStill().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(startsWith(still, segment)).isTrue();
        assertThat(decode(still).getWidth()).as("the picture itself is as painted").isEqualTo(800);
    }

    private static boolean startsWith(Frame frame, byte[] segment) {
        byte[] bytes = new byte[frame.length()];
        frame.data().get(bytes);
        return java.util.Arrays.equals(bytes, 2, 2 + segment.length, segment, 0, segment.length);
    }

    @Test
    void rejectsBadConfigurationWithTheReason() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new TestPatternCamera(config("cam", "640x480", "max", 30, 100, false),
                        silentLogger()))
                .withMessageContaining("rotation");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new TestPatternCamera(config("cam", "huge", "max", 30), silentLogger()))
                .withMessageContaining("streamSize").withMessageContaining("'huge'");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new TestPatternCamera(config("cam", "640x480", "9000x9000", 30), silentLogger()))
                .withMessageContaining("stillSize");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new TestPatternCamera(config("cam", "640x480", "max", 0), silentLogger()))
                .withMessageContaining("fps");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new TestPatternCamera(config(" ", "640x480", "max", 30), silentLogger()))
                .withMessageContaining("camera.id");
    }
}
