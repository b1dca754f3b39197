package dualstream.http.support;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import javax.servlet.http.HttpServletResponse;

import dualstream.camera.api.CameraService;
import dualstream.camera.api.Timing;

/** Response headers and short answers, the same from every servlet. */
public final class Responses {

    private Responses() {
    }

    /** Headers every answer carries: no caching anywhere, and the server's name. */
    public static void common(HttpServletResponse resp) {
        resp.setHeader("Server", DualstreamHttp.SERVER);
        resp.setHeader("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0");
        resp.setHeader("Pragma", "no-cache");
        resp.setHeader("Expires", "Mon, 3 Jan 2000 12:34:56 GMT");
    }

    /** {@code <seconds>.<microseconds>}, as mjpg-streamer writes X-Timestamp. */
    public static String timestamp(long epochMicros) {
        // Written once per frame: String.format cost a fifth of the stream writer's time.
        String micros = Long.toString(1_000_000 + Math.floorMod(epochMicros, 1_000_000L));
        return Math.floorDiv(epochMicros, 1_000_000L) + "." + micros.substring(1);
    }

    /**
     * A {@code Server-Timing} value (W3C Server Timing) for a still's phases, in milliseconds to a tenth: browsers'
     * developer tools and the benchmark show where a still's time went.
     */
    public static String serverTiming(List<Timing> timings) {
        StringBuilder value = new StringBuilder();
        for (Timing timing : timings) {
            long tenths = (timing.duration().toNanos() + 50_000) / 100_000;
            if (value.length() > 0) {
                value.append(", ");
            }
            value.append(timing.name()).append(";dur=").append(tenths / 10).append('.').append(tenths % 10);
            if (timing.description() != null && !timing.description().isEmpty()) {
                value.append(";desc=\"");
                timing.description().chars().filter(c -> c >= 0x20 && c < 0x7F).forEach(c -> {
                    if (c == '"' || c == '\\') {
                        value.append('\\');
                    }
                    value.append((char) c);
                });
                value.append('"');
            }
        }
        return value.toString();
    }

    public static void text(HttpServletResponse resp, int status, String line) throws IOException {
        common(resp);
        resp.setStatus(status);
        resp.setContentType("text/plain;charset=utf-8");
        resp.getWriter().println(line);
    }

    /** 503 with Retry-After: the camera (or a part of the server) is not there now, but may be soon. */
    public static void unavailable(HttpServletResponse resp, int retryAfterSeconds, String line) throws IOException {
        resp.setHeader("Retry-After", Integer.toString(retryAfterSeconds));
        text(resp, HttpServletResponse.SC_SERVICE_UNAVAILABLE, line);
    }

    public static void badRequest(HttpServletResponse resp, String line) throws IOException {
        text(resp, HttpServletResponse.SC_BAD_REQUEST, line);
    }

    /**
     * The camera a request chose, or an answer already sent: 503 while there is no camera at all, 404 for one that
     * does not exist.
     */
    public static Optional<CameraService> cameraOrAnswer(List<CameraService> cameras, Requests.CameraChoice choice,
            HttpServletResponse resp, int retryAfterSeconds) throws IOException {
        Optional<CameraService> camera = choice.select(cameras);
        if (camera.isEmpty()) {
            if (cameras.isEmpty()) {
                unavailable(resp, retryAfterSeconds, "No camera is available.");
            } else {
                text(resp, HttpServletResponse.SC_NOT_FOUND, "No camera " + choice.describe() + ".");
            }
        }
        return camera;
    }
}
