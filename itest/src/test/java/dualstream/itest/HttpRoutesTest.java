package dualstream.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Hashtable;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.annotation.Property;
import org.osgi.test.common.annotation.config.WithFactoryConfiguration;
import org.osgi.test.common.service.ServiceAware;
import org.osgi.test.junit5.cm.ConfigurationExtension;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

import dualstream.camera.api.CameraService;
import dualstream.test.support.Await;
import jakarta.json.Json;
import jakarta.json.JsonObject;

/** Every route, header and error of the HTTP surface, over real HTTP, on the test-pattern camera. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class, ConfigurationExtension.class})
@WithFactoryConfiguration(factoryPid = "dualstream.camera.testpattern", name = "routes", location = "?", properties = {
        @Property(key = "camera.id", value = "0"),
        @Property(key = "streamSize", value = "320x240"),
        @Property(key = "stillSize", value = "800x600"),
        @Property(key = "fps", value = "20")})
class HttpRoutesTest {

    static final String NO_CACHE = "no-store, no-cache, must-revalidate, max-age=0";

    @InjectBundleContext
    BundleContext context;

    @InjectService
    ConfigurationAdmin configurationAdmin;

    @InjectService(timeout = 10_000)
    ServiceAware<CameraService> cameras;

    @InjectService(timeout = 10_000)
    ServiceAware<HttpServiceRuntime> runtime;

    URI base;

    @BeforeEach
    void servletsAreUp() {
        base = Http.ready(runtime, "dualstream-stream", "dualstream-snapshot", "dualstream-page", "dualstream-state",
                "dualstream-json");
    }

    private HttpResponse<InputStream> open(String path) throws Exception {
        return Http.CLIENT.send(HttpRequest.newBuilder(base.resolve(path)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    private static void assertNoCacheAndServer(HttpResponse<?> response) {
        assertThat(header(response, "Cache-Control")).isEqualTo(NO_CACHE);
        assertThat(header(response, "Pragma")).isEqualTo("no-cache");
        assertThat(header(response, "Expires")).isEqualTo("Mon, 3 Jan 2000 12:34:56 GMT");
        assertThat(header(response, "Server")).startsWith("MJPG-Streamer").contains("dualstream");
    }

    @Test
    void mjpgStreamerStreamRoutesSendMultipartJpegWithTheirHeaders() throws Exception {
        for (String path : new String[] {"?action=stream", "?action=stream_0", "stream", "stream?1700000000000"}) {
            HttpResponse<InputStream> response = open(path);
            try (InputStream body = response.body()) {
                assertThat(response.statusCode()).as(path).isEqualTo(200);
                assertThat(header(response, "Content-Type"))
                        .isEqualTo("multipart/x-mixed-replace;boundary=boundarydonotcross");
                assertThat(header(response, "Connection")).isEqualTo("close");
                assertNoCacheAndServer(response);
                MultipartReader reader = new MultipartReader(body, header(response, "Content-Type"));
                for (int i = 0; i < 3; i++) {
                    MultipartReader.Part part = reader.next();
                    assertThat(part.headers()).containsEntry("content-type", "image/jpeg")
                            .containsEntry("content-length", Integer.toString(part.body().length));
                    assertThat(part.headers().get("x-timestamp")).matches("\\d+\\.\\d{6}");
                    assertThat(Jpeg.isWhole(part.body())).isTrue();
                }
            }
        }
    }

    @Test
    void headOfTheStreamAnswersWithItsHeadersAndNoBody() throws Exception {
        for (String path : new String[] {"stream", "?action=stream"}) {
            HttpResponse<byte[]> head = Http.CLIENT.send(HttpRequest.newBuilder(base.resolve(path))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(head.statusCode()).as(path).isEqualTo(200);
            assertThat(header(head, "Content-Type")).isEqualTo("multipart/x-mixed-replace;boundary=boundarydonotcross");
            assertThat(head.body()).isEmpty();
        }
    }

    @Test
    void fpsThinsOneClientsStream() throws Exception {
        HttpResponse<InputStream> response = open("stream?fps=4");
        try (InputStream body = response.body()) {
            MultipartReader reader = new MultipartReader(body, header(response, "Content-Type"));
            reader.next();
            double first = Double.parseDouble(reader.next().headers().get("x-timestamp"));
            double last = first;
            for (int i = 0; i < 4; i++) {
                last = Double.parseDouble(reader.next().headers().get("x-timestamp"));
            }
            assertThat((last - first) / 4).as("seconds between parts at ?fps=4 of a 20 fps camera")
                    .isGreaterThanOrEqualTo(0.2);
        }
    }

    @Test
    void snapshotRoutesSendOneFreshJpegWithLengthAndTimestamp() throws Exception {
        for (String path : new String[] {"?action=snapshot", "?action=snapshot_0", "snapshot", "snapshot?x=1"}) {
            double requested = System.currentTimeMillis() / 1000.0;
            HttpResponse<byte[]> response = Http.get(base.resolve(path));
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(header(response, "Content-Type")).isEqualTo("image/jpeg");
            assertThat(header(response, "Content-Length")).isEqualTo(Integer.toString(response.body().length));
            assertThat(Double.parseDouble(header(response, "X-Timestamp"))).isGreaterThan(requested - 0.001);
            assertNoCacheAndServer(response);
            assertThat(Jpeg.decodedSize(response.body()).width()).isEqualTo(800);
        }
    }

    /** The cheap snapshot: a live frame taken after the request, at the stream's size, and no still. */
    @Test
    void snapshotAtTheStreamSizeIsTheNextLiveFrameAndNoStill() throws Exception {
        long stills = cameras.getService().statistics().stills();
        for (String path : new String[] {"snapshot/stream", "snapshot?size=stream", "snapshot?size=320x240",
                "?action=snapshot&size=stream", "snapshot/stream?camera=0"}) {
            long requestedMicros = java.time.Instant.now().toEpochMilli() * 1000;
            HttpResponse<byte[]> frame = Http.get(base.resolve(path));
            assertThat(frame.statusCode()).as(path).isEqualTo(200);
            assertThat(header(frame, "Content-Type")).as(path).isEqualTo("image/jpeg");
            assertThat(Jpeg.isWhole(frame.body())).as(path).isTrue();
            assertThat(Jpeg.decodedSize(frame.body())).as(path).isEqualTo(new dualstream.camera.api.Resolution(320, 240));
            long capturedMicros = Math.round(Double.parseDouble(header(frame, "X-Timestamp")) * 1e6);
            assertThat(capturedMicros).as(path + ": captured after the request").isGreaterThanOrEqualTo(requestedMicros);
        }
        assertThat(cameras.getService().statistics().stills()).as("stills taken").isEqualTo(stills);
        assertThat(Jpeg.decodedSize(Http.get(base.resolve("snapshot?size=800x600")).body()))
                .isEqualTo(new dualstream.camera.api.Resolution(800, 600));
        for (String path : new String[] {"snapshot?size=1024x768", "snapshot?size=big", "snapshot/stream?camera=nope"}) {
            HttpResponse<byte[]> refused = Http.get(base.resolve(path));
            assertThat(refused.statusCode()).as(path).isBetween(400, 404);
        }
        assertThat(new String(Http.get(base.resolve("snapshot?size=1024x768")).body(), StandardCharsets.UTF_8))
                .contains("320x240", "800x600");
    }

    @Test
    void stateDescribesTheCamera() throws Exception {
        Http.get(base.resolve("snapshot"));
        HttpResponse<byte[]> response = Http.get(base.resolve("state"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(header(response, "Content-Type")).startsWith("application/json");
        JsonObject state = json(response);
        assertThat(state.getString("id")).isEqualTo("0");
        assertThat(state.getString("streamSize")).isEqualTo("320x240");
        assertThat(state.getString("stillSize")).isEqualTo("800x600");
        assertThat(state.getInt("targetFps")).isEqualTo(20);
        assertThat(state.getBoolean("testPattern")).isTrue();
        assertThat(state.getJsonNumber("stills").longValue()).isPositive();
        assertThat(state.containsKey("measuredFps")).isTrue();
        assertThat(state.containsKey("clients")).isTrue();
        assertThat(state.containsKey("frames")).isTrue();
        assertThat(state.containsKey("broken")).isTrue();
        assertThat(state.containsKey("dropped")).isTrue();
        assertThat(state.getJsonNumber("lastStillLatencyMillis")).isNotNull();
        assertThat(state.getString("state")).isIn("idle", "streaming");
    }

    @Test
    void mjpgStreamerDocumentsHaveTheirShape() throws Exception {
        for (String path : new String[] {"input_0.json", "input.json"}) {
            JsonObject input = json(Http.get(base.resolve(path)));
            // The test pattern has no controls of its own: only mjpg-streamer's JPEG quality, which it always lists.
            assertThat(input.getJsonArray("controls")).singleElement().extracting(c -> ((JsonObject) c)
                    .getString("name")).isEqualTo("JPEG quality");
            JsonObject format = input.getJsonArray("formats").getJsonObject(0);
            assertThat(format.getString("name")).isEqualTo("Motion-JPEG");
            assertThat(format.getJsonObject("resolutions").getString("0")).isEqualTo("320x240");
            assertThat(format.getString("currentResolution")).isEqualTo("0");
        }
        JsonObject program = json(Http.get(base.resolve("program.json")));
        assertThat(program.getJsonArray("inputs").getJsonObject(0).getString("id")).isEqualTo("0");
        assertThat(Http.get(base.resolve("input_5.json")).statusCode()).isEqualTo(404);
        assertThat(Http.get(base.resolve("nothing.json")).statusCode()).isEqualTo(404);
    }

    @Test
    void badValuesOfOursGet400WithAOneLineReason() throws Exception {
        for (String path : new String[] {"stream?fps=abc", "stream?fps=0", "?action=nope", "?action=stream_x",
                "?action=command&id=abc&value=1", "?action=command&dest=0&plugin=0&id=1&group=1&value=high"}) {
            HttpResponse<byte[]> response = Http.get(base.resolve(path));
            assertThat(response.statusCode()).as(path).isEqualTo(400);
            String body = new String(response.body(), StandardCharsets.UTF_8);
            assertThat(body.strip()).as(path).isNotEmpty().doesNotContain("\n");
        }
        assertThat(Http.get(base.resolve("no-such-page")).statusCode()).isEqualTo(404);
        assertThat(Http.get(base.resolve("stream?camera=nope")).statusCode()).isEqualTo(404);
    }

    @Test
    void theCommandProbeIsAnsweredAndCommandsCanBeSwitchedOff() throws Exception {
        HttpResponse<byte[]> probe = Http.get(base.resolve("?action=command&dest=0&plugin=0&id=-1&group=1&value=10"));
        assertThat(probe.statusCode()).isEqualTo(200);
        assertThat(header(probe, "Content-Type")).startsWith("text/plain");
        // mjpg-streamer echoes only the id's leading digits: its answer to this probe is ": -1".
        assertThat(new String(probe.body(), StandardCharsets.UTF_8).strip()).isEqualTo(": -1");

        long refused = json(Http.get(base.resolve("state"))).getJsonNumber("commandsRefused").longValue();
        HttpResponse<byte[]> head = Http.CLIENT.send(HttpRequest.newBuilder(
                base.resolve("?action=command&group=1&id=5&value=1")).method("HEAD",
                HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(json(Http.get(base.resolve("state"))).getJsonNumber("commandsRefused").longValue())
                .as("a HEAD carries out no command").isEqualTo(refused);
        assertThat(status("?action=command&group=1&id=5&value=1")).isEqualTo(200);
        assertThat(json(Http.get(base.resolve("state"))).getJsonNumber("commandsRefused").longValue())
                .as("the GET does").isEqualTo(refused + 1);

        Configuration web = configurationAdmin.getConfiguration("dualstream.web", "?");
        Dictionary<String, Object> off = new Hashtable<>();
        off.put("commands.enabled", false);
        web.update(off);
        try {
            Await.until("commands off", Duration.ofSeconds(10), () -> status("?action=command&id=-1") == 501);
        } finally {
            web.delete();
        }
        Await.until("commands on again", Duration.ofSeconds(10), () -> status("?action=command&id=-1") == 200);
    }

    @Test
    void tokenAndBasicAuthenticationAndCors() throws Exception {
        Configuration http = configurationAdmin.getConfiguration("dualstream.http", "?");
        Dictionary<String, Object> settings = new Hashtable<>();
        settings.put(".auth.token", "s3cret");
        settings.put("auth.user", "printer");
        settings.put(".auth.password", "pa55");
        settings.put("cors.origin", "https://octoprint.example");
        http.update(settings);
        try {
            Await.until("authentication on", Duration.ofSeconds(10), () -> status("state") == 401);
            HttpResponse<byte[]> denied = Http.get(base.resolve("snapshot"));
            assertThat(denied.statusCode()).isEqualTo(401);
            assertThat(header(denied, "WWW-Authenticate")).startsWith("Basic");
            assertThat(status("state?token=wrong")).isEqualTo(401);
            assertThat(status("state?token=s3cret")).isEqualTo(200);
            String basic = Base64.getEncoder().encodeToString("printer:pa55".getBytes(StandardCharsets.UTF_8));
            HttpResponse<byte[]> allowed = Http.CLIENT.send(HttpRequest.newBuilder(base.resolve("state"))
                    .header("Authorization", "Basic " + basic).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(allowed.statusCode()).isEqualTo(200);
            assertThat(header(allowed, "Access-Control-Allow-Origin")).isEqualTo("https://octoprint.example");
        } finally {
            http.delete();
        }
        Await.until("open again", Duration.ofSeconds(10), () -> status("state") == 200);
        assertThat(header(Http.get(base.resolve("state")), "Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void actionStreamAnswers503WhileTheStreamBundleIsStopped() throws Exception {
        Bundle streamBundle = Arrays.stream(context.getBundles())
                .filter(b -> "dualstream.stream.mjpeg".equals(b.getSymbolicName())).findFirst().orElseThrow();
        streamBundle.stop();
        try {
            Await.until("stream servlet gone", Duration.ofSeconds(10),
                    () -> !Http.serves(runtime.getService(), "dualstream-stream"));
            HttpResponse<byte[]> response = Http.get(base.resolve("?action=stream"));
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(header(response, "Retry-After")).isNotNull();
            assertThat(status("?action=snapshot")).isEqualTo(200);
            // /stream itself reaches the page servlet now: it is told apart from an unknown path.
            HttpResponse<byte[]> stream = Http.get(base.resolve("stream"));
            assertThat(stream.statusCode()).isEqualTo(503);
            assertThat(new String(stream.body(), java.nio.charset.StandardCharsets.UTF_8)).contains("not running");
            assertThat(status("no-such-path")).isEqualTo(404);
        } finally {
            streamBundle.start();
        }
        Await.until("stream servlet back", Duration.ofSeconds(10),
                () -> Http.serves(runtime.getService(), "dualstream-stream"));
    }

    private int status(String path) {
        try {
            return Http.get(base.resolve(path)).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static JsonObject json(HttpResponse<byte[]> response) {
        return Json.createReader(new StringReader(new String(response.body(), StandardCharsets.UTF_8))).readObject();
    }
}
