package dualstream.snapshot.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import javax.servlet.AsyncContext;
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
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletAsyncSupported;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dualstream.camera.api.CameraService;
import dualstream.camera.api.CameraState;
import dualstream.camera.api.CameraUnavailableException;
import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;
import dualstream.camera.api.Resolution;
import dualstream.camera.api.SizeNotOfferedException;
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
@HttpWhiteboardServletAsyncSupported // no container thread waits for the camera
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
    private final transient Set<PendingAnswer> pending = ConcurrentHashMap.newKeySet();
    /** Only the requests' deadlines: a thread that sleeps until the next one, none while nothing waits. */
    private final transient ScheduledThreadPoolExecutor deadlines;
    private volatile boolean stopping;

    @Activate
    public SnapshotServlet(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.timeoutMillis = Math.max(100, config.timeoutMillis());
        this.frameTimeoutMillis = Math.max(100, config.frameTimeoutMillis());
        this.retryAfterSeconds = Math.max(1, config.retryAfterSeconds());
        this.deadlines = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "dualstream-snapshot-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        deadlines.setRemoveOnCancelPolicy(true);
        deadlines.setKeepAliveTime(10, TimeUnit.SECONDS);
        deadlines.allowCoreThreadTimeOut(true);
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

    /** No size or {@code max}: the camera's own still size. */
    private static boolean wantsCameraStillSize(HttpServletRequest req) {
        String size = req.getParameter("size");
        return size == null || size.isBlank() || size.equals("max");
    }

    /**
     * {@code ?size=}: none or {@code max} for the camera's still size, {@code stream} or the stream's size for the next
     * live frame (null), or any other size the camera offers. A camera still OPENING offers none yet: its size is
     * checked by the camera once open.
     */
    private static Resolution stillSize(HttpServletRequest req, CameraService camera) throws BadRequestException {
        String size = req.getParameter("size");
        if (wantsCameraStillSize(req)) {
            return camera.stillSize();
        }
        if (size.equals("stream")) {
            return null;
        }
        List<Resolution> offered = camera.info().sizes();
        try {
            Resolution asked = Resolution.parse(size);
            if (camera.state() == CameraState.OPENING) {
                return asked;
            }
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
            CameraService camera = request.get().camera();
            // Without a size, the camera's own still size: an OPENING camera knows it only once opened.
            still = (wantsCameraStillSize(req) ? camera.captureStill() : camera.captureStill(request.get().stillSize()))
                    .toCompletableFuture();
        } catch (IllegalArgumentException sizeGoneMeanwhile) {
            Responses.badRequest(resp, sizeGoneMeanwhile.getMessage());
            return;
        }
        PendingAnswer answer = answerLater(req, resp, timeoutMillis, "The camera gave no still within "
                + timeoutMillis + " ms.");
        answer.onDone(() -> still.cancel(false));
        still.whenComplete((frame, failure) -> {
            if (failure == null) {
                answer.deliver(frame);
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof SizeNotOfferedException notOffered) {
                answer.badRequest(notOffered.getMessage());
                return;
            }
            if (!(cause instanceof CancellationException)) {
                log.debug("still failed: {}", cause.toString());
            }
            answer.unavailable(retryAfterSeconds, "The camera could not take a still: " + cause.getMessage());
        });
    }

    /**
     * The cheap snapshot: the first live frame captured after the request, with no resolution switch. For clients
     * that poll (Mainsail, Fluidd, Moonraker): a full-resolution still per poll would cut the live stream's rate.
     */
    private void streamFrame(CameraService camera, HttpServletRequest req, HttpServletResponse resp) {
        Instant now = Instant.now();
        long requestedMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        PendingAnswer answer = answerLater(req, resp, frameTimeoutMillis, "The camera gave no frame within "
                + frameTimeoutMillis + " ms.");
        LiveStream stream = camera.openStream();
        answer.onDone(stream::close);
        stream.onNewFrame(() -> {
            try {
                Frame frame = stream.next(0, TimeUnit.NANOSECONDS);
                if (frame != null && frame.captureTimeMicros() >= requestedMicros) {
                    answer.deliver(frame);
                }
            } catch (CameraUnavailableException e) {
                answer.unavailable(retryAfterSeconds, "The camera is not available: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /**
     * Leaves the request to be answered later, from whichever thread has the answer; 503 with this line if none came
     * within the time.
     */
    private PendingAnswer answerLater(HttpServletRequest req, HttpServletResponse resp, long millis, String late) {
        AsyncContext async = req.startAsync();
        async.setTimeout(0);
        PendingAnswer answer = new PendingAnswer(async, resp, log, req.getRemoteAddr());
        pending.add(answer);
        answer.onDone(() -> pending.remove(answer));
        try {
            ScheduledFuture<?> deadline = deadlines.schedule(() -> answer.unavailable(retryAfterSeconds, late), millis,
                    TimeUnit.MILLISECONDS);
            answer.onDone(() -> deadline.cancel(false));
        } catch (RejectedExecutionException stopped) {
            answer.unavailable(retryAfterSeconds, "The snapshot is restarting.");
        }
        if (stopping) {
            answer.unavailable(retryAfterSeconds, "The snapshot is restarting.");
        }
        return answer;
    }

    /** Requests still waiting are answered 503 now: the bundle is being stopped or updated. */
    @Deactivate
    void deactivate() {
        stopping = true;
        for (PendingAnswer answer : pending) {
            answer.unavailable(retryAfterSeconds, "The snapshot is restarting.");
        }
        deadlines.shutdownNow();
    }
}
