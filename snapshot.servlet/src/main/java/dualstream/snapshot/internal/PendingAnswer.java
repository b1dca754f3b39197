package dualstream.snapshot.internal;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import javax.servlet.AsyncContext;
import javax.servlet.AsyncEvent;
import javax.servlet.AsyncListener;
import javax.servlet.ServletOutputStream;
import javax.servlet.WriteListener;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.log.Logger;

import dualstream.camera.api.Frame;
import dualstream.http.support.Responses;

/**
 * One snapshot request answered asynchronously: no container thread waits for the camera, nor for a slow client to
 * take the picture. {@code WAITING} → {@code WRITING} (the frame came) → {@code DONE}, or {@code WAITING} →
 * {@code DONE} with a short answer (timeout, camera gone, servlet stopping). Whoever moves it out of WAITING answers;
 * entering DONE releases what the request holds, exactly once.
 */
final class PendingAnswer implements WriteListener, AsyncListener {

    enum Phase {
        WAITING, WRITING, DONE
    }

    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.WAITING);
    private final AsyncContext async;
    private final HttpServletResponse resp;
    private final Logger log;
    private final String client;
    private final List<Runnable> releases = new CopyOnWriteArrayList<>();
    /** Set once before the write listener is, read by the container's thread that calls it. */
    private volatile Frame frame;
    private boolean written;

    PendingAnswer(AsyncContext async, HttpServletResponse resp, Logger log, String client) {
        this.async = async;
        this.resp = resp;
        this.log = log;
        this.client = client;
        async.addListener(this);
    }

    /** Runs when the answer is done, however it ends (or at once if it already is). */
    void onDone(Runnable release) {
        releases.add(release);
        if (phase.get() == Phase.DONE && releases.remove(release)) {
            release.run();
        }
    }

    boolean isDone() {
        return phase.get() == Phase.DONE;
    }

    /** Sends the frame, unless the request was answered otherwise meanwhile. */
    void deliver(Frame frame) {
        if (!phase.compareAndSet(Phase.WAITING, Phase.WRITING)) {
            return;
        }
        this.frame = frame;
        try {
            Responses.common(resp);
            resp.setContentType("image/jpeg");
            resp.setContentLength(frame.length());
            resp.setHeader("X-Timestamp", Responses.timestamp(frame.captureTimeMicros()));
            if (!frame.timings().isEmpty()) {
                resp.setHeader("Server-Timing", Responses.serverTiming(frame.timings()));
            }
            resp.getOutputStream().setWriteListener(this);
        } catch (IOException | IllegalStateException clientGone) {
            clientLeft(clientGone);
        }
    }

    /** Answers 503 with Retry-After, unless the request was answered meanwhile. */
    void unavailable(int retryAfterSeconds, String line) {
        refuse(() -> Responses.unavailable(resp, retryAfterSeconds, line));
    }

    /** Answers 400, unless the request was answered meanwhile: a size found not offered once the camera opened. */
    void badRequest(String line) {
        refuse(() -> Responses.badRequest(resp, line));
    }

    private interface Answer {
        void send() throws IOException;
    }

    private void refuse(Answer answer) {
        if (phase.compareAndSet(Phase.WAITING, Phase.DONE)) {
            try {
                answer.send();
            } catch (IOException | IllegalStateException clientGone) {
                log.debug("answer not delivered to {}: {}", client, clientGone.toString());
            }
            complete();
        }
    }

    @Override
    public void onWritePossible() throws IOException {
        if (phase.get() != Phase.WRITING) {
            return;
        }
        ServletOutputStream out = resp.getOutputStream();
        if (!written) {
            if (!out.isReady()) {
                return;
            }
            // Taken whole when isReady() said so; the container writes it out and calls again once it has.
            frame.writeTo(out);
            written = true;
        }
        if (out.isReady() && phase.compareAndSet(Phase.WRITING, Phase.DONE)) {
            complete();
        }
    }

    @Override
    public void onError(Throwable failure) {
        clientLeft(failure);
    }

    private void clientLeft(Throwable failure) {
        // The client's choice, not a fault of ours: no stack trace in the log.
        log.debug("still not delivered to {}: {}", client, failure.toString());
        if (phase.getAndSet(Phase.DONE) != Phase.DONE) {
            complete();
        }
    }

    private void complete() {
        try {
            async.complete();
        } catch (IllegalStateException alreadyCompleted) {
            // the container ended it (client gone)
        }
        release();
    }

    private void release() {
        frame = null;
        for (Runnable release : releases) {
            if (releases.remove(release)) {
                release.run();
            }
        }
    }

    @Override
    public void onComplete(AsyncEvent event) {
        phase.set(Phase.DONE);
        release();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // The servlet sets no container timeout; it keeps its own deadline.
    }

    @Override
    public void onError(AsyncEvent event) {
        clientLeft(event.getThrowable() == null ? new IOException("connection failed") : event.getThrowable());
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // not restarted
    }
}
