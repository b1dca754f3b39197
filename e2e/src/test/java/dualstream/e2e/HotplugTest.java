package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The standalone jar on a Pi whose camera is powered with the printer: started with none, then plugged in, out, and
 * into another port. The fake camera treats every file in FAKECAM_NODES as a camera, plugged while the file exists;
 * the links are what udev keeps in /dev/v4l/by-id.
 */
class HotplugTest {

    static final String LINK = "usb-046d_HD_Pro_Webcam_C920_8A1B2C3D-video-index0";
    static final String ID = "046d_HD_Pro_Webcam_C920_8A1B2C3D";

    private final HttpClient client = HttpClient.newHttpClient();

    private HttpResponse<String> get(Gateway gateway, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(gateway.base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitLog(Gateway gateway, String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.readString(gateway.log).contains(text)) {
            assertThat(System.nanoTime()).as("log line with '" + text + "' within 20 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static void link(Path byId, Path node) throws IOException {
        Files.deleteIfExists(byId.resolve(LINK));
        Files.createSymbolicLink(byId.resolve(LINK), byId.relativize(node));
    }

    @Test
    void aCameraPluggedInAfterStartIsServedAndFollowedThroughAReplug() throws Exception {
        Path folder = Files.createDirectories(Gateway.OUTPUT.resolve("hotplug-" + System.nanoTime()));
        Path nodes = Files.createDirectories(folder.resolve("dev"));
        Path byId = Files.createDirectories(folder.resolve("v4l/by-id"));
        try (Gateway gateway = Gateway.launch(Map.of("FAKECAM_NODES", nodes.toAbsolutePath().toString()),
                "dualstream.device=", "dualstream.cameraDir=" + byId.toAbsolutePath())) {
            gateway.awaitState("\"testPattern\":true");
            awaitLog(gateway, "serving the built-in test pattern");

            long plugged = System.nanoTime();
            Path video3 = Files.writeString(nodes.resolve("video3"), "model=c920\n");
            link(byId, video3);
            gateway.awaitState("\"driver\":\"uvcvideo\""); // the V4L2 camera, probed (the test pattern is "dualstream")
            System.out.printf("camera plugged in after start: on /state after %d ms%n",
                    (System.nanoTime() - plugged) / 1_000_000);
            awaitLog(gateway, "the test pattern stops");
            HttpResponse<String> state = get(gateway, "state");
            assertThat(state.body()).contains("\"driver\":\"uvcvideo\"").contains("\"cameras\":[\"" + ID + "\"]");

            Files.delete(byId.resolve(LINK));
            Files.delete(video3);
            awaitLog(gateway, "Camera " + ID + " unplugged");
            gateway.awaitState("\"state\":\"disconnected\"");
            assertThat(get(gateway, "stream?camera=" + ID).statusCode()).isEqualTo(503);

            Path video5 = Files.writeString(nodes.resolve("video5"), "model=c920\n");
            link(byId, video5);
            awaitLog(gateway, "Camera " + ID + " is back");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (get(gateway, "snapshot?camera=" + ID).statusCode() != 200) {
                assertThat(System.nanoTime()).as("a still from the camera back in another port").isLessThan(deadline);
                Thread.sleep(100);
            }

            List<String> excerpt = Files.readAllLines(gateway.log).stream()
                    .filter(line -> line.contains("CameraChooser") || line.contains("V4l2Camera")).toList();
            System.out.println("log excerpt:");
            excerpt.forEach(line -> System.out.println("  " + line));
        }
    }
}
