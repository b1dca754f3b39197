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
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dualstream.camera.api.CameraService;
import dualstream.camera.api.Frame;
import dualstream.http.support.BadRequestException;
import dualstream.http.support.DualstreamHttp;
import dualstream.http.support.Requests;
import dualstream.http.support.Responses;

/**
 * One full-resolution JPEG, captured after the request arrived. Headers go out only once the frame exists: Octolapse
 * resumes the printer as soon as it sees them. Also answers mjpg-streamer's {@code /?action=snapshot[_N]}.
 */
@Component(service = Servlet.class, configurationPid = SnapshotServlet.PID)
@Designate(ocd = SnapshotServlet.Config.class)
@HttpWhiteboardServletName(DualstreamHttp.SNAPSHOT_SERVLET)
@HttpWhiteboardServletPattern("/snapshot")
@HttpWhiteboardContextSelect(DualstreamHttp.CONTEXT_SELECT)
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

    /** Headers only, and no still: taking one would pause the live stream for an answer nobody reads. */
    @Override
    protected void doHead(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (choose(req, resp).isPresent()) {
            Responses.common(resp);
            resp.setContentType("image/jpeg");
        }
    }

    /** The camera a request asks for, or an answer already sent: 400 for a bad parameter of ours, 404, 503. */
    private Optional<CameraService> choose(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Optional<Integer> index;
        try {
            index = Requests.actionIndex(req, "snapshot");
        } catch (BadRequestException e) {
            Responses.badRequest(resp, e.getMessage());
            return Optional.empty();
        }
        return Responses.cameraOrAnswer(cameras, Requests.CameraChoice.of(req, index), resp, retryAfterSeconds);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Optional<CameraService> camera = choose(req, resp);
        if (camera.isEmpty()) {
            return;
        }
        CompletableFuture<Frame> still = camera.get().captureStill().toCompletableFuture();
        Frame frame;
        try {
            frame = still.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            still.cancel(false);
            Responses.unavailable(resp, retryAfterSeconds, "The camera gave no still within " + timeoutMillis + " ms.");
            return;
        } catch (ExecutionException e) {
            log.debug("still failed: {}", e.getCause().toString());
            Responses.unavailable(resp, retryAfterSeconds, "The camera could not take a still: "
                    + e.getCause().getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Responses.unavailable(resp, retryAfterSeconds, "Interrupted.");
            return;
        }
        Responses.common(resp);
        resp.setContentType("image/jpeg");
        resp.setContentLength(frame.length());
        resp.setHeader("X-Timestamp", Responses.timestamp(frame.captureTimeMicros()));
        try {
            frame.writeTo(resp.getOutputStream());
        } catch (IOException clientLeft) {
            // The client's choice, not a fault of ours: no stack trace in the log.
            log.debug("still not delivered to {}: {}", req.getRemoteAddr(), clientLeft.toString());
        }
    }
}
