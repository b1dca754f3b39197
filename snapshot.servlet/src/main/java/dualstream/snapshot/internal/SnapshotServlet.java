package dualstream.snapshot.internal;

import java.io.IOException;
import java.time.Instant;
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
import dualstream.camera.api.CameraUnavailableException;
import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;
import dualstream.camera.api.Resolution;
import dualstream.http.support.BadRequestException;
import dualstream.http.support.DualstreamHttp;
import dualstream.http.support.Requests;
import dualstream.http.support.Responses;

/**
 * One full-resolution JPEG, captured after the request arrived. Headers go out only once the frame exists: Octolapse
 * resumes the printer as soon as it sees them. Also answers mjpg-streamer's {@code /?action=snapshot[_N]}; at
 * {@code /snapshot/stream} or with {@code ?size=stream}, the next live frame (no resolution switch) for clients that
 * poll; with {@code ?size=WxH}, a still at any size the camera offers.
 */
@Component(service = Servlet.class, configurationPid = SnapshotServlet.PID)
@Designate(ocd = SnapshotServlet.Config.class)
@HttpWhiteboardServletName(DualstreamHttp.SNAPSHOT_SERVLET)
@HttpWhiteboardServletPattern({"/snapshot", SnapshotServlet.STREAM_PATH})
@HttpWhiteboardContextSelect(DualstreamHttp.CONTEXT_SELECT)
@RequireHttpWhiteboard
public final class SnapshotServlet extends HttpServlet {

    static final String PID = "dualstream.snapshot";
    /** The cheap snapshot's own path: the next live frame, at the stream's size, without a resolution switch. */
    static final String STREAM_PATH = "/snapshot/stream";
    private static final long serialVersionUID = 1L;

    @ObjectClassDefinition(name = "dualstream snapshot", description = "The full-resolution still servlet.")
    public @interface Config {
        @AttributeDefinition(name = "Paths", description = "Servlet patterns the snapshot answers on.")
        String[] osgi_http_whiteboard_servlet_pattern() default {"/snapshot", STREAM_PATH};

        @AttributeDefinition(name = "Timeout (ms)", min = "100",
                description = "How long to wait for the camera's still before answering 503.")
        long timeoutMillis() default 10_000;

        @AttributeDefinition(name = "Retry-After (s)", min = "1",
                description = "Retry-After sent with 503 while no camera is available.")
        int retryAfterSeconds() default 5;

        @AttributeDefinition(name = "Stream frame timeout (ms)", min = "100",
                description = "How long a snapshot at the stream's size waits for the next live frame before 503.")
        long frameTimeoutMillis() default 2000;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<CameraService> cameras;

    private final transient Logger log;
    private final long timeoutMillis;
    private final long frameTimeoutMillis;
    private final int retryAfterSeconds;

    @Activate
    public SnapshotServlet(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.timeoutMillis = Math.max(100, config.timeoutMillis());
        this.frameTimeoutMillis = Math.max(100, config.frameTimeoutMillis());
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

    /** What a request asks for: a camera, and a still size, or none for the next live frame. */
    private record Request(CameraService camera, Resolution stillSize) {
    }

    /** The request's camera and size, or an answer already sent: 400 for a bad parameter of ours, 404, 503. */
    private Optional<Request> choose(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Optional<Integer> index;
        try {
            index = Requests.actionIndex(req, "snapshot");
        } catch (BadRequestException e) {
            Responses.badRequest(resp, e.getMessage());
            return Optional.empty();
        }
        Optional<CameraService> camera = Responses.cameraOrAnswer(cameras, Requests.CameraChoice.of(req, index), resp,
                retryAfterSeconds);
        if (camera.isEmpty()) {
            return Optional.empty();
        }
        try {
            Resolution size = STREAM_PATH.equals(req.getServletPath()) ? null : stillSize(req, camera.get());
            return Optional.of(new Request(camera.get(), size));
        } catch (BadRequestException e) {
            Responses.badRequest(resp, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * {@code ?size=}: none or {@code max} for the camera's still size, {@code stream} or the stream's size for the next
     * live frame (null), or any other size the camera offers.
     */
    private static Resolution stillSize(HttpServletRequest req, CameraService camera) throws BadRequestException {
        String size = req.getParameter("size");
        if (size == null || size.isBlank() || size.equals("max")) {
            return camera.stillSize();
        }
        if (size.equals("stream")) {
            return null;
        }
        List<Resolution> offered = camera.info().sizes();
        try {
            Resolution asked = Resolution.parse(size);
            if (asked.equals(camera.streamSize())) {
                return null;
            }
            if (offered.contains(asked)) {
                return asked;
            }
        } catch (IllegalArgumentException notASize) {
            // answered below
        }
        throw new BadRequestException("size must be stream, max or one of " + offered);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Optional<Request> request = choose(req, resp);
        if (request.isEmpty()) {
            return;
        }
        if (request.get().stillSize() == null) {
            streamFrame(request.get().camera(), req, resp);
            return;
        }
        CompletableFuture<Frame> still;
        try {
            still = request.get().camera().captureStill(request.get().stillSize()).toCompletableFuture();
        } catch (IllegalArgumentException sizeGoneMeanwhile) {
            Responses.badRequest(resp, sizeGoneMeanwhile.getMessage());
            return;
        }
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
        send(frame, req, resp);
    }

    /**
     * The cheap snapshot: the first live frame captured after the request, with no resolution switch. For clients
     * that poll (Mainsail, Fluidd, Moonraker): a full-resolution still per poll would cut the live stream's rate.
     */
    private void streamFrame(CameraService camera, HttpServletRequest req, HttpServletResponse resp)
            throws IOException {
        Instant now = Instant.now();
        long requestedMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(frameTimeoutMillis);
        try (LiveStream stream = camera.openStream()) {
            while (true) {
                long left = deadline - System.nanoTime();
                Frame frame = left > 0 ? stream.next(left, TimeUnit.NANOSECONDS) : null;
                if (frame == null) {
                    Responses.unavailable(resp, retryAfterSeconds,
                            "The camera gave no frame within " + frameTimeoutMillis + " ms.");
                    return;
                }
                if (frame.captureTimeMicros() >= requestedMicros) {
                    send(frame, req, resp);
                    return;
                }
            }
        } catch (CameraUnavailableException e) {
            Responses.unavailable(resp, retryAfterSeconds, "The camera is not available: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Responses.unavailable(resp, retryAfterSeconds, "Interrupted.");
        }
    }

    private void send(Frame frame, HttpServletRequest req, HttpServletResponse resp) {
        Responses.common(resp);
        resp.setContentType("image/jpeg");
        resp.setContentLength(frame.length());
        resp.setHeader("X-Timestamp", Responses.timestamp(frame.captureTimeMicros()));
        if (!frame.timings().isEmpty()) {
            resp.setHeader("Server-Timing", Responses.serverTiming(frame.timings()));
        }
        try {
            frame.writeTo(resp.getOutputStream());
        } catch (IOException clientLeft) {
            // The client's choice, not a fault of ours: no stack trace in the log.
            log.debug("still not delivered to {}: {}", req.getRemoteAddr(), clientLeft.toString());
        }
    }
}
