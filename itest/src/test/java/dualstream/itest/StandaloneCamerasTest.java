package dualstream.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

import dualstream.camera.api.CameraService;
import dualstream.camera.api.CameraState;
import dualstream.test.support.Await;

/**
 * The standalone runtime's cameras as udev presents them: links in a by-id folder to nodes that come and go. The
 * fake camera treats every file in its nodes folder as a camera, plugged in while the file exists.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class StandaloneCamerasTest {

    static final String CAMERA_A = "usb-Fake_Camera_A1B2-video-index0";
    static final String CAMERA_A_METADATA = "usb-Fake_Camera_A1B2-video-index1";
    static final String CAMERA_B = "usb-Bed_Camera_77-video-index0";
    /** Its link sorts after camera A's: a scan that serves it has passed A's links. */
    static final String CAMERA_C = "usb-Fake_Camera_Z9Y8-video-index0";

    interface FakeNodes extends Library {
        int fakecam_set(String key, String value);

        NativeLong fakecam_get_on(String device, String key);
    }

    @InjectBundleContext
    BundleContext context;

    @InjectService
    ConfigurationAdmin configurationAdmin;

    @InjectService(cardinality = 0)
    ServiceAware<CameraService> cameras;

    @InjectService(timeout = 10_000)
    ServiceAware<HttpServiceRuntime> runtime;

    URI base;
    Path nodes;
    Path byId;
    FakeNodes fake;

    @BeforeEach
    void folders() throws IOException {
        base = Http.ready(runtime, "dualstream-stream", "dualstream-snapshot");
        Path folder = Files.createTempDirectory("dualstream-hotplug");
        nodes = Files.createDirectories(folder.resolve("dev"));
        byId = Files.createDirectories(folder.resolve("v4l/by-id"));
        fake = Native.load(context.getProperty("fakecam.library"), FakeNodes.class);
        assertThat(fake.fakecam_set("nodes", nodes.toString())).isZero();
    }

    @AfterEach
    void removeCameras() throws Exception {
        Cameras.removeAll(configurationAdmin, cameras);
        try (Stream<Path> files = Files.walk(nodes.getParent())) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    private void chooser(String ids) throws IOException {
        Dictionary<String, Object> settings = new Hashtable<>();
        settings.put("cameraDir", byId.toString());
        settings.put("settings.nativeLibrary", context.getProperty("fakecam.library"));
        settings.put("ids", ids);
        configurationAdmin.getConfiguration("dualstream.camera.standalone", "?").update(settings);
    }

    /** What udev does for a camera plugged in: the node, then its by-id link, relative as udev writes it. */
    private Path plug(String node, String link, String settings) throws IOException {
        Path file = Files.writeString(nodes.resolve(node), settings);
        Files.deleteIfExists(byId.resolve(link));
        Files.createSymbolicLink(byId.resolve(link), byId.relativize(file));
        return file;
    }

    private void unplug(Path node, String link) throws IOException {
        Files.delete(byId.resolve(link));
        Files.delete(node);
    }

    private List<String> ids() {
        return cameras.getServices().stream().filter(c -> c != null).map(c -> c.info().id()).sorted().toList();
    }

    private CameraService camera(String id) {
        return Cameras.byId(cameras, id);
    }

    /** Milliseconds from now until the camera, once its service has probed the device, gives a whole JPEG over HTTP. */
    private long firstFrameMillis(String id) throws Exception {
        long start = System.nanoTime();
        Await.until("camera " + id + ", probed", Duration.ofSeconds(15), () -> Cameras.probed(cameras, id));
        HttpResponse<InputStream> response = Http.CLIENT.send(HttpRequest.newBuilder(base.resolve("stream?camera="
                + id)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            assertThat(response.statusCode()).as("stream?camera=" + id).isEqualTo(200);
            MultipartReader reader = new MultipartReader(body,
                    response.headers().firstValue("Content-Type").orElseThrow());
            assertThat(Jpeg.isWhole(reader.next().body())).isTrue();
            return (System.nanoTime() - start) / 1_000_000;
        }
    }

    private String text(String path) throws Exception {
        HttpResponse<byte[]> response = Http.get(base.resolve(path));
        return response.statusCode() + " " + new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void theTestPatternServesUntilACameraIsPluggedInWhichIsThenServedUnderItsByIdName() throws Exception {
        chooser("");
        Await.until("the test pattern", Duration.ofSeconds(10), () -> ids().equals(List.of("testpattern")));

        plug("video3", CAMERA_A, "");
        Path metadata = plug("video4", CAMERA_A_METADATA, "metadata=1\n");
        long millis = firstFrameMillis("Fake_Camera_A1B2");
        System.out.printf("camera plugged in after start: first frame on /stream after %d ms%n", millis);
        Await.until("the test pattern gone", Duration.ofSeconds(10), () -> ids().equals(List.of("Fake_Camera_A1B2")));
        assertThat(camera("Fake_Camera_A1B2").info().device()).isEqualTo(byId.resolve(CAMERA_A).toString());
        assertThat(configurationAdmin.listConfigurations("(service.factoryPid=dualstream.camera.v4l2)"))
                .as("one camera: its metadata node is not one").hasSize(1);
        // Another camera makes the chooser look again; its being served says the look has passed the metadata node.
        plug("video5", CAMERA_C, "");
        Await.until("the second camera", Duration.ofSeconds(10), () -> camera("Fake_Camera_Z9Y8") != null);
        assertThat(fake.fakecam_get_on(metadata.toRealPath().toString(), "opens").longValue())
                .as("the metadata node, looked at once, is not opened again at every scan").isEqualTo(1);
    }

    @Test
    void anUnpluggedCameraIsReportedAndReturnsUnderItsIdFromAnotherNode() throws Exception {
        Path node = plug("video3", CAMERA_A, "");
        chooser("");
        firstFrameMillis("Fake_Camera_A1B2");

        HttpResponse<InputStream> viewer = Http.CLIENT.send(HttpRequest.newBuilder(base.resolve(
                "stream?camera=Fake_Camera_A1B2")).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = viewer.body()) {
            MultipartReader reader = new MultipartReader(body, viewer.headers().firstValue("Content-Type").orElseThrow());
            reader.next();
            unplug(node, CAMERA_A);
            Await.until("disconnected", Duration.ofSeconds(10),
                    () -> camera("Fake_Camera_A1B2") != null && camera("Fake_Camera_A1B2").state() == CameraState.DISCONNECTED);
            assertThat(camera("Fake_Camera_A1B2").problem()).hasValueSatisfying(why -> assertThat(why).contains(CAMERA_A));
            assertThat(text("stream?camera=Fake_Camera_A1B2")).as("a new viewer is told why")
                    .startsWith("503").contains("disconnected");
            assertThat(ids()).as("no test pattern while a known camera is away").containsExactly("Fake_Camera_A1B2");

            // Back in another port: another node, the same by-id name.
            String again = plug("video7", CAMERA_A, "").toRealPath().toString();
            Await.until("streaming from video7", Duration.ofSeconds(10),
                    () -> fake.fakecam_get_on(again, "streaming").longValue() == 1);
            assertThat(Jpeg.isWhole(reader.next().body())).as("the viewer from before the unplug gets frames again")
                    .isTrue();
        }
        assertThat(configurationAdmin.listConfigurations("(service.factoryPid=dualstream.camera.v4l2)"))
                .as("still one camera configuration").hasSize(1);
        assertThat(ids()).containsExactly("Fake_Camera_A1B2");
    }

    @Test
    void twoCamerasAtOnceEachUnderItsIdAndInAStableOrder() throws Exception {
        chooser(CAMERA_B + "=bed");
        // A first: the numbered order must not be the order they came in.
        Path a = plug("video2", CAMERA_A, "sizes=320x240,1280x720\n");
        Await.until("the first camera", Duration.ofSeconds(10), () -> Cameras.probed(cameras, "Fake_Camera_A1B2"));
        Path b = plug("video0", CAMERA_B, "sizes=640x480,1920x1080\n");
        Await.until("both cameras, probed", Duration.ofSeconds(10), () -> ids().equals(List.of("Fake_Camera_A1B2", "bed"))
                && Cameras.probed(cameras, "Fake_Camera_A1B2") && Cameras.probed(cameras, "bed"));
        assertThat(camera("bed").stillSize()).hasToString("1920x1080");
        assertThat(camera("Fake_Camera_A1B2").stillSize()).hasToString("1280x720");

        // mjpg-streamer's numbered actions: in id order (shorter first, as numbers); the stream sizes tell the cameras
        // apart.
        HttpResponse<InputStream> first = Http.CLIENT.send(HttpRequest.newBuilder(base.resolve("?action=stream_0"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<InputStream> second = Http.CLIENT.send(HttpRequest.newBuilder(base.resolve("?action=stream_1"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream one = first.body(); InputStream two = second.body()) {
            byte[] fromB = new MultipartReader(one, first.headers().firstValue("Content-Type").orElseThrow()).next().body();
            byte[] fromA = new MultipartReader(two, second.headers().firstValue("Content-Type").orElseThrow()).next().body();
            assertThat(Jpeg.decodedSize(fromB)).as("stream_0: bed").hasToString("640x480");
            assertThat(Jpeg.decodedSize(fromA)).as("stream_1: Fake_Camera_A1B2").hasToString("320x240");
            assertThat(fake.fakecam_get_on(a.toRealPath().toString(), "streaming").longValue()).isEqualTo(1);
            assertThat(fake.fakecam_get_on(b.toRealPath().toString(), "streaming").longValue()).isEqualTo(1);
        }
        String page = text("");
        assertThat(page).as("the page shows every camera").startsWith("200")
                .contains("<img src=\"stream?camera=bed\"").contains("<img src=\"stream?camera=Fake_Camera_A1B2\"");
    }
}
