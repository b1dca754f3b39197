package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;

import dualstream.test.browser.Browser;
import dualstream.test.support.Programs;
import dualstream.test.support.StreamParts;

/**
 * The picture the right way up without re-encoding, as real clients see it: ffmpeg reads the EXIF orientation of
 * every still and renders a timelapse of them turned, Chromium shows the live view turned; a camera with its own
 * flips gets no EXIF at all.
 */
class RotationTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    /** The EXIF orientation of a JPEG if its first segment is an Exif APP1 with one, else 1. */
    static int exifOrientation(byte[] jpeg) {
        if ((jpeg[2] & 0xFF) != 0xFF || (jpeg[3] & 0xFF) != 0xE1
                || !new String(jpeg, 6, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("Exif")) {
            return 1;
        }
        // Big-endian TIFF (as written), IFD0's first entry: tag 0x0112, SHORT, count 1, then the value.
        int entry = 12 + 8 + 2;
        assertThat(jpeg[entry] << 8 | jpeg[entry + 1] & 0xFF).as("the Orientation tag").isEqualTo(0x0112);
        return (jpeg[entry + 8] & 0xFF) << 8 | jpeg[entry + 9] & 0xFF;
    }

    static byte[] get(URI uri) throws Exception {
        HttpResponse<byte[]> answer = HTTP.send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(answer.statusCode()).as(uri.toString()).isEqualTo(200);
        return answer.body();
    }

    static int[] streamOrientations(Gateway gateway, int parts) throws Exception {
        HttpResponse<InputStream> answer = HTTP.send(HttpRequest.newBuilder(gateway.base.resolve("stream")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = answer.body()) {
            StreamParts stream = new StreamParts(body);
            int[] found = new int[parts];
            for (int i = 0; i < parts; i++) {
                found[i] = exifOrientation(stream.next());
            }
            return found;
        }
    }

    @Test
    void aQuarterTurnIsInEveryStreamPartAndStillAndFfmpegRendersTheTimelapseTurned() throws Exception {
        Programs.require("ffmpeg");
        try (Gateway gateway = Gateway.start("dualstream.rotation=90", "dualstream.stillSize=1920x1080")) {
            assertThat(streamOrientations(gateway, 30)).containsOnly(6);
            Path dir = Files.createDirectories(Gateway.OUTPUT.resolve("timelapse-" + gateway.pid()));
            for (int i = 1; i <= 2; i++) {
                byte[] still = get(gateway.base.resolve("?action=snapshot"));
                assertThat(exifOrientation(still)).isEqualTo(6);
                Files.write(dir.resolve("still" + i + ".jpg"), still);
            }
            FfmpegTest.Result probe = FfmpegTest.run("ffprobe", "-v", "error", "-show_entries",
                    "frame_side_data=rotation", "-of", "csv=p=0", dir.resolve("still1.jpg").toString());
            assertThat(probe.output()).as("ffmpeg reads the still as turned clockwise").isEqualTo("-90");

            // Octolapse's and moonraker-timelapse's way: ffmpeg over the numbered stills.
            FfmpegTest.Result render = FfmpegTest.run("ffmpeg", "-nostdin", "-v", "error", "-y", "-framerate", "1",
                    "-i", dir.resolve("still%d.jpg").toString(), "-c:v", "mjpeg", "-q:v", "5",
                    dir.resolve("timelapse.avi").toString());
            assertThat(render.exit()).as(render.output()).isZero();
            FfmpegTest.Result size = FfmpegTest.run("ffprobe", "-v", "error", "-count_frames", "-show_entries",
                    "stream=width,height,nb_read_frames", "-of", "csv=p=0", dir.resolve("timelapse.avi").toString());
            assertThat(size.output()).as("two frames, upright").isEqualTo("1080,1920,2");

            String state = new String(get(gateway.base.resolve("state")));
            assertThat(state).contains("\"orientation\":{\"rotation\":90,\"flipHorizontal\":false,"
                    + "\"flipVertical\":false,\"byCamera\":\"none\",\"exif\":6}");
        }
    }

    /**
     * The colour of each corner of the live view as Chromium draws it on screen (top left, top right, bottom left,
     * bottom right): the fake camera's picture is dark at its top left, red to the right and green downwards. Null
     * while its moving white bar covers a corner.
     */
    static List<String> corners(Browser browser) throws IOException {
        WebElement live = browser.driver.findElement(By.id("live"));
        BufferedImage shot = ImageIO.read(new ByteArrayInputStream(live.getScreenshotAs(OutputType.BYTES)));
        int w = shot.getWidth();
        int h = shot.getHeight();
        List<String> colours = new ArrayList<>();
        for (int[] corner : new int[][] {{0, 0}, {1, 0}, {0, 1}, {1, 1}}) {
            long r = 0;
            long g = 0;
            long b = 0;
            int n = 0;
            for (int y = h / 20; y < h / 20 + 8; y++) {
                for (int x = w / 20; x < w / 20 + 8; x++) {
                    int rgb = shot.getRGB(corner[0] == 0 ? x : w - 1 - x, corner[1] == 0 ? y : h - 1 - y);
                    r += rgb >> 16 & 0xFF;
                    g += rgb >> 8 & 0xFF;
                    b += rgb & 0xFF;
                    n++;
                }
            }
            if (b / n > 200) {
                return null;
            }
            colours.add(r / n > 120 ? g / n > 120 ? "yellow" : "red" : g / n > 120 ? "green" : "dark");
        }
        return colours;
    }

    static List<String> liveCorners(Browser browser, Gateway gateway, int width, int height) {
        browser.driver.get(gateway.base.toString());
        browser.wait.until(b -> browser.naturalWidth("live") == width && ((Number) browser.script(
                "return document.getElementById('live').naturalHeight;")).intValue() == height);
        return browser.wait.until(b -> {
            try {
                return corners(browser);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void chromiumShowsTheLiveViewTurnedByTheFramesOwnOrientation() throws Exception {
        try (Gateway upright = Gateway.start(); Gateway turned = Gateway.start("dualstream.rotation=90");
                Browser browser = new Browser()) {
            List<String> asTaken = liveCorners(browser, upright, 640, 480);
            assertThat(asTaken).containsExactly("dark", "red", "green", "yellow");
            browser.screenshot(Gateway.OUTPUT.resolve("live-upright.png"));
            List<String> shown = liveCorners(browser, turned, 480, 640);
            browser.screenshot(Gateway.OUTPUT.resolve("live-turned-90.png"));
            // A clockwise quarter turn: the bottom left comes to the top left, the top left to the top right.
            assertThat(shown).containsExactly(asTaken.get(2), asTaken.get(0), asTaken.get(3), asTaken.get(1));
            assertThat(browser.errors()).isEmpty();
        }
    }

    @Test
    void aHalfTurnGoesToACamerasOwnFlipsAndNoFrameCarriesExif() throws Exception {
        try (Gateway gateway = Gateway.launch(Map.of("FAKECAM_MODEL", "picam"), "dualstream.rotation=180")) {
            gateway.awaitState("\"byCamera\":\"hflip+vflip\"");
            assertThat(streamOrientations(gateway, 10)).containsOnly(1);
            byte[] still = get(gateway.base.resolve("snapshot"));
            assertThat(exifOrientation(still)).isEqualTo(1);
            assertThat(Arrays.copyOfRange(still, 0, 2)).containsExactly(0xFF, 0xD8);
            String controls = new String(get(gateway.base.resolve("input_0.json")));
            assertThat(controls).containsPattern("\"name\":\\s*\"Horizontal Flip\"[^}]*\"value\":\\s*\"1\"")
                    .containsPattern("\"name\":\\s*\"Vertical Flip\"[^}]*\"value\":\\s*\"1\"");
        }
    }
}
