package dualstream.stream.mjpeg.internal;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import javax.servlet.AsyncContext;
import javax.servlet.AsyncEvent;
import javax.servlet.AsyncListener;
import javax.servlet.Servlet;
import javax.servlet.ServletOutputStream;
import javax.servlet.WriteListener;
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
import dualstream.http.support.BadRequestException;
import dualstream.http.support.DualstreamHttp;
import dualstream.http.support.Requests;
import dualstream.http.support.Responses;

/**
 * The live stream of a camera as multipart/x-mixed-replace JPEG parts. Also answers mjpg-streamer's
 * {@code /?action=stream[_N]}, which the page servlet forwards here by name.
 * <p>
 * Writes are non-blocking: no thread waits per viewer. A new frame's prebuilt part goes to every client that can take
 * it now, written on the camera's thread while few watch and by one writer thread otherwise; a client whose connection
 * is still busy skips to the newest frame once it drains.
 */
@Component(service = Servlet.class, configurationPid = MjpegStreamServlet.PID)
@Designate(ocd = MjpegStreamServlet.Config.class)
@HttpWhiteboardServletName(DualstreamHttp.STREAM_SERVLET)
@HttpWhiteboardServletPattern("/stream")
@HttpWhiteboardServletAsyncSupported
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

        @AttributeDefinition(name = "Stuck viewer timeout (ms)", min = "1000",
                description = "A viewer whose connection has taken no byte for this long is disconnected, so that"
                        + " clients that stopped reading release their socket and memory.")
        long clientTimeoutMillis() default 30_000;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile List<CameraService> cameras;

    private final transient Logger log;
    private final long keepAliveNanos;
    private final long clientTimeoutNanos;
    private final int retryAfterSeconds;
    private final transient MultipartWriter writer = new MultipartWriter();
    /** Every session not yet {@link Phase#DONE}: a session leaves it the moment its response is released. */
    private final transient Set<Session> sessions = ConcurrentHashMap.newKeySet();
    /** Notified when the last session has left {@link #sessions}. */
    private final transient Object noSessions = new Object();
    private final transient WriterLoop writerThread;
    /**
     * Up to this many viewers, frames are written on the camera's thread: a part's non-blocking write takes tens of
     * microseconds, a few milliseconds on a Pi for all of them, well within a frame.
     */
    static final int INLINE_VIEWERS = 16;
    private volatile boolean stopping;

    @Activate
    public MjpegStreamServlet(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        long keepAliveMillis = Math.max(100, config.keepAliveMillis());
        this.keepAliveNanos = TimeUnit.MILLISECONDS.toNanos(keepAliveMillis);
        this.clientTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1000, config.clientTimeoutMillis()));
        this.retryAfterSeconds = Math.max(1, config.retryAfterSeconds());
        // Keep-alive and stuck-client checks four times per keep-alive period, so that a stalled camera's last frame
        // is repeated within 1.25 periods; none without viewers: idle, the thread sleeps.
        this.writerThread = new WriterLoop("dualstream-stream-writer", this::sweep, () -> !sessions.isEmpty(),
                keepAliveMillis / 4, TimeUnit.MILLISECONDS, log);
        writerThread.start();
    }

    /**
     * Taken out of service by the Whiteboard (before deactivation, or to be put back in another context): every
     * stream ends after a whole part, so that clients reconnect cleanly.
     */
    @Override
    public void destroy() {
        endAll();
    }

    /** Ends every stream cleanly, so that the bundle can go at once and clients reconnect to its successor. */
    @Deactivate
    void deactivate() throws InterruptedException {
        stopping = true;
        endAll();
        writerThread.stop(2, TimeUnit.SECONDS);
    }

    /** Ends every stream after its part on the way; one whose client takes nothing for a second is cut. */
    private void endAll() {
        sessions.forEach(Session::end);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        synchronized (noSessions) {
            for (long left; !sessions.isEmpty() && (left = deadline - System.nanoTime()) > 0;) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(noSessions, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        sessions.forEach(session -> session.abort("the stream is going away"));
    }

    /** The stream's headers only: clients probing the URL must not get an endless body. */
    @Override
    protected void doHead(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (choose(req, resp).isPresent()) {
            streamHeaders(resp);
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Optional<Viewer> viewer = choose(req, resp);
        if (viewer.isEmpty()) {
            return;
        }
        streamHeaders(resp);
        AsyncContext async = req.startAsync();
        // The container must never end a live stream on its own; stuck clients are cut by the sweep.
        async.setTimeout(0);
        Session session = new Session(viewer.get().camera().openStream(), async, resp.getOutputStream(),
                viewer.get().minimumSpacingMicros(), req.getRemoteAddr());
        sessions.add(session);
        writerThread.wake();
        async.addListener(session);
        session.out.setWriteListener(session);
        session.stream.onNewFrame(session::frameReady);
        if (stopping) {
            session.end();
        }
    }

    /** What a request asks for: a camera, and how far apart its frames must be ({@code ?fps=}). */
    private record Viewer(CameraService camera, long minimumSpacingMicros) {
    }

    /** The viewer's camera, or an answer already sent: 400 for a bad parameter of ours, 404, 503. */
    private Optional<Viewer> choose(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Optional<Integer> index;
        Optional<Integer> fps;
        try {
            index = Requests.actionIndex(req, "stream");
            fps = Requests.integer(req, "fps", 1, 120);
        } catch (BadRequestException e) {
            Responses.badRequest(resp, e.getMessage());
            return Optional.empty();
        }
        if (stopping) {
            Responses.unavailable(resp, retryAfterSeconds, "The stream is restarting.");
            return Optional.empty();
        }
        long spacing = fps.map(f -> 900_000L / f).orElse(0L); // 10 % slack for capture jitter
        Optional<CameraService> camera = Responses.cameraOrAnswer(cameras, Requests.CameraChoice.of(req, index), resp,
                retryAfterSeconds);
        if (camera.isPresent() && camera.get().state() == CameraState.DISCONNECTED) {
            // Said now, as the snapshot says it, rather than a stream that stays empty until the device is back.
            Responses.unavailable(resp, retryAfterSeconds, "Camera " + camera.get().info().id() + " is disconnected: "
                    + camera.get().problem().orElse("no device"));
            return Optional.empty();
        }
        return camera.map(c -> new Viewer(c, spacing));
    }

    private static void streamHeaders(HttpServletResponse resp) {
        Responses.common(resp);
        resp.setHeader("Connection", "close");
        resp.setContentType(MultipartWriter.CONTENT_TYPE);
    }

    /**
     * Runs four times per keep-alive period while anyone watches: repeats the last frame to idle viewers, cuts viewers
     * that take nothing.
     */
    private void sweep() {
        long now = System.nanoTime();
        for (Session session : sessions) {
            long blockedSince = session.blockedSince;
            if (blockedSince != 0 && now - blockedSince > clientTimeoutNanos) {
                session.abort("took no byte for " + TimeUnit.NANOSECONDS.toMillis(clientTimeoutNanos) + " ms");
            } else if (now - session.lastWrite > keepAliveNanos) {
                session.repeatLast();
            }
        }
    }

    /**
     * Where a viewer's response is. {@code STREAMING} → {@code ENDING} (we end it: the part on its way goes out
     * first) → {@code DONE}; any phase → {@code DONE} at once when the client fails or is cut. Entering DONE
     * releases everything the session holds, exactly once.
     */
    enum Phase {
        STREAMING, ENDING, DONE
    }

    /** One viewer: written to only when its connection can take more, always with the newest frame. */
    private final class Session implements WriteListener, AsyncListener {
        final LiveStream stream;
        final AsyncContext async;
        final ServletOutputStream out;
        final long minimumSpacingMicros;
        final String client;
        final AtomicBoolean scheduled = new AtomicBoolean();
        /** One task for the session's whole life rather than one per frame. */
        final Runnable writeTask = () -> {
            scheduled.set(false);
            pump();
        };
        /** Held while writing or changing phase: by the camera's, the writer's or a container thread. */
        private final ReentrantLock lock = new ReentrantLock();
        volatile long lastWrite = System.nanoTime();
        /** When the connection last refused more ({@code isReady() == false}); 0 while it takes everything. */
        volatile long blockedSince;
        private Phase phase = Phase.STREAMING;
        private boolean openingWritten;
        private boolean unflushed;
        private boolean repeat;
        private Frame last;

        Session(LiveStream stream, AsyncContext async, ServletOutputStream out, long minimumSpacingMicros,
                String client) {
            this.stream = stream;
            this.async = async;
            this.out = out;
            this.minimumSpacingMicros = minimumSpacingMicros;
            this.client = client;
        }

        /** Hands the work to the writer thread, once however many frames come. */
        void schedule() {
            if (scheduled.compareAndSet(false, true) && !writerThread.execute(writeTask)) {
                scheduled.set(false);
            }
        }

        void repeatLast() {
            lock.lock();
            try {
                if (last != null) {
                    repeat = true;
                    pumpLocked();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onWritePossible() {
            lock.lock();
            try {
                blockedSince = 0;
                if (phase == Phase.ENDING) {
                    done(null); // the part that was still on its way is out: now the response can end
                } else {
                    pumpLocked();
                }
            } finally {
                lock.unlock();
            }
        }

        void pump() {
            lock.lock();
            try {
                pumpLocked();
            } finally {
                lock.unlock();
            }
        }

        /**
         * Told of a new frame, on the camera's thread (or the request's, for a frame already waiting). With few viewers
         * the frame is written from here: a non-blocking write of one prebuilt part each, cheaper than waking the
         * writer thread for every frame. With many, or while this viewer's connection is being served elsewhere, the
         * writer thread does it, so that the camera's thread never waits.
         */
        void frameReady() {
            if (sessions.size() > INLINE_VIEWERS || !lock.tryLock()) {
                schedule();
                return;
            }
            try {
                pumpLocked();
            } finally {
                lock.unlock();
            }
        }

        /**
         * Writes for as long as the connection takes it without waiting. A failure ends this viewer only: whatever the
         * container throws must reach neither the camera's capture loop nor the writer thread's other viewers.
         */
        private void pumpLocked() {
            if (phase != Phase.STREAMING) {
                return;
            }
            try {
                while (ready()) {
                    if (!openingWritten) {
                        writer.writeOpening(out);
                        openingWritten = true;
                        unflushed = true;
                    } else if (unflushed) {
                        out.flush();
                        unflushed = false;
                    } else {
                        Frame frame = stream.next(0, TimeUnit.MILLISECONDS);
                        if (frame != null && last != null
                                && frame.captureTimeMicros() - last.captureTimeMicros() < minimumSpacingMicros) {
                            continue; // thinned by ?fps=
                        }
                        if (frame == null && repeat) {
                            frame = last; // a stalled camera: repeat, so clients and proxies do not time out
                        }
                        repeat = false;
                        if (frame == null) {
                            return;
                        }
                        writer.writePart(out, frame);
                        last = frame;
                        lastWrite = System.nanoTime();
                        unflushed = true;
                    }
                }
            } catch (CameraUnavailableException e) {
                log.debug("stream to {} ended: {}", client, e.getMessage());
                end();
            } catch (IOException | RuntimeException e) {
                abort("went away: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private boolean ready() {
            if (out.isReady()) {
                return true;
            }
            if (blockedSince == 0) {
                blockedSince = System.nanoTime();
            }
            return false;
        }

        /** Ends the response after a whole part: at once if nothing is on its way, else once the pending write is out. */
        void end() {
            lock.lock();
            try {
                if (phase != Phase.STREAMING) {
                    return;
                }
                boolean idle;
                try {
                    idle = out.isReady();
                } catch (IllegalStateException notAsyncAnymore) {
                    idle = true;
                }
                if (idle) {
                    done(null);
                } else {
                    phase = Phase.ENDING;
                    stream.close();
                }
            } finally {
                lock.unlock();
            }
        }

        /** Cuts the connection now, whatever is on its way: the client failed, or takes nothing. */
        void abort(String why) {
            lock.lock();
            try {
                done(why);
            } finally {
                lock.unlock();
            }
        }

        /** Releases the camera stream and the container's request, once; {@code cut} says why the connection is cut. */
        private void done(String cut) {
            boolean pending = phase == Phase.ENDING || blockedSince != 0;
            if (!release()) {
                return;
            }
            if (cut != null) {
                log.debug("stream to {} cut: {}", client, cut);
            }
            try {
                if (cut != null && pending) {
                    out.close(); // with a write pending, the container aborts the connection instead of waiting on it
                }
            } catch (IOException | IllegalStateException alreadyGone) {
                log.debug("stream to {}: {}", client, alreadyGone.toString());
            }
            try {
                async.complete();
            } catch (IllegalStateException alreadyCompleted) {
                log.debug("stream to {} was already complete", client);
            }
        }

        @Override
        public void onError(Throwable error) {
            abort("went away: " + error);
        }

        /** Enters DONE and lets go of the camera stream; false if the session was already done. */
        private boolean release() {
            if (phase == Phase.DONE) {
                return false;
            }
            phase = Phase.DONE;
            sessions.remove(this);
            if (sessions.isEmpty()) {
                synchronized (noSessions) {
                    noSessions.notifyAll();
                }
            }
            stream.close();
            return true;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            lock.lock();
            try {
                release();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            abort("timed out in the container");
        }

        @Override
        public void onError(AsyncEvent event) {
            abort("went away: " + event.getThrowable());
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // A new cycle of the same async request: nothing to set up again.
        }
    }
}
