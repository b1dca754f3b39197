package dualstream.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dualstream.camera.api.CameraControl;
import dualstream.camera.api.CameraInfo;
import dualstream.camera.api.CameraKind;
import dualstream.camera.api.CameraService;
import dualstream.camera.api.Orientation;
import dualstream.camera.api.ControlType;
import dualstream.camera.api.Resolution;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;

/** The documents as their clients parse them: the page and scripts read /state, Octolapse input_N.json. */
class DocumentsTest {

    private static final CommandRefusals.Refusals NONE = new CommandRefusals.Refusals(0, null);
    private static final Resolution VGA = new Resolution(640, 480);
    private static final Resolution FULL_HD = new Resolution(1920, 1080);

    // Unit tests run on a plain class path, where the API finds Parsson beside it.
    private final JsonProvider json = JsonProvider.provider();
    private final Documents documents = new Documents(json);

    private JsonObject parse(String text) {
        return json.createReader(new StringReader(text)).readObject();
    }

    private static CameraControl control(int id, String name, int value) {
        return new CameraControl(id, name, ControlType.INTEGER, 0, 100, 1, 50, value, 0, Map.of());
    }

    @Test
    void theTestPatternIsKnownByItsKindNotByItsDriver() {
        CameraService pattern = new FakeCamera(new CameraInfo("t", "testpattern", "vivid", "Test pattern",
                List.of("MJPG"), List.of(VGA), CameraKind.TEST_PATTERN)).service();
        CameraService device = new FakeCamera(FakeCamera.device("0", "dualstream", VGA)).service();
        assertThat(parse(documents.state(pattern, List.of(pattern), NONE)).getBoolean("testPattern")).isTrue();
        assertThat(parse(documents.state(device, List.of(device), NONE)).getBoolean("testPattern")).isFalse();
    }

    /** Scripts and tests find members in the text ({@code "testPattern":true}): compact, in this order, these types. */
    @Test
    void stateIsOneCompactObjectWithNumbersAsNumbers() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("fps", 25);
        settings.put("settleLimitMillis", 1500L);
        settings.put("measureSettling", false);
        settings.put("stillSize", "max");
        FakeCamera fake = new FakeCamera(FakeCamera.device("nozzle", "uvcvideo", VGA, FULL_HD))
                .with("settings", settings);
        CameraService camera = fake.service();
        assertThat(documents.state(camera, List.of(camera), new CommandRefusals.Refusals(2, "Gain: is read-only")))
                .isEqualTo("{\"id\":\"nozzle\",\"device\":\"/dev/video0\",\"driver\":\"uvcvideo\",\"card\":\"C920\","
                        + "\"testPattern\":false,\"state\":\"streaming\",\"problem\":null,\"streamSize\":\"640x480\","
                        + "\"stillSize\":\"1920x1080\",\"targetFps\":30,\"measuredFps\":29.9,\"clients\":1,"
                        + "\"frames\":100,\"dropped\":1,\"broken\":2,\"stills\":3,\"lastStillLatencyMillis\":250,"
                        + "\"lastStill\":null,\"commandsRefused\":2,\"lastCommandRefusal\":\"Gain: is read-only\","
                        + "\"jpegQualityControl\":false,\"sizes\":[\"640x480\",\"1920x1080\"],"
                        + "\"settings\":{\"fps\":25,\"settleLimitMillis\":1500,\"measureSettling\":false,"
                        + "\"stillSize\":\"max\"},\"orientation\":{\"rotation\":0,\"flipHorizontal\":false,"
                        + "\"flipVertical\":false,\"byCamera\":\"none\",\"exif\":1},\"cameras\":[\"nozzle\"]}");
    }

    @Test
    void stateSaysWhereTheOrientationIsMade() {
        Orientation half = new Orientation(180, false, true);
        CameraService byCamera = new FakeCamera(FakeCamera.device("a", "uvcvideo", VGA))
                .with("orientation", Orientation.Applied.of(half, true, true)).service();
        JsonObject turned = parse(documents.state(byCamera, List.of(byCamera), NONE)).getJsonObject("orientation");
        assertThat(turned.getInt("rotation")).isEqualTo(180);
        assertThat(turned.getBoolean("flipVertical")).isTrue();
        assertThat(turned.getString("byCamera")).isEqualTo("hflip");
        assertThat(turned.getInt("exif")).isEqualTo(1);
        CameraService byExif = new FakeCamera(FakeCamera.device("b", "uvcvideo", VGA))
                .with("orientation", Orientation.Applied.of(new Orientation(90, false, false), false, false)).service();
        turned = parse(documents.state(byExif, List.of(byExif), NONE)).getJsonObject("orientation");
        assertThat(turned.getString("byCamera")).isEqualTo("none");
        assertThat(turned.getInt("exif")).isEqualTo(6);
    }

    @Test
    void anyTextComesBackAsItWas() {
        String card = "Cam \"A\" \\ \n\t\u0001 \u2028 é 🎥";
        CameraService camera = new FakeCamera(new CameraInfo("x", "/dev/video0", "uvcvideo", card, List.of("MJPG"),
                List.of(VGA))).with("problem", Optional.of("gone </script>")).service();
        JsonObject state = parse(documents.state(camera, List.of(camera), NONE));
        assertThat(state.getString("card")).isEqualTo(card);
        assertThat(state.getString("problem")).isEqualTo("gone </script>");
        assertThat(parse(documents.program(List.of(camera))).getJsonArray("inputs").getJsonObject(0)
                .getString("name")).isEqualTo(card);
    }

    /** mjpg-streamer writes every value of input_N.json as a string; clients parse them from strings. */
    @Test
    void inputHasEveryValueAsAStringAndMjpgStreamersJpegQualityLast() {
        FakeCamera fake = new FakeCamera(FakeCamera.device("0", "uvcvideo", VGA, FULL_HD));
        fake.controls.add(control(9963776, "Brightness", 10));
        fake.controls.add(new CameraControl(10094849, "Auto Exposure", ControlType.MENU, 0, 3, 1, 3, 3, 0,
                Map.of(1, "Manual Mode", 3, "Aperture Priority Mode")));
        JsonObject input = parse(documents.input(fake.service()));
        List<JsonObject> controls = input.getJsonArray("controls").getValuesAs(JsonObject.class);
        assertThat(controls).extracting(c -> c.getString("name"))
                .containsExactly("Brightness", "Auto Exposure", "JPEG quality");
        assertThat(controls.get(0).keySet()).containsExactly("name", "id", "type", "min", "max", "step", "default",
                "value", "dest", "flags", "group");
        for (JsonObject control : controls) {
            assertThat(control.values())
                    .allMatch(v -> v instanceof JsonString || v.getValueType() == JsonValue.ValueType.OBJECT);
        }
        assertThat(controls.get(0).getString("id")).isEqualTo("9963776");
        assertThat(controls.get(0).getString("value")).isEqualTo("10");
        assertThat(controls.get(1).getJsonObject("menu"))
                .containsEntry("0", json.createValue("")).containsEntry("1", json.createValue("Manual Mode"))
                .containsEntry("2", json.createValue("")).hasSize(4);
        assertThat(controls.get(2).getString("id")).isEqualTo("1");
        assertThat(controls.get(2).getString("group")).isEqualTo("3");
        JsonObject format = input.getJsonArray("formats").getJsonObject(0);
        assertThat(format.keySet()).containsExactly("id", "name", "compressed", "emulated", "current",
                "resolutions", "currentResolution");
        assertThat(format.getJsonObject("resolutions").getString("1")).isEqualTo("1920x1080");
        assertThat(format.getString("currentResolution")).isEqualTo("0");
    }

    @Test
    void programNamesEachCameraAsAnInputOfMjpgStreamer() {
        CameraService camera = new FakeCamera(FakeCamera.device("0", "uvcvideo", VGA)).service();
        JsonObject program = parse(documents.program(List.of(camera)));
        JsonObject input = program.getJsonArray("inputs").getJsonObject(0);
        assertThat(input.getString("id")).isEqualTo("0");
        assertThat(input.getString("plugin")).isEqualTo("input_uvc.so");
        assertThat(input.getString("args")).isEqualTo(" -d /dev/video0 -r 640x480 -f 30");
        assertThat(program.getJsonArray("outputs").getJsonObject(0).getString("plugin")).isEqualTo("output_http.so");
    }

    /** A camera whose JPEG quality is not V4L2's control says so through the API; web knows no control ids. */
    @Test
    void theJpegQualityIsTheControlTheCameraNamesAsSuch() {
        FakeCamera fake = new FakeCamera(FakeCamera.device("0", "other", VGA));
        CameraControl quality = control(42, "Compression", 70);
        fake.controls.add(quality);
        fake.with("jpegQuality", Optional.of(quality));
        CameraService camera = fake.service();

        List<JsonObject> controls = parse(documents.input(camera)).getJsonArray("controls")
                .getValuesAs(JsonObject.class);
        assertThat(controls.get(controls.size() - 1).getString("value")).isEqualTo("70");
        assertThat(parse(documents.state(camera, List.of(camera), NONE)).getBoolean("jpegQualityControl")).isTrue();
        MjpgStreamer.Outcome outcome = MjpgStreamer.command(camera, MjpgStreamer.GROUP_JPEG_QUALITY,
                MjpgStreamer.JPEG_QUALITY_ID, 55);
        assertThat(outcome.taken()).isTrue();
        assertThat(outcome.refusal()).isNull();
        assertThat(fake.set).containsExactly(42);
    }

    @Test
    void aV4l2CameraHasItsJpegQualityByTheApisDefault() {
        FakeCamera fake = new FakeCamera(FakeCamera.device("0", "uvcvideo", VGA));
        fake.controls.add(control(CameraControl.JPEG_QUALITY, "Compression Quality", 80));
        CameraService camera = fake.service();
        assertThat(parse(documents.state(camera, List.of(camera), NONE)).getBoolean("jpegQualityControl")).isTrue();
        assertThat(MjpgStreamer.command(camera, MjpgStreamer.GROUP_JPEG_QUALITY, MjpgStreamer.JPEG_QUALITY_ID, 60)
                .taken()).isTrue();
        assertThat(fake.set).containsExactly(CameraControl.JPEG_QUALITY);

        FakeCamera without = new FakeCamera(FakeCamera.device("1", "uvcvideo", VGA));
        MjpgStreamer.Outcome answered = MjpgStreamer.command(without.service(), MjpgStreamer.GROUP_JPEG_QUALITY,
                MjpgStreamer.JPEG_QUALITY_ID, 60);
        assertThat(answered.taken()).as("answered 0 as mjpg-streamer does").isTrue();
        assertThat(without.set).isEmpty();
    }
}
