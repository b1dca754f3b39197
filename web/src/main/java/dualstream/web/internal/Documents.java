package dualstream.web.internal;

import java.util.List;
import java.util.Map;

import dualstream.camera.api.CameraControl;
import dualstream.camera.api.CameraInfo;
import dualstream.camera.api.CameraService;
import dualstream.camera.api.CameraStatistics;
import dualstream.camera.api.ControlType;
import dualstream.camera.api.Resolution;

/** The JSON documents: our /state and mjpg-streamer's input_N.json and program.json. */
final class Documents {

    /** Menus are a handful of entries; a driver reporting millions is not listed in full. */
    private static final int MENU_LIMIT = 1024;

    private Documents() {
    }

    static String state(CameraService camera, List<CameraService> all, CommandRefusals.Refusals refusals) {
        CameraInfo info = camera.info();
        CameraStatistics stats = camera.statistics();
        Json json = new Json().open('{');
        json.field("id", info.id()).field("device", info.device()).field("driver", info.driver())
                .field("card", info.card()).field("testPattern", isTestPattern(info))
                .field("state", camera.state().name().toLowerCase(java.util.Locale.ROOT))
                .key("problem").value(camera.problem().orElse(null))
                .field("streamSize", camera.streamSize().toString()).field("stillSize", camera.stillSize().toString())
                .field("targetFps", camera.targetFps())
                .field("measuredFps", Math.round(stats.measuredFps() * 10) / 10.0)
                .field("clients", stats.clients()).field("frames", stats.frames()).field("dropped", stats.dropped())
                .field("broken", stats.broken()).field("stills", stats.stills());
        json.key("lastStillLatencyMillis");
        if (stats.lastStillLatency().isPresent()) {
            json.value(stats.lastStillLatency().get().toMillis());
        } else {
            json.value((String) null);
        }
        json.key("lastStill");
        camera.lastStill().ifPresentOrElse(still -> json.open('{').field("size", still.size().toString())
                .field("settleMillis", still.settle().toMillis()).field("framesSkipped", still.framesSkipped())
                .field("stoppedBy", still.stoppedBy()).field("exposureLocked", still.exposureLocked())
                .field("streamFramesWithheld", still.streamFramesWithheld()).close('}'), () -> json.value((String) null));
        json.field("commandsRefused", refusals.count()).key("lastCommandRefusal").value(refusals.last());
        // mjpg-streamer's "JPEG quality" command is answered either way; only a camera with the control applies it.
        json.field("jpegQualityControl", MjpgStreamer.jpegQuality(camera).isPresent());
        json.key("sizes").open('[');
        for (Resolution size : info.sizes()) {
            json.value(size.toString());
        }
        json.close(']');
        json.key("settings").open('{');
        for (Map.Entry<String, Object> setting : camera.settings().entrySet()) {
            json.key(setting.getKey());
            if (setting.getValue() instanceof Number number) {
                json.value(number);
            } else if (setting.getValue() instanceof Boolean flag) {
                json.value(flag);
            } else {
                json.value(String.valueOf(setting.getValue()));
            }
        }
        json.close('}');
        json.key("cameras").open('[');
        for (CameraService other : all) {
            json.value(other.info().id());
        }
        json.close(']');
        return json.close('}').toString();
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
                    .append(camera.state().name().toLowerCase(java.util.Locale.ROOT))
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
        return "dualstream".equals(info.driver());
    }

    /** mjpg-streamer's controls document: every number as a string, as mjpg-streamer writes it. */
    static String input(CameraService camera) {
        Json json = new Json().open('{').newline();
        json.key("controls").open('[').newline();
        for (CameraControl control : camera.controls()) {
            control(json, control, MjpgStreamer.GROUP_V4L2);
        }
        // Listed by mjpg-streamer after the camera's own, whatever the camera: Octolapse recognises cameras by it.
        int quality = MjpgStreamer.jpegQuality(camera).map(CameraControl::value).orElse(0);
        control(json, new CameraControl(MjpgStreamer.JPEG_QUALITY_ID, "JPEG quality", ControlType.INTEGER, 0, 100, 1,
                MjpgStreamer.JPEG_QUALITY_DEFAULT, quality, 0, Map.of()), MjpgStreamer.GROUP_JPEG_QUALITY);
        json.close(']').newline();
        json.key("formats").open('[').newline().open('{').newline();
        List<Resolution> sizes = camera.info().sizes();
        json.field("id", "0").newline().field("name", "Motion-JPEG").newline().field("compressed", "true").newline()
                .field("emulated", "false").newline().field("current", "true").newline();
        json.key("resolutions").open('{');
        for (int i = 0; i < sizes.size(); i++) {
            json.field(Integer.toString(i), sizes.get(i).toString());
        }
        json.close('}').newline();
        json.field("currentResolution", Integer.toString(Math.max(0, sizes.indexOf(camera.streamSize())))).newline();
        json.close('}').newline().close(']').newline();
        return json.close('}').newline().toString();
    }

    private static void control(Json json, CameraControl control, long group) {
        json.open('{').newline();
        json.field("name", control.name()).newline()
                .field("id", Integer.toString(control.id())).newline()
                .field("type", Integer.toString(control.type() == ControlType.OTHER ? 0 : control.type().code()))
                .newline()
                .field("min", Integer.toString(control.minimum())).newline()
                .field("max", Integer.toString(control.maximum())).newline()
                .field("step", Integer.toString(control.step())).newline()
                .field("default", Integer.toString(control.defaultValue())).newline()
                .field("value", Integer.toString(control.value())).newline()
                .field("dest", "0").newline()
                .field("flags", Integer.toString(control.flags())).newline()
                .field("group", Long.toString(group));
        if (control.type() == ControlType.MENU) {
            // Every index from min to max, as mjpg-streamer lists them; those the driver has no entry for it fills
            // from memory it never cleared, which is "" where that memory was zero: the only form clients can match.
            json.newline().key("menu").open('{');
            long first = Math.max(0, control.minimum());
            for (long index = first; index <= Math.min(control.maximum(), first + MENU_LIMIT - 1); index++) {
                json.field(Long.toString(index), control.menu().getOrDefault((int) index, ""));
            }
            json.close('}');
        }
        json.newline().close('}').newline();
    }

    static String program(List<CameraService> cameras) {
        Json json = new Json().open('{').newline();
        json.key("inputs").open('[').newline();
        for (int i = 0; i < cameras.size(); i++) {
            CameraService camera = cameras.get(i);
            CameraInfo info = camera.info();
            json.open('{').newline().field("id", Integer.toString(i)).newline()
                    .field("name", info.card().isEmpty() ? "Camera " + info.id() : info.card()).newline()
                    .field("plugin", "input_uvc.so").newline()
                    .field("args", " -d " + info.device() + " -r " + camera.streamSize() + " -f " + camera.targetFps())
                    .newline().close('}').newline();
        }
        json.close(']').newline();
        json.key("outputs").open('[').newline().open('{').newline().field("id", "0").newline()
                .field("name", "HTTP output plugin").newline().field("plugin", "output_http.so").newline()
                .field("args", "").newline().close('}').newline().close(']');
        return json.close('}').newline().toString();
    }
}
