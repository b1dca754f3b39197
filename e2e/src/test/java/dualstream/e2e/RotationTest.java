package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dualstream.test.support.StreamParts;

/**
 * The picture the right way up without re-encoding, as real clients see it: ffmpeg reads the EXIF orientation of
 * every still and renders a timelapse of them turned; a camera with its own flips gets no EXIF at all.
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
        Gateway.require("ffmpeg");
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
