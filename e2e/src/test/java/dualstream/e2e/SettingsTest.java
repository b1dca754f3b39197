package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Every camera setting the README lists, given as {@code -Ddualstream.X} to the standalone jar, is the one in effect. */
class SettingsTest {

    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static HttpResponse<String> get(Gateway gateway, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(gateway.base.resolve(path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void eachSettingGivenOnTheCommandLineIsInEffect() throws Exception {
        try (Gateway gateway = Gateway.start("dualstream.fps=25", "dualstream.warmupFrames=3",
                "dualstream.buffers=6", "dualstream.reconnectMillis=700", "dualstream.stillTimeoutMillis=4000",
                "dualstream.streamFloorFps=12", "dualstream.settleLimitMillis=1500",
                "dualstream.measureSettling=false", "dualstream.rotation=180", "dualstream.flipHorizontal=true",
                "dualstream.flipVertical=true")) {
            String state = get(gateway, "state").body();
            assertThat(state).contains("\"targetFps\":25").contains("\"settings\":{\"fps\":25,\"warmupFrames\":3,"
                    + "\"buffers\":6,\"reconnectMillis\":700,\"stillTimeoutMillis\":4000,\"streamFloorFps\":12,"
                    + "\"settleLimitMillis\":1500,\"measureSettling\":false,\"rotation\":180,\"flipHorizontal\":true,"
                    + "\"flipVertical\":true}");
        }
    }

    @Test
    void settingsLeftOutAreTheCamerasDefaults() throws Exception {
        try (Gateway gateway = Gateway.start()) {
            assertThat(get(gateway, "state").body()).contains("\"settings\":{\"fps\":30,\"warmupFrames\":1,"
                    + "\"buffers\":4,\"reconnectMillis\":1000,\"stillTimeoutMillis\":5000,\"streamFloorFps\":20,"
                    + "\"settleLimitMillis\":2000,\"measureSettling\":true,\"rotation\":0,\"flipHorizontal\":false,"
                    + "\"flipVertical\":false}");
        }
    }

    /** The snapshot servlet's own limit, seen in its behaviour: a still slower than it is answered 503 in time. */
    @Test
    void snapshotTimeoutBoundsTheWaitForASlowStill() throws Exception {
        try (Gateway gateway = Gateway.launch(Map.of("FAKECAM_FIRST_FRAME_MS", "3000"),
                "dualstream.snapshotTimeoutMillis=500")) {
            gateway.awaitState("\"driver\":\"uvcvideo\"");
            HttpResponse<String> still = get(gateway, "snapshot");
            assertThat(still.statusCode()).isEqualTo(503);
            assertThat(still.body()).contains("within 500 ms");
        }
    }

    /**
     * Values the camera would refuse are refused by name, each in one line without a stack trace, and the camera runs
     * on its defaults for them.
     */
    @Test
    void badValuesAreRefusedByNameAndTheCameraRunsOnItsDefaults() throws Exception {
        try (Gateway gateway = Gateway.start("dualstream.buffers=many", "dualstream.streamFloorFps=0",
                "dualstream.stillTimeoutMillis=99", "dualstream.reconnectMillis=1e3", "dualstream.rotation=45")) {
            assertThat(get(gateway, "state").body()).contains("\"buffers\":4,\"reconnectMillis\":1000,"
                    + "\"stillTimeoutMillis\":5000,\"streamFloorFps\":20,");
            assertThat(get(gateway, "snapshot").statusCode()).isEqualTo(200);
            String log = Files.readString(gateway.log);
            for (String refused : new String[] {"buffers=many", "streamFloorFps=0", "stillTimeoutMillis=99",
                "reconnectMillis=1e3", "rotation=45"}) {
                assertThat(log).containsOnlyOnce("camera setting " + refused + " refused: ");
            }
            assertThat(log).doesNotContain("\tat ");
        }
    }
}
