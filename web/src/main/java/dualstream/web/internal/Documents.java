package dualstream.web.internal;

import java.io.StringWriter;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import dualstream.camera.api.CameraControl;
import dualstream.camera.api.CameraInfo;
import dualstream.camera.api.CameraKind;
import dualstream.camera.api.CameraService;
import dualstream.camera.api.CameraStatistics;
import dualstream.camera.api.ControlType;
import dualstream.camera.api.Orientation;
import dualstream.camera.api.Resolution;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonGenerator;
import jakarta.json.stream.JsonGeneratorFactory;

/** The JSON documents: our /state and mjpg-streamer's input_N.json and program.json. */
final class Documents {

    /** Menus are a handful of entries; a driver reporting millions is not listed in full. */
    private static final int MENU_LIMIT = 1024;

    private final JsonGeneratorFactory compact;
    /** mjpg-streamer writes its documents a member a line, for people who read them; so do we. */
    private final JsonGeneratorFactory pretty;

    Documents(JsonProvider json) {
        this.compact = json.createGeneratorFactory(Map.of());
        this.pretty = json.createGeneratorFactory(Map.of(JsonGenerator.PRETTY_PRINTING, true));
    }

    private static String write(JsonGeneratorFactory factory, Consumer<JsonGenerator> document) {
        StringWriter out = new StringWriter(1024);
        try (JsonGenerator json = factory.createGenerator(out)) {
            document.accept(json);
        }
        return out.toString();
    }

    /** Ends with a line break, as mjpg-streamer's do, for a terminal that shows them. */
    private String pretty(Consumer<JsonGenerator> document) {
        return write(pretty, document) + "\n";
    }

    String state(CameraService camera, List<CameraService> all, CommandRefusals.Refusals refusals) {
        return write(compact, json -> state(json, camera, all, refusals));
    }

    private static void state(JsonGenerator json, CameraService camera, List<CameraService> all,
            CommandRefusals.Refusals refusals) {
        CameraInfo info = camera.info();
        CameraStatistics stats = camera.statistics();
        json.writeStartObject().write("id", info.id()).write("device", info.device()).write("driver", info.driver())
                .write("card", info.card()).write("testPattern", isTestPattern(info))
                .write("state", camera.state().name().toLowerCase(Locale.ROOT));
        stringOrNull(json, "problem", camera.problem().orElse(null));
        json.write("streamSize", camera.streamSize().toString()).write("stillSize", camera.stillSize().toString())
                .write("targetFps", camera.targetFps())
                .write("measuredFps", Math.round(stats.measuredFps() * 10) / 10.0)
                .write("clients", stats.clients()).write("frames", stats.frames()).write("dropped", stats.dropped())
                .write("broken", stats.broken()).write("stills", stats.stills());
        stats.lastStillLatency().ifPresentOrElse(latency -> json.write("lastStillLatencyMillis", latency.toMillis()),
                () -> json.writeNull("lastStillLatencyMillis"));
        camera.lastStill().ifPresentOrElse(still -> json.writeStartObject("lastStill")
                .write("size", still.size().toString()).write("settleMillis", still.settle().toMillis())
                .write("framesSkipped", still.framesSkipped()).write("stoppedBy", still.stoppedBy())
                .write("exposureLocked", still.exposureLocked())
                .write("streamFramesWithheld", still.streamFramesWithheld()).writeEnd(),
                () -> json.writeNull("lastStill"));
        json.write("commandsRefused", refusals.count());
        stringOrNull(json, "lastCommandRefusal", refusals.last());
        // mjpg-streamer's "JPEG quality" command is answered either way; only a camera with the control applies it.
        json.write("jpegQualityControl", camera.jpegQuality().isPresent());
        json.writeStartArray("sizes");
        info.sizes().forEach(size -> json.write(size.toString()));
        json.writeEnd().writeStartObject("settings");
        camera.settings().forEach((name, value) -> setting(json, name, value));
        Orientation.Applied turned = camera.orientation();
        // What is asked, and where it is made: the camera's own mirrors, the EXIF orientation of every JPEG, or both.
        json.writeEnd().writeStartObject("orientation").write("rotation", turned.wanted().rotation())
                .write("flipHorizontal", turned.wanted().flipHorizontal())
                .write("flipVertical", turned.wanted().flipVertical())
                .write("byCamera", turned.cameraMirrorsH() ? turned.cameraMirrorsV() ? "hflip+vflip" : "hflip"
                        : turned.cameraMirrorsV() ? "vflip" : "none")
                .write("exif", turned.exif());
        json.writeEnd().writeStartArray("cameras");
        all.forEach(other -> json.write(other.info().id()));
        json.writeEnd().writeEnd();
    }

    private static void stringOrNull(JsonGenerator json, String name, String value) {
        if (value == null) {
            json.writeNull(name);
        } else {
            json.write(name, value);
        }
    }

    /** A number as the number it is (an integer without a fraction), a flag as a flag, anything else as text. */
    private static void setting(JsonGenerator json, String name, Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            json.write(name, ((Number) value).longValue());
        } else if (value instanceof Number number && Double.isFinite(number.doubleValue())) {
            json.write(name, new BigDecimal(number.toString()));
        } else if (value instanceof Boolean flag) {
            json.write(name, flag);
        } else {
            json.write(name, String.valueOf(value));
        }
    }

    /**
     * For the page, when there are several cameras: links to each, and with none chosen, all their live streams.
     *
     * @param chosen the request's camera, or {@code null}
     * @param token the request's token, kept on every link, or {@code null}
     */
    static String cameraList(List<CameraService> cameras, String chosen, String token) {
        if (cameras.size() < 2) {
            return "";
        }
        String kept = token == null || token.isEmpty() ? "" : "&amp;token=" + html(urlEncoded(token));
        StringBuilder nav = new StringBuilder("<nav id=\"cameras\">Cameras:");
        StringBuilder all = new StringBuilder("<div id=\"overview\">");
        for (CameraService camera : cameras) {
            String id = camera.info().id();
            String query = "?camera=" + html(urlEncoded(id)) + kept;
            nav.append(" <a href=\"").append(query).append('"')
                    .append(id.equals(chosen) ? " aria-current=\"page\"" : "").append('>').append(html(id))
                    .append("</a>");
            all.append("<figure><a href=\"").append(query).append("\"><img src=\"stream").append(query)
                    .append("\" alt=\"").append(html(id)).append(" live\"></a><figcaption>").append(html(id))
                    .append(" (").append(html(camera.info().card())).append(", ")
                    .append(camera.state().name().toLowerCase(Locale.ROOT))
                    .append(")</figcaption></figure>");
        }
        nav.append("</nav>");
        return chosen == null || chosen.isEmpty() ? nav + all.append("</div>").toString() : nav.toString();
    }

    private static String urlEncoded(String text) {
        return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String html(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }

    static boolean isTestPattern(CameraInfo info) {
        return info.kind() == CameraKind.TEST_PATTERN;
    }

    /** mjpg-streamer's controls document: every number as a string, as mjpg-streamer writes it. */
    String input(CameraService camera) {
        return pretty(json -> {
            json.writeStartObject().writeStartArray("controls");
            for (CameraControl control : camera.controls()) {
                control(json, control, MjpgStreamer.GROUP_V4L2);
            }
            // Listed by mjpg-streamer after the camera's own, whatever the camera: Octolapse recognises cameras by it.
            int quality = camera.jpegQuality().map(CameraControl::value).orElse(0);
            control(json, new CameraControl(MjpgStreamer.JPEG_QUALITY_ID, "JPEG quality", ControlType.INTEGER, 0,
                    100, 1, MjpgStreamer.JPEG_QUALITY_DEFAULT, quality, 0, Map.of()), MjpgStreamer.GROUP_JPEG_QUALITY);
            List<Resolution> sizes = camera.info().sizes();
            json.writeEnd().writeStartArray("formats").writeStartObject().write("id", "0").write("name", "Motion-JPEG")
                    .write("compressed", "true").write("emulated", "false").write("current", "true")
                    .writeStartObject("resolutions");
            for (int i = 0; i < sizes.size(); i++) {
                json.write(Integer.toString(i), sizes.get(i).toString());
            }
            json.writeEnd()
                    .write("currentResolution", Integer.toString(Math.max(0, sizes.indexOf(camera.streamSize()))))
                    .writeEnd().writeEnd().writeEnd();
        });
    }

    private static void control(JsonGenerator json, CameraControl control, long group) {
        json.writeStartObject().write("name", control.name()).write("id", Integer.toString(control.id()))
                .write("type", Integer.toString(control.type() == ControlType.OTHER ? 0 : control.type().code()))
                .write("min", Integer.toString(control.minimum())).write("max", Integer.toString(control.maximum()))
                .write("step", Integer.toString(control.step()))
                .write("default", Integer.toString(control.defaultValue()))
                .write("value", Integer.toString(control.value())).write("dest", "0")
                .write("flags", Integer.toString(control.flags())).write("group", Long.toString(group));
        if (control.type() == ControlType.MENU) {
            // Every index from min to max, as mjpg-streamer lists them; those the driver has no entry for it fills
            // from memory it never cleared, which is "" where that memory was zero: the only form clients can match.
            json.writeStartObject("menu");
            long first = Math.max(0, control.minimum());
            for (long index = first; index <= Math.min(control.maximum(), first + MENU_LIMIT - 1); index++) {
                json.write(Long.toString(index), control.menu().getOrDefault((int) index, ""));
            }
            json.writeEnd();
        }
        json.writeEnd();
    }

    String program(List<CameraService> cameras) {
        return pretty(json -> {
            json.writeStartObject().writeStartArray("inputs");
            for (int i = 0; i < cameras.size(); i++) {
                CameraService camera = cameras.get(i);
                CameraInfo info = camera.info();
                json.writeStartObject().write("id", Integer.toString(i))
                        .write("name", info.card().isEmpty() ? "Camera " + info.id() : info.card())
                        .write("plugin", "input_uvc.so")
                        .write("args", " -d " + info.device() + " -r " + camera.streamSize() + " -f "
                                + camera.targetFps())
                        .writeEnd();
            }
            json.writeEnd().writeStartArray("outputs").writeStartObject().write("id", "0")
                    .write("name", "HTTP output plugin").write("plugin", "output_http.so").write("args", "").writeEnd()
                    .writeEnd().writeEnd();
        });
    }
}
