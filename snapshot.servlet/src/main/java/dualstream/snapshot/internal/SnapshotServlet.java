package dualstream.snapshot.internal;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.http.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dualstream.camera.api.CameraService;
import dualstream.camera.api.Frame;
import dualstream.camera.support.Cameras;

/** One full-resolution JPEG, captured after the request arrived. */
@Component(service = Servlet.class, configurationPid = SnapshotServlet.PID)
@Designate(ocd = SnapshotServlet.Config.class)
@HttpWhiteboardServletName("dualstream-snapshot")
@HttpWhiteboardServletPattern("/snapshot")
@RequireHttpWhiteboard
public final class SnapshotServlet extends HttpServlet {

    static final String PID = "dualstream.snapshot";
    private static final long serialVersionUID = 1L;

    @ObjectClassDefinition(name = "dualstream snapshot", description = "The full-resolution still servlet.")
    public @interface Config {
        @AttributeDefinition(name = "Paths", description = "Servlet patterns the snapshot answers on.")
        String[] osgi_http_whiteboard_servlet_pattern() default {"/snapshot"};

        @AttributeDefinition(name = "Timeout (ms)", min = "100",
                description = "How long to wait for the camera's still before answering 503.")
        long timeoutMillis() default 10_000;

        @AttributeDefinition(name = "Retry-After (s)", min = "1",
                description = "Retry-After sent with 503 while no camera is available.")
        int retryAfterSeconds() default 5;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<CameraService> cameras;

    private final transient Logger log;
    private final long timeoutMillis;
    private final int retryAfterSeconds;

    @Activate
    public SnapshotServlet(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.timeoutMillis = Math.max(100, config.timeoutMillis());
        this.retryAfterSeconds = Math.max(1, config.retryAfterSeconds());
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<CameraService> present = cameras;
        String id = req.getParameter("camera");
        Optional<CameraService> camera = Cameras.select(present, id);
        if (camera.isEmpty()) {
            if (present.isEmpty()) {
                unavailable(resp, "No camera is available.");
            } else {
                resp.sendError(HttpServletResponse.SC_NOT_FOUND, "No camera '" + id + "'.");
            }
            return;
        }
        CompletableFuture<Frame> still = camera.get().captureStill().toCompletableFuture();
        Frame frame;
        try {
            frame = still.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            still.cancel(false);
            unavailable(resp, "The camera gave no still within " + timeoutMillis + " ms.");
            return;
        } catch (ExecutionException e) {
            log.debug("still failed: {}", e.getCause().toString());
            unavailable(resp, "The camera could not take a still: " + e.getCause().getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unavailable(resp, "Interrupted.");
            return;
        }
        noCache(resp);
        resp.setContentType("image/jpeg");
        resp.setContentLength(frame.length());
        long micros = frame.captureTimeMicros();
        resp.setHeader("X-Timestamp", String.format("%d.%06d", micros / 1_000_000, micros % 1_000_000));
        frame.writeTo(resp.getOutputStream());
    }

    private void unavailable(HttpServletResponse resp, String reason) throws IOException {
        resp.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        resp.setHeader("Retry-After", Integer.toString(retryAfterSeconds));
        noCache(resp);
        resp.setContentType("text/plain;charset=utf-8");
        resp.getWriter().println(reason);
    }

    private static void noCache(HttpServletResponse resp) {
        resp.setHeader("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0");
        resp.setHeader("Pragma", "no-cache");
        resp.setHeader("Expires", "Mon, 3 Jan 2000 12:34:56 GMT");
    }
}
