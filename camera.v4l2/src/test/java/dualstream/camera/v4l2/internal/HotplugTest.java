package dualstream.camera.v4l2.internal;

import static dualstream.camera.v4l2.internal.TestSupport.await;
import static dualstream.camera.v4l2.internal.TestSupport.scaled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dualstream.camera.api.CameraState;
import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;
import dualstream.camera.support.ConfiguredCameras;
import dualstream.camera.v4l2.V4l2Probe;

/**
 * Cameras as udev presents them: nodes that come and go, found through the symbolic links of /dev/v4l/by-id. The
 * fake camera treats every file in its nodes folder as a camera, plugged in while the file exists.
 */
class HotplugTest {

    @TempDir
    Path folder;
    private Path nodes;
    private Path byId;
    private final V4l2ProbeService probe = new V4l2ProbeService();
    private final List<V4l2Camera> cameras = new ArrayList<>();

    @BeforeEach
    void nodes() throws IOException {
        FakeCamera.reset();
        nodes = Files.createDirectories(folder.resolve("dev"));
        byId = Files.createDirectories(folder.resolve("v4l/by-id"));
        FakeCamera.set("nodes", nodes);
    }

    @AfterEach
    void stop() throws Exception {
        for (V4l2Camera camera : cameras) {
            TestSupport.stop(camera);
        }
        FakeCamera.reset();
    }

    /** What udev does when a camera is plugged in: the node, then its by-id link, relative as udev writes it. */
    private Path plug(String node, String link, String settings) throws IOException {
        Path file = Files.writeString(nodes.resolve(node), settings);
        Path at = byId.resolve(link);
        Files.deleteIfExists(at);
        Files.createSymbolicLink(at, byId.relativize(file));
        return file;
    }

    private V4l2Camera camera(String device) {
        Map<String, Object> values = new HashMap<>();
        values.put("camera.id", "hotplug");
        values.put("device", device);
        values.put("nativeLibrary", FakeCamera.LIBRARY);
        values.put("reconnectMillis", 100L);
        values.put("stillTimeoutMillis", scaled(5000));
        V4l2Camera camera = new V4l2Camera(ConfiguredCameras.typed(V4l2Camera.Config.class, values), TestSupport.logger());
        cameras.add(camera);
        return camera;
    }

    @Test
    void probeTellsACameraFromNodesItCannotServe() throws Exception {
        plug("video0", "usb-Fake_Camera_A1-video-index0", "");
        plug("video1", "usb-Fake_Camera_A1-video-index1", "metadata=1\n");
        plug("video2", "usb-Old_Camera-video-index0", "formats=yuyv\n");
        plug("video3", "usb-Older_Camera-video-index0", "formats=jpeg,yuyv\n");

        Map<String, String> fake = Map.of("nativeLibrary", FakeCamera.LIBRARY);
        V4l2Probe.Device camera = probe.probe(byId.resolve("usb-Fake_Camera_A1-video-index0").toString(), fake);
        assertThat(camera.driver()).isEqualTo("uvcvideo");
        assertThat(camera.card()).isEqualTo("Fake Camera (dualstream)");
        assertThat(camera.busInfo()).isEqualTo("usb-fakecam-1");
        assertThat(camera.formats()).containsExactly("MJPG", "YUYV");
        assertThat(camera.servedFormat()).contains("MJPG");
        assertThat(camera.unservable()).isEmpty();

        V4l2Probe.Device metadata = probe.probe(byId.resolve("usb-Fake_Camera_A1-video-index1").toString(), fake);
        assertThat(metadata.capture()).isFalse();
        assertThat(metadata.unservable()).hasValueSatisfying(why -> assertThat(why).contains("metadata"));

        V4l2Probe.Device yuyv = probe.probe(byId.resolve("usb-Old_Camera-video-index0").toString(), fake);
        assertThat(yuyv.unservable()).hasValueSatisfying(why -> assertThat(why).contains("offers YUYV, no MJPEG"));

        V4l2Probe.Device jpeg = probe.probe(byId.resolve("usb-Older_Camera-video-index0").toString(), fake);
        assertThat(jpeg.servedFormat()).contains("JPEG");

        assertThatThrownBy(() -> probe.probe(byId.resolve("usb-Gone-video-index0").toString(), fake))
                .isInstanceOf(IOException.class).hasMessageContaining("ENOENT");
        assertThat(FakeCamera.get(nodes.resolve("video0"), "open_fds")).as("the probe closes what it opened")
                .isZero();
    }

    @Test
    void aCameraThatNamesItsFramesJpegStreamsAndTakesStills() throws Exception {
        plug("video4", "usb-Older_Camera-video-index0", "formats=jpeg,yuyv\n");
        V4l2Camera camera = camera(byId.resolve("usb-Older_Camera-video-index0").toString());
        TestSupport.opened(camera);
        assertThat(camera.info().formats()).containsExactly("JPEG", "YUYV");
        try (LiveStream stream = camera.openStream()) {
            Frame frame = stream.next(scaled(5), TimeUnit.SECONDS);
            assertThat(frame).isNotNull();
            assertThat(V4l2CameraTest.isWholeJpegWithTables(V4l2CameraTest.bytes(frame))).isTrue();
            Frame still = camera.captureStill().toCompletableFuture().get(scaled(10), TimeUnit.SECONDS);
            assertThat(V4l2CameraTest.decodedSize(still)).isEqualTo(V4l2CameraTest.LARGEST);
        }
    }

    @Test
    void aCameraUnpluggedAndBackUnderAnotherNodeStreamsAgainThroughItsLink() throws Exception {
        String link = "usb-Fake_Camera_B2-video-index0";
        Path first = plug("video2", link, "");
        V4l2Camera camera = camera(byId.resolve(link).toString());
        try (LiveStream stream = camera.openStream()) {
            assertThat(stream.next(scaled(5), TimeUnit.SECONDS)).isNotNull();
            assertThat(camera.state()).isEqualTo(CameraState.STREAMING);

            // Unplugged: udev removes the link and the kernel the node.
            Files.delete(byId.resolve(link));
            Files.delete(first);
            await("disconnected", 5, () -> camera.state() == CameraState.DISCONNECTED);
            assertThat(camera.problem()).hasValueSatisfying(why -> assertThat(why).contains(link));

            // Plugged into another port: another node, the same link name.
            plug("video5", link, "");
            await("streaming again from video5", 10, () -> camera.state() == CameraState.STREAMING);
            Frame frame = stream.next(scaled(5), TimeUnit.SECONDS);
            assertThat(frame).as("a frame after the replug").isNotNull();
            assertThat(FakeCamera.get(nodes.resolve("video5"), "streaming")).isEqualTo(1);
        }
    }

    @Test
    void anIdleCameraNoticesItsUnplugAndItsReturnThroughItsNodeNotByAskingTheDevice() throws Exception {
        String link = "usb-Fake_Camera_C3-video-index0";
        Path node = plug("video6", link, "");
        V4l2Camera camera = camera(byId.resolve(link).toString());
        TestSupport.opened(camera);
        long opened = FakeCamera.get(node, "ioctls");
        // An observation window, not a wait: asking the device every second, as before, makes at least two calls.
        TimeUnit.MILLISECONDS.sleep(2500);
        assertThat(FakeCamera.get(node, "ioctls")).as("calls on the device while idle").isEqualTo(opened);
        assertThat(camera.state()).isEqualTo(CameraState.IDLE);

        Files.delete(byId.resolve(link));
        Files.delete(node);
        // Well within the 30 s look that backs the events up.
        await("disconnected once its node is gone", 10, () -> camera.state() == CameraState.DISCONNECTED);
        assertThat(FakeCamera.get(node, "ioctls")).as("calls on the device until its loss was noticed")
                .isEqualTo(opened);
        plug("video6", link, "");
        await("connected again once its node is back", 10, () -> camera.state() == CameraState.IDLE);
        try (LiveStream stream = camera.openStream()) {
            assertThat(stream.next(scaled(5), TimeUnit.SECONDS)).as("a frame after the replug").isNotNull();
        }
    }
}
