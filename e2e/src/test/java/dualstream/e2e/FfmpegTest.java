package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dualstream.test.support.Programs;

/** ffmpeg, a strict real client, decodes the stream and the still without a single warning. */
class FfmpegTest {

    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        Programs.require("ffmpeg");
        gateway = Gateway.start("dualstream.stillSize=1920x1080");
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    record Result(int exit, String output) {
    }

    static Result run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output.strip());
    }

    @Test
    void decodesThirtyFramesOfTheStreamWithoutWarnings() throws Exception {
        for (String path : new String[] {"stream", "?action=stream"}) {
            Result result = run("ffmpeg", "-nostdin", "-v", "warning", "-f", "mpjpeg", "-i",
                    gateway.base.resolve(path).toString(), "-frames:v", "30", "-f", "null", "-");
            assertThat(result.exit()).as(result.output()).isZero();
            assertThat(result.output()).as("ffmpeg warnings for " + path).isEmpty();
        }
        Result probe = run("ffprobe", "-v", "error", "-f", "mpjpeg", "-read_intervals", "%+#3", "-show_entries",
                "stream=codec_name,width,height", "-of", "csv=p=0", gateway.base.resolve("stream").toString());
        assertThat(probe.output()).isEqualTo("mjpeg,640,480");
    }

    @Test
    void decodesTheStillAtFullSizeWithoutWarnings() throws Exception {
        for (String path : new String[] {"snapshot", "?action=snapshot"}) {
            String url = gateway.base.resolve(path).toString();
            Result decode = run("ffmpeg", "-nostdin", "-v", "warning", "-i", url, "-f", "null", "-");
            assertThat(decode.exit()).as(decode.output()).isZero();
            assertThat(decode.output()).as("ffmpeg warnings for " + path).isEmpty();
            Result probe = run("ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", url);
            assertThat(probe.output()).isEqualTo("1920,1080");
        }
    }

}
