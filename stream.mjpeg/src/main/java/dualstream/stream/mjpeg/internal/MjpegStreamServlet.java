package dualstream.stream.mjpeg.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.http.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dualstream.camera.api.CameraService;
import dualstream.camera.api.CameraUnavailableException;
import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;
import dualstream.http.support.BadRequestException;
import dualstream.http.support.DualstreamHttp;
import dualstream.http.support.Requests;
import dualstream.http.support.Responses;

/**
 * The live stream of a camera as multipart/x-mixed-replace JPEG parts. Also answers mjpg-streamer's
 * {@code /?action=stream[_N]}, which the page servlet forwards here by name.
 */
@Component(service = Servlet.class, configurationPid = MjpegStreamServlet.PID)
@Designate(ocd = MjpegStreamServlet.Config.class)
@HttpWhiteboardServletName(DualstreamHttp.STREAM_SERVLET)
@HttpWhiteboardServletPattern("/stream")
@HttpWhiteboardContextSelect(DualstreamHttp.CONTEXT_SELECT)
@RequireHttpWhiteboard
public final class MjpegStreamServlet extends HttpServlet {

    static final String PID = "dualstream.stream";
    private static final long serialVersionUID = 1L;

    @ObjectClassDefinition(name = "dualstream MJPEG stream", description = "The live stream servlet.")
    public @interface Config {
        @AttributeDefinition(name = "Paths", description = "Servlet patterns the stream answers on.")
        String[] osgi_http_whiteboard_servlet_pattern() default {"/stream"};

        @AttributeDefinition(name = "Keep-alive (ms)", min = "100",
                description = "With no new frame for this long, the last frame is sent again so clients and proxies"
                        + " do not time out.")
        long keepAliveMillis() default 1000;

        @AttributeDefinition(name = "Retry-After (s)", min = "1",
                description = "Retry-After sent with 503 while no camera is available.")
        int retryAfterSeconds() default 5;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<CameraService> cameras;

    private final transient Logger log;
    private final long keepAliveMillis;
    private final int retryAfterSeconds;
    private final transient MultipartWriter writer = new MultipartWriter();
    private final transient Set<LiveStream> open = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    @Activate
    public MjpegStreamServlet(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.keepAliveMillis = Math.max(100, config.keepAliveMillis());
        this.retryAfterSeconds = Math.max(1, config.retryAfterSeconds());
    }

    /** Ends every open stream so that their request threads return and the bundle can go at once. */
    @Deactivate
    void deactivate() {
        stopping = true;
        open.forEach(LiveStream::close);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Optional<Integer> index;
        Optional<Integer> fps;
        try {
            String action = req.getParameter("action");
            index = action == null ? Optional.empty() : Requests.index(action, "stream");
            fps = Requests.integer(req, "fps", 1, 120);
        } catch (BadRequestException e) {
            Responses.badRequest(resp, e.getMessage());
            return;
        }
        if (stopping) {
            Responses.unavailable(resp, retryAfterSeconds, "The stream is restarting.");
            return;
        }
        Optional<CameraService> camera = Responses.cameraOrAnswer(cameras,
                Requests.CameraChoice.of(req, index), resp, retryAfterSeconds);
        if (camera.isPresent()) {
            stream(camera.get(), fps.orElse(0), req, resp);
        }
    }

    private void stream(CameraService camera, int fps, HttpServletRequest req, HttpServletResponse resp)
            throws IOException {
        long minimumSpacingMicros = fps == 0 ? 0 : 900_000L / fps; // 10 % slack for capture jitter
        LiveStream stream = camera.openStream();
        open.add(stream);
        try {
            Responses.common(resp);
            resp.setHeader("Connection", "close");
            resp.setContentType(MultipartWriter.CONTENT_TYPE);
            OutputStream out = resp.getOutputStream();
            writer.writeOpening(out);
            out.flush();
            Frame last = null;
            while (!stopping) {
                Frame frame = stream.next(keepAliveMillis, TimeUnit.MILLISECONDS);
                if (frame == null) {
                    frame = last; // stalled camera: repeat, so clients and proxies do not time out
                } else if (last != null && frame.captureTimeMicros() - last.captureTimeMicros() < minimumSpacingMicros) {
                    continue;
                }
                if (frame != null) {
                    writer.writePart(out, frame);
                    out.flush();
                    last = frame;
                }
            }
        } catch (CameraUnavailableException e) {
            log.debug("stream ended: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.debug("stream client {} went away: {}", req.getRemoteAddr(), e.toString());
        } finally {
            open.remove(stream);
            stream.close();
        }
    }
}
