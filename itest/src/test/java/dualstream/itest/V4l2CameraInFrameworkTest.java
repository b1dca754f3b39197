package dualstream.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

import dualstream.camera.api.CameraService;
import dualstream.camera.api.CameraState;
import dualstream.camera.api.Resolution;
import dualstream.test.support.Await;

/** The V4L2 camera bundle, JNA and all, inside the framework, on the project's fake camera. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class V4l2CameraInFrameworkTest {

    static final Resolution STREAM = new Resolution(640, 480);
    static final Resolution LARGEST = new Resolution(3264, 2448);

    @InjectBundleContext
    BundleContext context;

    @InjectService
    ConfigurationAdmin configurationAdmin;

    @InjectService(cardinality = 0)
    ServiceAware<CameraService> cameras;

    @InjectService(timeout = 10_000)
    ServiceAware<HttpServiceRuntime> runtime;

    URI base;

    @BeforeEach
    void servletsAreUp() {
        base = Http.ready(runtime, "dualstream-stream", "dualstream-snapshot");
    }

    @AfterEach
    void removeCameras() throws Exception {
        Cameras.removeAll(configurationAdmin, cameras);
    }

    private Dictionary<String, Object> fakeCamera() {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("camera.id", "fake");
        properties.put("device", "/dev/video0");
        properties.put("nativeLibrary", context.getProperty("fakecam.library"));
        properties.put("reconnectMillis", 100L);
        return properties;
    }

    /** The fake camera, configured, probed and with its controls read. */
    private CameraService fakeCameraWithControls() throws IOException {
        configurationAdmin.getFactoryConfiguration("dualstream.camera.v4l2", "itest", "?").update(fakeCamera());
        CameraService camera = awaitCamera("fake");
        Await.until("controls listed", Duration.ofSeconds(10), () -> !camera.controls().isEmpty());
        return camera;
    }

    private CameraService awaitCamera(String id) {
        Await.until("camera " + id, Duration.ofSeconds(10), () -> cameraIs(id, c -> !c.info().sizes().isEmpty()));
        return camera(id);
    }

    /** Looks once: the camera may go away between two looks while it is reconfigured. */
    private boolean cameraIs(String id, java.util.function.Predicate<CameraService> condition) {
        CameraService camera = camera(id);
        return camera != null && condition.test(camera);
    }

    private CameraService camera(String id) {
        return Cameras.byId(cameras, id);
    }

    @Test
    void streamsAndSnapsThroughTheWhiteboardFromTheV4l2Camera() throws Exception {
        configurationAdmin.getFactoryConfiguration("dualstream.camera.v4l2", "itest", "?").update(fakeCamera());
        CameraService camera = awaitCamera("fake");
        assertThat(camera.info().driver()).isEqualTo("uvcvideo");
        assertThat(camera.stillSize()).isEqualTo(LARGEST);

        HttpResponse<InputStream> response = Http.CLIENT.send(
                HttpRequest.newBuilder(base.resolve("stream?camera=fake")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            assertThat(response.statusCode()).isEqualTo(200);
            MultipartReader reader = new MultipartReader(body, response.headers().firstValue("Content-Type").orElseThrow());
            for (int i = 0; i < 5; i++) {
                byte[] jpeg = reader.next().body();
                assertThat(Jpeg.isWhole(jpeg)).isTrue();
                assertThat(Jpeg.decodedSize(jpeg)).isEqualTo(STREAM);
            }
        }
        HttpResponse<byte[]> still = Http.get(base.resolve("snapshot?camera=fake"));
        assertThat(still.statusCode()).as(new String(still.body(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(200);
        assertThat(Jpeg.decodedSize(still.body())).isEqualTo(LARGEST);
        // Where the still's time went, for browsers' developer tools and the benchmark.
        assertThat(still.headers().firstValue("Server-Timing").orElseThrow()).matches(
                "queue;dur=\\d+\\.\\d, switch;dur=\\d+\\.\\d, settle;dur=\\d+\\.\\d;desc=\"[a-z]+, \\d+ frames skipped[^\"]*\", copy;dur=\\d+\\.\\d");

        HttpResponse<byte[]> fullHd = Http.get(base.resolve("snapshot?camera=fake&size=1920x1080"));
        assertThat(fullHd.statusCode()).isEqualTo(200);
        assertThat(Jpeg.decodedSize(fullHd.body())).isEqualTo(new Resolution(1920, 1080));
        HttpResponse<byte[]> notOffered = Http.get(base.resolve("snapshot?camera=fake&size=1000x1000"));
        assertThat(notOffered.statusCode()).isEqualTo(400);
        assertThat(new String(notOffered.body(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("1920x1080", "3264x2448");
    }

    /** The orientation of an Exif APP1 right after SOI (big-endian, its one entry Orientation), else 1. */
    private static int exifOrientation(byte[] jpeg) {
        boolean exif = (jpeg[3] & 0xFF) == 0xE1
                && new String(jpeg, 6, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("Exif")
                && jpeg[22] == 0x01 && jpeg[23] == 0x12;
        return exif ? (jpeg[30] & 0xFF) << 8 | jpeg[31] & 0xFF : 1;
    }

    /** A camera configured to turn: every frame and still carries its EXIF orientation; /state says where. */
    @Test
    void aTurnedCameraMarksEveryFrameAndStillWithItsExifOrientation() throws Exception {
        Dictionary<String, Object> properties = fakeCamera();
        properties.put("rotation", 270);
        configurationAdmin.getFactoryConfiguration("dualstream.camera.v4l2", "itest", "?").update(properties);
        CameraService camera = awaitCamera("fake");
        assertThat(camera.orientation().exif()).isEqualTo(8);
        HttpResponse<InputStream> response = Http.CLIENT.send(
                HttpRequest.newBuilder(base.resolve("stream?camera=fake")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            MultipartReader reader = new MultipartReader(body, response.headers().firstValue("Content-Type").orElseThrow());
            for (int i = 0; i < 5; i++) {
                byte[] jpeg = reader.next().body();
                assertThat(exifOrientation(jpeg)).isEqualTo(8);
                assertThat(Jpeg.decodedSize(jpeg)).as("the picture as taken").isEqualTo(STREAM);
            }
        }
        byte[] still = Http.get(base.resolve("snapshot?camera=fake")).body();
        assertThat(exifOrientation(still)).isEqualTo(8);
        assertThat(new String(Http.get(base.resolve("state?camera=fake")).body(),
                java.nio.charset.StandardCharsets.UTF_8)).contains("\"byCamera\":\"none\",\"exif\":8");
    }

    /**
     * A camera registered before its first open has ended (a slow one: 3 s) offers no sizes yet: a still asked at a
     * size waits for the open, and a size the camera then turns out not to offer is a bad request, not an outage.
     */
    @Test
    void aStillAskedOfACameraStillOpeningWaitsForItsSizes() throws Exception {
        FakeCameraSwitches fake = fake();
        try {
            fake.fakecam_set("open_ms", "3000");
            configurationAdmin.getFactoryConfiguration("dualstream.camera.v4l2", "itest", "?").update(fakeCamera());
            Await.until("camera registered, still opening", Duration.ofSeconds(10),
                    () -> cameraIs("fake", c -> c.state() == CameraState.OPENING));
            var fullHd = Http.getLater(base.resolve("snapshot?camera=fake&size=1920x1080"));
            var notOffered = Http.getLater(base.resolve("snapshot?camera=fake&size=1000x1000"));
            var largest = Http.getLater(base.resolve("snapshot?camera=fake"));

            HttpResponse<byte[]> still = fullHd.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(still.statusCode()).as(new String(still.body(), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo(200);
            assertThat(Jpeg.decodedSize(still.body())).isEqualTo(new Resolution(1920, 1080));
            HttpResponse<byte[]> refused = notOffered.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(new String(refused.body(), java.nio.charset.StandardCharsets.UTF_8))
                    .contains("1920x1080", "3264x2448", "not 1000x1000");
            HttpResponse<byte[]> own = largest.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(own.statusCode()).isEqualTo(200);
            assertThat(Jpeg.decodedSize(own.body())).as("the still size known once open, not a placeholder")
                    .isEqualTo(LARGEST);
        } finally {
            fake.fakecam_set("reset", "");
        }
    }

    /**
     * Over real HTTP, on a camera whose exposure re-converges over 10 frames after every switch: the still is the
     * settled picture, Server-Timing and /state say how it settled, and no stream part shows an unsettled frame.
     */
    @Test
    void stillsWaitForTheCameraToSettleAndTheStreamShowsNoUnsettledFrame() throws Exception {
        FakeCameraSwitches fake = fake();
        try {
            fake.fakecam_set("settle_frames", "10");
            configurationAdmin.getFactoryConfiguration("dualstream.camera.v4l2", "itest", "?").update(fakeCamera());
            awaitCamera("fake");
            HttpResponse<InputStream> response = Http.CLIENT.send(
                    HttpRequest.newBuilder(base.resolve("stream?camera=fake")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                MultipartReader reader = new MultipartReader(body,
                        response.headers().firstValue("Content-Type").orElseThrow());
                List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
                Thread viewer = new Thread(() -> {
                    try {
                        while (true) {
                            seen.add(brightness(reader.next().body()));
                        }
                    } catch (IOException | RuntimeException closed) {
                        // the stream was closed
                    }
                });
                viewer.start();
                Await.until("stream frames", Duration.ofSeconds(10), () -> seen.size() >= 10);
                for (int i = 0; i < 3; i++) {
                    HttpResponse<byte[]> still = Http.get(base.resolve("snapshot?camera=fake"));
                    assertThat(still.statusCode()).isEqualTo(200);
                    assertThat(brightness(still.body())).as("still %d", i).isBetween(90, 110);
                    assertThat(still.headers().firstValue("Server-Timing").orElseThrow())
                            .containsPattern("settle;dur=\\d+\\.\\d;desc=\"(matched|steady), \\d+ frames skipped");
                    int before = seen.size();
                    Await.until("stream again", Duration.ofSeconds(10), () -> seen.size() >= before + 10);
                }
                jakarta.json.JsonObject last = json("state?camera=fake").getJsonObject("lastStill");
                assertThat(last.getString("size")).isEqualTo(LARGEST.toString());
                assertThat(last.getString("stoppedBy")).isIn("matched", "steady");
                assertThat(last.getBoolean("exposureLocked")).as("the third still's exposure was carried over")
                        .isTrue();
                body.close();
                viewer.join(5000);
                assertThat(seen).as("the true brightness of every stream part").allSatisfy(
                        bright -> assertThat(bright).isBetween(90, 110));
            }
        } finally {
            fake.fakecam_set("reset", "");
        }
    }

    /** The fake camera writes each frame's true brightness (percent of settled) into its JPEG comment. */
    private static int brightness(byte[] jpeg) {
        String head = new String(jpeg, 0, Math.min(200, jpeg.length), java.nio.charset.StandardCharsets.ISO_8859_1);
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("bright=(\\d+)").matcher(head);
        if (!matcher.find()) {
            throw new AssertionError("no fakecam note in the frame");
        }
        return Integer.parseInt(matcher.group(1));
    }

    @Test
    void aControlSetWithActionCommandShowsInInputJson() throws Exception {
        CameraService camera = fakeCameraWithControls();
        jakarta.json.JsonObject before = json("input_0.json");
        jakarta.json.JsonObject brightness = before.getJsonArray("controls").getValuesAs(jakarta.json.JsonObject.class)
                .stream().filter(c -> c.getString("name").equals("Brightness")).findFirst().orElseThrow();
        assertThat(brightness.getString("min")).isEqualTo("-64");
        String id = brightness.getString("id");

        HttpResponse<byte[]> reply = Http.get(base.resolve("?action=command&dest=0&plugin=0&id=" + id
                + "&group=1&value=10"));
        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(new String(reply.body(), java.nio.charset.StandardCharsets.UTF_8).strip()).isEqualTo(id + ": 0");

        jakarta.json.JsonObject after = json("input_0.json").getJsonArray("controls")
                .getValuesAs(jakarta.json.JsonObject.class).stream().filter(c -> c.getString("id").equals(id))
                .findFirst().orElseThrow();
        assertThat(after.getString("value")).isEqualTo("10");
        jakarta.json.JsonObject exposure = json("input_0.json").getJsonArray("controls")
                .getValuesAs(jakarta.json.JsonObject.class).stream()
                .filter(c -> c.getString("name").equals("Auto Exposure")).findFirst().orElseThrow();
        assertThat(exposure.getJsonObject("menu")).containsExactly(java.util.Map.entry("0", jakarta.json.Json.createValue("")),
                java.util.Map.entry("1", jakarta.json.Json.createValue("Manual Mode")),
                java.util.Map.entry("2", jakarta.json.Json.createValue("")),
                java.util.Map.entry("3", jakarta.json.Json.createValue("Aperture Priority Mode")));
        Http.get(base.resolve("?action=command&dest=0&plugin=0&id=" + id + "&group=1&value=0"));
    }

    /** What mjpg-streamer answers, Octolapse reads: 200 always, "id: -1" for every value the camera did not take. */
    @Test
    void actionCommandAnswersLikeMjpgStreamerAndStateSaysWhatWasRefused() throws Exception {
        CameraService camera = fakeCameraWithControls();
        long refusedBefore = json("state?camera=fake").getJsonNumber("commandsRefused").longValue();
        int brightness = 0x00980900;
        int autoExposure = 0x009a0901;
        int exposureTime = 0x009a0902;
        String[][] answers = {
            {brightness + "&value=100", brightness + ": -1"}, // outside -64..64
            {"123456789&value=5", "123456789: -1"}, // no such control
            {brightness + "&value=99999999999999999999", brightness + ": -1"}, // beyond 64 bits, as strtol reads it
            {autoExposure + "&value=2", autoExposure + ": -1"}, // not one of the menu's entries
            {exposureTime + "&value=300", exposureTime + ": -1"}, // the driver refuses it while exposure is automatic
            {autoExposure + "&value=1", autoExposure + ": 0"}, // manual exposure
            {exposureTime + "&value=300", exposureTime + ": 0"}, // now it takes it
            {brightness + "&value=-5&dest=7&group=2&plugin=x", brightness + ": 0"}, // what mjpg-streamer ignores
        };
        for (String[] answer : answers) {
            HttpResponse<byte[]> reply = Http.get(base.resolve("?action=command&dest=0&plugin=0&group=1&id="
                    + answer[0]));
            assertThat(reply.statusCode()).as(answer[0]).isEqualTo(200);
            assertThat(reply.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            assertThat(new String(reply.body(), java.nio.charset.StandardCharsets.UTF_8).strip()).as(answer[0])
                    .isEqualTo(answer[1]);
        }
        assertThat(camera.controls().stream().filter(c -> c.id() == exposureTime).findFirst().orElseThrow().value())
                .isEqualTo(300);
        // Groups as mjpg-streamer has them: 3 is its JPEG quality (0..100, answered 0 with or without the camera's
        // control), 0 (also when absent) and 2 change nothing.
        String[][] groups = {
            {"id=1&group=3&value=80", "1: 0"},
            {"id=1&group=3&value=101", "1: -1"},
            {"id=" + brightness + "&value=3", brightness + ": -1"},
            {"id=" + brightness + "&group=0&value=3", brightness + ": -1"},
            {"id=" + brightness + "&group=2&value=1", brightness + ": -1"},
            {"id=-1&group=1&value=10", ": -1"},
        };
        for (String[] answer : groups) {
            HttpResponse<byte[]> reply = Http.get(base.resolve("?action=command&dest=0&plugin=0&" + answer[0]));
            assertThat(reply.statusCode()).as(answer[0]).isEqualTo(200);
            assertThat(new String(reply.body(), java.nio.charset.StandardCharsets.UTF_8).strip()).as(answer[0])
                    .isEqualTo(answer[1]);
        }
        jakarta.json.JsonObject quality = json("input_0.json").getJsonArray("controls")
                .getValuesAs(jakarta.json.JsonObject.class).stream().reduce((first, second) -> second).orElseThrow();
        assertThat(quality.getString("name")).as("the last control").isEqualTo("JPEG quality");
        assertThat(List.of(quality.getString("id"), quality.getString("type"), quality.getString("min"),
                quality.getString("max"), quality.getString("step"), quality.getString("default"),
                quality.getString("value"), quality.getString("group")))
                .containsExactly("1", "1", "0", "100", "1", "50", "0", "3");
        assertThat(json("state?camera=fake").getBoolean("jpegQualityControl")).isFalse();
        for (String notACommand : new String[] {"id=abc&value=1", "value=1", "id=1&value=", "id=1&value=ten"}) {
            assertThat(Http.get(base.resolve("?action=command&" + notACommand)).statusCode()).as(notACommand)
                    .isEqualTo(400);
        }
        jakarta.json.JsonObject state = json("state?camera=fake");
        assertThat(state.getJsonNumber("commandsRefused").longValue()).isEqualTo(refusedBefore + 5 + 5);
        assertThat(state.getString("lastCommandRefusal")).contains("-1");
        Http.get(base.resolve("?action=command&group=1&id=" + exposureTime + "&value=250"));
        Http.get(base.resolve("?action=command&group=1&id=" + autoExposure + "&value=3"));
        Http.get(base.resolve("?action=command&group=1&id=" + brightness + "&value=0"));
    }

    /**
     * input_0.json field by field against mjpg-streamer's own for the same camera (its reference run): every control,
     * in order, with the same fields and text. mjpg-streamer names the menu indices the driver has no entry for from
     * memory it never cleared; we give "" there.
     */
    @Test
    void listsTheControlsAsMjpgStreamerListedThemForTheSameCamera() throws Exception {
        jakarta.json.JsonObject theirs;
        try (java.io.Reader in = java.nio.file.Files.newBufferedReader(Path.of(context.getProperty("dualstream.root"),
                "itest/src/test/resources/reference/mjpg-streamer-input_0.json"))) {
            theirs = jakarta.json.Json.createReader(in).readObject();
        }
        FakeCameraSwitches fake = fake();
        try {
            fake.fakecam_set("model", "reference");
            fake.fakecam_set("sizes", "640x480,1280x720,1920x1080,3264x2448");
            CameraService camera = fakeCameraWithControls();
            jakarta.json.JsonObject ours = json("input_0.json");
            List<jakarta.json.JsonObject> theirControls = theirs.getJsonArray("controls")
                    .getValuesAs(jakarta.json.JsonObject.class);
            List<jakarta.json.JsonObject> ourControls = ours.getJsonArray("controls")
                    .getValuesAs(jakarta.json.JsonObject.class);
            assertThat(ourControls).extracting(c -> c.getString("name"))
                    .containsExactlyElementsOf(theirControls.stream().map(c -> c.getString("name")).toList());
            for (int i = 0; i < theirControls.size(); i++) {
                jakarta.json.JsonObject their = theirControls.get(i);
                jakarta.json.JsonObject our = ourControls.get(i);
                assertThat(our.keySet()).as(their.getString("name")).containsExactlyElementsOf(their.keySet());
                for (String field : their.keySet()) {
                    if (!field.equals("menu")) {
                        assertThat(our.get(field)).as(their.getString("name") + " " + field)
                                .isEqualTo(their.get(field));
                    }
                }
                if (their.containsKey("menu")) {
                    jakarta.json.JsonObject theirMenu = their.getJsonObject("menu");
                    jakarta.json.JsonObject ourMenu = our.getJsonObject("menu");
                    assertThat(ourMenu.keySet()).containsExactlyElementsOf(theirMenu.keySet());
                    for (String index : theirMenu.keySet()) {
                        String label = ourMenu.getString(index);
                        assertThat(label.isEmpty() || label.equals(theirMenu.getString(index)))
                                .as("menu entry " + index + ": ours '" + label + "', theirs '"
                                        + theirMenu.getString(index) + "'").isTrue();
                    }
                    assertThat(ourMenu.values()).filteredOn(v -> !((jakarta.json.JsonString) v).getString().isEmpty())
                            .as("every entry the driver has").hasSize(2);
                }
            }
            jakarta.json.JsonObject theirFormat = theirs.getJsonArray("formats").getJsonObject(0);
            jakarta.json.JsonObject ourFormat = ours.getJsonArray("formats").getJsonObject(0);
            assertThat(ourFormat.keySet()).containsExactlyElementsOf(theirFormat.keySet());
            for (String field : new String[] {"id", "name", "compressed", "emulated", "current", "resolutions"}) {
                assertThat(ourFormat.get(field)).as(field).isEqualTo(theirFormat.get(field));
            }
        } finally {
            fake.fakecam_set("sizes", "640x480,320x240,800x600,1280x720,1920x1080,2592x1944,3264x2448");
            fake.fakecam_set("reset", "");
        }
    }

    /**
     * Octolapse shows its C920 page when the controls mjpg-streamer lists match its definition of that camera
     * (settings.py, controls_match_server): as many controls, and each of its controls present by id with every field
     * but value and flags equal as text, menus entry by entry in order. Its C920 definition, as data.
     */
    @Test
    void octolapseRecognisesAC920AsItsC920() throws Exception {
        String[][] c920 = { // name, id, type, min, max, step, default, group, menu entries
            {"Brightness", "9963776", "1", "0", "255", "1", "128", "1"},
            {"Contrast", "9963777", "1", "0", "255", "1", "128", "1"},
            {"Saturation", "9963778", "1", "0", "255", "1", "128", "1"},
            {"White Balance Temperature, Auto", "9963788", "2", "0", "1", "1", "1", "1"},
            {"Gain", "9963795", "1", "0", "255", "1", "0", "1"},
            {"Power Line Frequency", "9963800", "3", "0", "2", "1", "2", "1", "Disabled", "50 Hz", "60 Hz"},
            {"White Balance Temperature", "9963802", "1", "2000", "6500", "1", "4000", "1"},
            {"Sharpness", "9963803", "1", "0", "255", "1", "128", "1"},
            {"Backlight Compensation", "9963804", "1", "0", "1", "1", "0", "1"},
            {"Exposure, Auto", "10094849", "3", "0", "3", "1", "3", "1", "", "Manual Mode", "",
                "Aperture Priority Mode"},
            {"Exposure (Absolute)", "10094850", "1", "3", "2047", "1", "250", "1"},
            {"Exposure, Auto Priority", "10094851", "2", "0", "1", "1", "0", "1"},
            {"Pan (Absolute)", "10094856", "1", "-36000", "36000", "3600", "0", "1"},
            {"Tilt (Absolute)", "10094857", "1", "-36000", "36000", "3600", "0", "1"},
            {"Focus (absolute)", "10094858", "1", "0", "250", "5", "0", "1"},
            {"Focus, Auto", "10094860", "2", "0", "1", "1", "1", "1"},
            {"Zoom, Absolute", "10094861", "1", "100", "500", "1", "100", "1"},
            {"JPEG quality", "1", "1", "0", "100", "1", "50", "3"},
        };
        FakeCameraSwitches fake = fake();
        try {
            fake.fakecam_set("model", "c920");
            CameraService camera = fakeCameraWithControls();
            java.util.Map<String, jakarta.json.JsonObject> ours = new java.util.HashMap<>();
            for (jakarta.json.JsonObject control : json("input_0.json").getJsonArray("controls")
                    .getValuesAs(jakarta.json.JsonObject.class)) {
                ours.put(control.getString("id"), control);
            }
            assertThat(ours).hasSameSizeAs(c920);
            String[] fields = {"name", "id", "type", "min", "max", "step", "default", "group"};
            for (String[] theirs : c920) {
                jakarta.json.JsonObject our = ours.get(theirs[1]);
                assertThat(our).as(theirs[0]).isNotNull();
                for (int f = 0; f < fields.length; f++) {
                    assertThat(our.getString(fields[f])).as(theirs[0] + " " + fields[f]).isEqualTo(theirs[f]);
                }
                assertThat(our.getString("dest")).isEqualTo("0");
                List<String> menu = List.of(theirs).subList(fields.length, theirs.length);
                if (menu.isEmpty()) {
                    assertThat(our.containsKey("menu")).as(theirs[0] + " has no menu").isFalse();
                } else {
                    jakarta.json.JsonObject ourMenu = our.getJsonObject("menu");
                    assertThat(ourMenu.keySet()).containsExactly(
                            java.util.stream.IntStream.range(0, menu.size()).mapToObj(Integer::toString)
                                    .toArray(String[]::new));
                    assertThat(ourMenu.values()).extracting(v -> ((jakarta.json.JsonString) v).getString())
                            .containsExactlyElementsOf(menu);
                }
            }
            // The C920 refuses manual settings while their automatic mode is on; Octolapse reads "-1", not an error.
            HttpResponse<byte[]> focus = Http.get(base.resolve("?action=command&dest=0&plugin=0&group=1&id=10094858"
                    + "&value=100"));
            assertThat(focus.statusCode()).isEqualTo(200);
            assertThat(new String(focus.body(), java.nio.charset.StandardCharsets.UTF_8).strip())
                    .isEqualTo("10094858: -1");
            assertThat(json("state?camera=fake").getString("lastCommandRefusal")).contains("EACCES");
            // Octolapse applying a saved C920 profile: all 18 controls answered 200, each taken or refused by "-1".
            for (String[] control : c920) {
                HttpResponse<byte[]> reply = Http.get(base.resolve("?action=command&dest=0&plugin=0&id=" + control[1]
                        + "&group=" + control[7] + "&value=" + control[6]));
                assertThat(reply.statusCode()).as(control[0]).isEqualTo(200);
                assertThat(new String(reply.body(), java.nio.charset.StandardCharsets.UTF_8).strip()).as(control[0])
                        .isIn(control[1] + ": 0", control[1] + ": -1");
            }
            String[][] manualFocus = {{"10094860", "0", ": 0"}, {"10094858", "7", ": -1"}, {"10094858", "10", ": 0"}};
            for (String[] command : manualFocus) { // manual focus, then a value off its step of 5, then one on it
                HttpResponse<byte[]> reply = Http.get(base.resolve("?action=command&group=1&id=" + command[0]
                        + "&value=" + command[1]));
                assertThat(new String(reply.body(), java.nio.charset.StandardCharsets.UTF_8).strip())
                        .isEqualTo(command[0] + command[2]);
            }
        } finally {
            fake.fakecam_set("reset", "");
        }
    }

    /** A camera with a JPEG quality control of its own: mjpg-streamer's "JPEG quality" command sets it. */
    @Test
    void theJpegQualityCommandSetsTheCamerasOwnQualityControl() throws Exception {
        FakeCameraSwitches fake = fake();
        try {
            fake.fakecam_set("model", "picam");
            CameraService camera = fakeCameraWithControls();
            assertThat(json("state?camera=fake").getBoolean("jpegQualityControl")).isTrue();
            HttpResponse<byte[]> reply = Http.get(base.resolve("?action=command&dest=0&plugin=0&id=1&group=3&value=80"));
            assertThat(new String(reply.body(), java.nio.charset.StandardCharsets.UTF_8).strip()).isEqualTo("1: 0");
            List<jakarta.json.JsonObject> controls = json("input_0.json").getJsonArray("controls")
                    .getValuesAs(jakarta.json.JsonObject.class);
            assertThat(controls).filteredOn(c -> c.getString("name").equals("Compression Quality"))
                    .extracting(c -> c.getString("value")).containsExactly("80");
            assertThat(controls.get(controls.size() - 1).getString("value")).as("JPEG quality").isEqualTo("80");
            // Class headings are listed as the driver lists them, and a command to one is refused, not an error.
            assertThat(controls.get(0).getString("name")).isEqualTo("User Controls");
            assertThat(controls.get(0).getString("type")).isEqualTo("6");
            HttpResponse<byte[]> heading = Http.get(base.resolve("?action=command&group=1&id="
                    + controls.get(0).getString("id") + "&value=0"));
            assertThat(heading.statusCode()).isEqualTo(200);
            assertThat(new String(heading.body(), java.nio.charset.StandardCharsets.UTF_8).strip()).endsWith(": -1");
        } finally {
            fake.fakecam_set("reset", "");
        }
    }

    /**
     * The fake camera is loaded by JNA, which unloads a library once nobody holds it; a frame thread left running in
     * an unloaded copy, next to the one a reload starts, fed one device twice. Reconfigured again and again, with the
     * garbage collected in between, the process has one frame loop and the stream one frame per frame interval.
     */
    @Test
    void reconfiguringNeverLeavesTwoFrameLoops() throws Exception {
        Configuration configuration = configurationAdmin.getFactoryConfiguration("dualstream.camera.v4l2", "itest", "?");
        for (int fps : new int[] {30, 15, 30, 15, 30}) {
            Dictionary<String, Object> properties = fakeCamera();
            properties.put("fps", fps);
            configuration.update(properties);
            Await.until("camera at " + fps + " fps", Duration.ofSeconds(10),
                    () -> cameraIs("fake", c -> c.targetFps() == fps && !c.info().sizes().isEmpty()));
            HttpResponse<byte[]> still = Http.get(base.resolve("snapshot?camera=fake"));
            assertThat(still.statusCode()).isEqualTo(200);
            System.gc();
            System.runFinalization();
        }
        assertThat(threadsNamed("fakecam-frames")).isEqualTo(1);
        HttpResponse<InputStream> response = Http.CLIENT.send(
                HttpRequest.newBuilder(base.resolve("stream?camera=fake")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            MultipartReader reader = new MultipartReader(body, response.headers().firstValue("Content-Type").orElseThrow());
            List<Long> stamps = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                stamps.add(Long.parseLong(reader.next().headers().get("x-timestamp").replace(".", "")));
            }
            long tooClose = java.util.stream.IntStream.range(1, stamps.size())
                    .filter(i -> stamps.get(i) > stamps.get(i - 1) && stamps.get(i) - stamps.get(i - 1) < 5_000).count();
            assertThat(tooClose).as("frames less than 5 ms apart, in " + stamps).isZero();
        }
    }

    /** A gateway whose camera is not plugged in: the stream says so at once, like the snapshot, and /state says why. */
    @Test
    void aCameraWithoutItsDeviceIsAnsweredWith503AndTheReason() throws Exception {
        Dictionary<String, Object> properties = fakeCamera();
        properties.put("device", "/dev/no-such-camera");
        configurationAdmin.getFactoryConfiguration("dualstream.camera.v4l2", "itest", "?").update(properties);
        Await.until("camera registered", Duration.ofSeconds(10), () -> cameraIs("fake", c -> c.problem().isPresent()));
        // SCR binds the camera to the servlets on the registering thread, which may still be telling other listeners
        // when this test's tracker has seen it: until then the stream rightly knows no camera.
        Await.until("the stream servlet knows the camera", Duration.ofSeconds(10), () -> {
            try {
                return !new String(Http.get(base.resolve("stream?camera=fake")).body(),
                        java.nio.charset.StandardCharsets.UTF_8).contains("No camera is available");
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        for (String path : new String[] {"stream?camera=fake", "?action=stream&camera=fake", "snapshot?camera=fake"}) {
            HttpResponse<byte[]> reply = Http.get(base.resolve(path));
            String body = new String(reply.body(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(reply.statusCode()).as(path + ": " + body).isEqualTo(503);
            assertThat(reply.headers().firstValue("Retry-After")).as(path).isPresent();
            assertThat(body).as(path).contains("/dev/no-such-camera");
        }
        jakarta.json.JsonObject state = json("state?camera=fake");
        assertThat(state.getString("state")).isEqualTo("disconnected");
        assertThat(state.getString("problem")).contains("/dev/no-such-camera", "ENOENT");
    }

    private static long threadsNamed(String name) throws IOException {
        try (java.util.stream.Stream<Path> tasks = java.nio.file.Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(task -> {
                try {
                    return java.nio.file.Files.readString(task.resolve("comm")).strip().equals(name);
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }

    private FakeCameraSwitches fake() {
        return com.sun.jna.Native.load(context.getProperty("fakecam.library"), FakeCameraSwitches.class);
    }

    private jakarta.json.JsonObject json(String path) throws Exception {
        HttpResponse<byte[]> response = Http.get(base.resolve(path));
        assertThat(response.statusCode()).isEqualTo(200);
        return jakarta.json.Json.createReader(new java.io.StringReader(
                new String(response.body(), java.nio.charset.StandardCharsets.UTF_8))).readObject();
    }

    interface FakeCameraSwitches extends com.sun.jna.Library {
        int fakecam_set(String key, String value);
    }

    @Test
    void aStalledCameraKeepsClientsAliveByRepeatingTheLastFrame() throws Exception {
        configurationAdmin.getFactoryConfiguration("dualstream.camera.v4l2", "itest", "?").update(fakeCamera());
        awaitCamera("fake");
        FakeCameraSwitches fake = com.sun.jna.Native.load(context.getProperty("fakecam.library"),
                FakeCameraSwitches.class);
        HttpResponse<InputStream> response = Http.CLIENT.send(
                HttpRequest.newBuilder(base.resolve("stream?camera=fake")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            MultipartReader reader = new MultipartReader(body, response.headers().firstValue("Content-Type").orElseThrow());
            reader.next();
            fake.fakecam_set("stall_ms", "2600");
            fake.fakecam_set("stall_after", "1");
            String previous = null;
            int repeats = 0;
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (repeats < 2 && System.nanoTime() < deadline) {
                String stamp = reader.next().headers().get("x-timestamp");
                repeats += stamp.equals(previous) ? 1 : 0;
                previous = stamp;
            }
            assertThat(repeats).as("the last frame sent again while no new one came").isGreaterThanOrEqualTo(2);
        } finally {
            fake.fakecam_set("reset", "");
        }
    }
}
