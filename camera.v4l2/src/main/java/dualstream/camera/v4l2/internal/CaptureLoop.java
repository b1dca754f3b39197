package dualstream.camera.v4l2.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.osgi.service.log.Logger;


import dualstream.camera.api.CameraControl;
import dualstream.camera.api.CameraInfo;
import dualstream.camera.api.CameraState;
import dualstream.camera.api.CameraUnavailableException;
import dualstream.camera.api.Frame;
import dualstream.camera.api.Orientation;
import dualstream.camera.api.Resolution;
import dualstream.camera.api.StillReport;
import dualstream.camera.api.Timing;
import dualstream.camera.support.CameraCounters;
import dualstream.camera.support.FrameHub;
import dualstream.camera.support.StillRequests;
import dualstream.camera.v4l2.V4l2Probe;
import dualstream.camera.v4l2.internal.V4l2Camera.Settings;
import dualstream.camera.v4l2.internal.jpeg.FrameSource;
import dualstream.camera.v4l2.internal.jpeg.JpegExtractor;
import dualstream.camera.v4l2.internal.jpeg.LumaProbe;
import dualstream.camera.v4l2.internal.jpeg.LumaProbe.Luma;
import dualstream.camera.v4l2.internal.videodev2.LibC;
import dualstream.camera.v4l2.internal.videodev2.MappedBuffers;
import dualstream.camera.v4l2.internal.videodev2.Structs.Capability;
import dualstream.camera.v4l2.internal.videodev2.Structs.Format;
import dualstream.camera.v4l2.internal.videodev2.V4l2Device;
import dualstream.camera.v4l2.internal.videodev2.V4l2Exception;
import dualstream.camera.v4l2.internal.videodev2.Videodev2;

/**
 * The thread that owns the device: opens it, streams while someone watches, switches size for stills, survives
 * unplugging, and applies control changes between frames.
 */
final class CaptureLoop implements Runnable {

    private static final Resolution PREFERRED_STREAM = new Resolution(640, 480);
    private static final int POLL_MILLIS = 200;
    /**
     * While the device node is watched, an idle or unplugged camera is looked at on its node's events, and this
     * seldom besides, for a device lost in a way that leaves its node in place.
     */
    static final long WATCHED_CHECK_MILLIS = 30_000;
    /** Without a watched node (none in the file system, or no inotify), an idle camera is asked this often. */
    static final long UNWATCHED_CHECK_MILLIS = 1000;
    /**
     * Entropy-coded bytes the brightness probe reads of a frame: the whole of a stream-size frame, the top rows of a
     * large still, about 2 ms on a Pi-class core.
     */
    static final int PROBE_BUDGET = 96 * 1024;
    /**
     * A whole baseline JPEG spends at least two bits on every 8x8 block (a DC code and an end-of-block code), so less
     * than this per pixel is a frame cut short, whatever the scene: ustreamer's {@code --min-frame-size}, scaled.
     */
    static final int PIXELS_PER_MINIMUM_BYTE = 512;

    /** Device work handed to the capture thread. */
    interface DeviceTask<T> {
        T run(V4l2Device device) throws Exception;
    }

    /** The device's fault, not ours: retrying later may help. */
    private static final class DeviceProblem extends Exception {
        private static final long serialVersionUID = 1L;

        DeviceProblem(String message) {
            super(message);
        }
    }

    private final Settings settings;
    private final FrameHub hub;
    private final StillRequests stills;
    private final CameraCounters counters;
    private final Logger log;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Controls the user set, restored whenever the device is opened again. */
    private final Map<Integer, Integer> userControls = new ConcurrentHashMap<>();
    private final ReentrantLock signalLock = new ReentrantLock();
    private final Condition signal = signalLock.newCondition();
    private boolean signalled;

    private volatile boolean running = true;
    private volatile CameraState state = CameraState.OPENING;
    /** Completes once the first attempt to open the device has ended, opened or not. */
    private final CompletableFuture<Void> firstOpen = new CompletableFuture<>();
    private volatile CameraInfo info;
    private volatile Resolution streamSize;
    private volatile Resolution stillSize;
    private volatile List<CameraControl> controls = List.of();
    private volatile String problem = "not opened yet";
    private volatile StillReport lastStill;

    // Touched only by the capture thread.
    private LibC lib;
    private V4l2Device device;
    /** The mapped buffers while the device streams, null otherwise: one field, so the two cannot disagree. */
    private MappedBuffers buffers;
    private Resolution currentSize;
    /** MJPG, or JPEG where the camera names its frames so; read and written only on the capture thread. */
    private int pixelFormat = Videodev2.V4L2_PIX_FMT_MJPEG;
    private long frameSequence;
    private long stillSequence;
    private long lastDriverSequence = -1;
    /** When the last still's switch began (0 before the first), the live frames delivered since, the first's time. */
    private long stillStartedNanos;
    private long framesSinceStill;
    private long resumedNanos;
    private NodeWatch nodes;
    /** Whether the device path was a file when the device last opened: its removal is then the camera unplugged. */
    private boolean nodeSeen;
    private final ExposureLock exposure = new ExposureLock();
    private final Orienting orienting;
    /** The live stream's newest frame, to compare the frames after a switch with. */
    private byte[] lastStreamJpeg;
    private long lastStreamFrameNanos;
    /** The picture last kept at each size: what to compare with when nothing streamed just before. */
    private final Map<Resolution, Luma> lastKept = new HashMap<>();
    /** While streaming starts at the stream size: frames are withheld from viewers until the camera has settled. */
    private Settling streamSettling;
    private long streamSettleLimit;
    private int streamWithheld;
    /** Why {@link #capture()} gave no frame: null when none came, else the frame's fault. */
    private String rejected;

    CaptureLoop(Settings settings, FrameHub hub, StillRequests stills, CameraCounters counters, Logger log) {
        this.settings = settings;
        this.hub = hub;
        this.stills = stills;
        this.counters = counters;
        this.log = log;
        this.orienting = new Orienting(settings.orientation());
        this.info = new CameraInfo(settings.id(), settings.device(), "", "", List.of(), List.of());
        this.streamSize = settings.streamSize() != null ? settings.streamSize() : PREFERRED_STREAM;
        this.stillSize = settings.stillSize() != null ? settings.stillSize() : this.streamSize;
    }

    CameraState state() {
        return state;
    }

    /** Completes when the camera leaves {@link CameraState#OPENING}. */
    CompletableFuture<Void> firstOpen() {
        return firstOpen;
    }

    CameraInfo info() {
        return info;
    }

    Resolution streamSize() {
        return streamSize;
    }

    Resolution stillSize() {
        return stillSize;
    }

    List<CameraControl> controls() {
        return state == CameraState.DISCONNECTED ? List.of() : orienting.forUsers(controls);
    }

    /** Why users may not set this control now, or null. */
    String refusal(int id) {
        return orienting.refusal(id);
    }

    String problem() {
        return problem;
    }

    StillReport lastStill() {
        return lastStill;
    }

    Orientation.Applied orientation() {
        return orienting.applied();
    }

    void stop() {
        running = false;
        wake();
    }

    /** Makes the thread look at its work now: a consumer came or went, a still or a task is waiting. */
    void wake() {
        signalLock.lock();
        try {
            signalled = true;
            signal.signalAll();
        } finally {
            signalLock.unlock();
        }
    }

    private void await(long millis) throws InterruptedException {
        signalLock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
            while (!signalled && running && nanos > 0) {
                nanos = signal.awaitNanos(nanos);
            }
            signalled = false;
        } finally {
            signalLock.unlock();
        }
    }

    <T> CompletableFuture<T> submit(DeviceTask<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        tasks.add(() -> {
            if (result.isDone()) {
                return;
            }
            if (device == null) {
                result.completeExceptionally(new CameraUnavailableException("camera " + settings.id()
                        + " is disconnected: " + problem));
                return;
            }
            try {
                result.complete(task.run(device));
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        wake();
        return result;
    }

    /** Sets a control, remembers it for reconnects, and refreshes the list (other controls' flags may change). */
    CameraControl applyControl(V4l2Device on, int id, int value) throws V4l2Exception {
        on.setControl(id, value);
        userControls.put(id, value);
        if (id == ExposureLock.EXPOSURE_AUTO || id == ExposureLock.EXPOSURE_ABSOLUTE) {
            exposure.userChanged();
        }
        controls = on.controls();
        return controls.stream().filter(c -> c.id() == id).findFirst()
                .orElseThrow(() -> new V4l2Exception("control " + id + " vanished", LibC.EINVAL));
    }

    @Override
    public void run() {
        try {
            nodes = NodeWatch.start(settings.device(), this::wake, "dualstream-v4l2-node-" + settings.id());
        } catch (IOException | RuntimeException e) {
            log.info("camera {}: cannot watch {} for unplugging ({}); it is asked every {} ms while idle",
                    settings.id(), settings.device(), e.getMessage(), UNWATCHED_CHECK_MILLIS);
        }
        try {
            while (running) {
                try {
                    step();
                } catch (V4l2Exception | DeviceProblem e) {
                    if (running) {
                        lost(e);
                    }
                } catch (RuntimeException | LinkageError e) {
                    if (running) {
                        log.error("camera {}: unexpected failure, reopening: {}", settings.id(), e.toString(), e);
                        lost(e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (device != null) {
                orienting.release(device, log, settings.id());
            }
            closeDevice();
            closeNodes();
            enter(CameraState.IDLE);
        }
    }

    private void closeNodes() {
        if (nodes != null) {
            try {
                nodes.close();
            } catch (IOException e) {
                log.debug("camera {}: closing the node watch: {}", settings.id(), e.getMessage());
            }
        }
    }

    /** Whether the device node's removal and return come as events. */
    private boolean nodeWatched() {
        return nodeSeen && nodes != null && nodes.watching();
    }

    private boolean nodePresent() {
        return Files.exists(Path.of(settings.device()));
    }

    private void step() throws V4l2Exception, DeviceProblem, InterruptedException {
        if (device == null) {
            connect();
            return;
        }
        runTasks();
        Resolution wanted = stills.oldestSize();
        if (wanted != null && !wanted.equals(streamSize) && stillAllowed()) {
            takeStill(wanted);
        } else if (hub.consumers() > 0 || stills.hasPending()) {
            streamOneFrame();
        } else {
            idle();
        }
    }

    private void runTasks() {
        for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
            task.run();
        }
    }

    private void connect() throws InterruptedException {
        runTasks(); // fails them: no device
        try {
            if (lib == null) {
                lib = LibC.load(settings.nativeLibrary());
            }
            device = V4l2Device.open(lib, settings.device());
        } catch (V4l2Exception e) {
            missing(e.getMessage());
            return;
        } catch (UnsatisfiedLinkError e) {
            missing("cannot load native library '" + settings.nativeLibrary() + "': " + e.getMessage());
            return;
        }
        try {
            probe();
        } catch (V4l2Exception | DeviceProblem e) {
            closeDevice();
            missing(e.getMessage());
            return;
        }
        nodeSeen = nodePresent();
        problem = "";
        enter(CameraState.IDLE);
    }

    /** The one place the state changes, on the capture thread: OPENING is left once, whichever way. */
    private void enter(CameraState next) {
        if (state == next) {
            return; // once per frame while streaming
        }
        state = next;
        if (next != CameraState.OPENING) {
            firstOpen.complete(null);
        }
    }

    /** Enters DISCONNECTED: the stills waiting fail with why. Said once per loss: false if it already was. */
    private boolean disconnect(String why, CameraUnavailableException failure) {
        boolean already = state == CameraState.DISCONNECTED;
        problem = why;
        enter(CameraState.DISCONNECTED);
        stills.failAll(failure);
        return !already;
    }

    private void missing(String why) throws InterruptedException {
        if (disconnect(why, new CameraUnavailableException("camera " + settings.id() + " is disconnected: " + why))) {
            log.warn("camera {}: {}; retrying every {} ms", settings.id(), why, settings.reconnect().toMillis());
        }
        // A node that is gone comes back as an event; one that is there but will not open (busy, permissions not
        // yet set by udev) is tried again at the reconnect interval.
        await(nodeWatched() && !nodePresent() ? WATCHED_CHECK_MILLIS : settings.reconnect().toMillis());
    }

    private void probe() throws V4l2Exception, DeviceProblem {
        Capability cap = device.queryCapability();
        if (!cap.streamingCapture()) {
            throw new DeviceProblem(settings.device() + " (" + cap.card() + ") is not a streaming video capture"
                    + " device; for a UVC camera try another /dev/video node");
        }
        Map<Integer, String> formats = device.formats();
        List<String> formatNames = new ArrayList<>();
        formats.forEach((code, description) -> formatNames.add(Videodev2.fourccName(code)));
        // Some older UVC cameras name their JPEG frames JPEG rather than MJPG; the frames are the same.
        int served = V4l2Probe.SERVED_FORMATS.stream().map(Videodev2::fourcc).filter(formats::containsKey)
                .findFirst().orElse(0);
        if (served == 0) {
            List<String> offered = new ArrayList<>();
            formats.forEach((code, description) -> offered.add(Videodev2.fourccName(code) + " (" + description + ")"));
            throw new DeviceProblem(settings.device() + " (" + cap.card() + ") offers no MJPEG or JPEG, only: "
                    + (offered.isEmpty() ? "no formats" : String.join(", ", offered))
                    + "; dualstream needs a camera that encodes JPEG itself");
        }
        pixelFormat = served;
        List<Resolution> sizes = device.frameSizes(pixelFormat);
        if (sizes.isEmpty()) {
            throw new DeviceProblem(settings.device() + " lists no " + Videodev2.fourccName(pixelFormat)
                    + " frame sizes");
        }
        streamSize = choose("stream", settings.streamSize(), sizes,
                sizes.stream().min(Comparator.comparingLong(s -> distance(s, PREFERRED_STREAM))).orElseThrow());
        stillSize = choose("still", settings.stillSize(), sizes, sizes.get(sizes.size() - 1));
        for (Map.Entry<Integer, Integer> control : userControls.entrySet()) {
            try {
                device.setControl(control.getKey(), control.getValue());
            } catch (V4l2Exception e) {
                if (e.isDeviceLost()) {
                    throw e;
                }
                log.warn("camera {}: could not restore control {} = {}: {}", settings.id(), control.getKey(),
                        control.getValue(), e.getMessage());
            }
        }
        controls = device.controls();
        if (orienting.opened(device, controls, log, settings.id())) {
            controls = device.controls();
        }
        exposure.opened(device, controls);
        lastKept.clear();
        streamSettling = null;
        info = new CameraInfo(settings.id(), settings.device(), cap.driver(), cap.card(), formatNames, sizes);
        currentSize = null;
        lastDriverSequence = -1;
        log.info("camera {}: {} ({}) at {}: stream {} at {} fps, stills {}", settings.id(), cap.card(),
                cap.driver(), settings.device(), streamSize, settings.fps(), stillSize);
    }

    private Resolution choose(String what, Resolution wanted, List<Resolution> offered, Resolution automatic) {
        if (wanted == null) {
            return automatic;
        }
        if (offered.contains(wanted)) {
            return wanted;
        }
        Resolution nearest = offered.stream().min(Comparator.comparingLong(s -> distance(s, wanted))).orElseThrow();
        log.warn("camera {}: {} size {} is not offered (offered: {}); using {}", settings.id(), what, wanted, offered,
                nearest);
        return nearest;
    }

    /** uvcvideo's measure of how far one frame size is from another. */
    static long distance(Resolution a, Resolution b) {
        long w = Math.min(a.width(), b.width());
        long h = Math.min(a.height(), b.height());
        return a.pixels() + b.pixels() - 2 * w * h;
    }

    private void idle() throws V4l2Exception, DeviceProblem, InterruptedException {
        stopStreaming();
        exposure.release(device);
        enter(CameraState.IDLE);
        boolean watched = nodeWatched();
        await(watched ? WATCHED_CHECK_MILLIS : UNWATCHED_CHECK_MILLIS);
        if (running && hub.consumers() == 0 && !stills.hasPending() && tasks.isEmpty()) {
            // Woken by the node's folder, or the periodic look: an unplugged camera answers ENODEV.
            if (watched && !nodePresent()) {
                throw new DeviceProblem(settings.device() + " is gone");
            }
            device.queryCapability();
        }
    }

    private void streamOneFrame() throws V4l2Exception, DeviceProblem {
        switchTo(streamSize);
        if (buffers == null && !settings.measureSettling()) {
            startStreaming();
        } else if (buffers == null) {
            // The stream's own start is a switch too: the frames before the camera has settled are not shown.
            boolean locked = exposure.lockFor(device, streamSize);
            startStreaming();
            streamSettling = new Settling(settings.warmupFrames(), streamReference(), locked);
            streamSettleLimit = System.nanoTime() + settings.settleLimit().toNanos();
            streamWithheld = 0;
        }
        enter(CameraState.STREAMING);
        Captured captured = capture();
        if (captured == null) {
            return;
        }
        if (streamSettling != null && !streamSettled(captured)) {
            return;
        }
        Frame frame = new Frame(++frameSequence, captured.micros, captured.size, captured.jpeg);
        lastStreamJpeg = captured.jpeg;
        lastStreamFrameNanos = captured.readyNanos;
        if (hub.consumers() > 0) {
            if (framesSinceStill++ == 0) {
                resumedNanos = captured.readyNanos;
            }
            hub.publish(frame);
            counters.frame();
        }
        if (stills.hasPending(streamSize)) {
            stills.complete(frame);
        }
    }

    /** What the stream should look like when it starts again: its picture before a still, or when it last ran. */
    private Luma streamReference() {
        return lastKept.get(streamSize);
    }

    /** Whether this frame ends the stream's settling (it is shown); otherwise it is withheld. */
    private boolean streamSettled(Captured captured) throws V4l2Exception {
        Luma luma = LumaProbe.measure(captured.jpeg, PROBE_BUDGET);
        Settling.Reason reason = streamSettling.offer(luma, exposure.readBack(device));
        if (reason == null && streamSettling.lockDidNotHold()) {
            exposure.failed(device, streamSize);
        }
        if (reason == null && System.nanoTime() < streamSettleLimit) {
            streamWithheld++;
            return false;
        }
        if (reason != null && streamSettling.locked()) {
            exposure.held(streamSize);
        }
        streamSettling = null;
        if (luma != null) {
            lastKept.put(streamSize, luma);
        }
        exposure.release(device);
        exposure.settledAt(device, streamSize);
        StillReport report = lastStill;
        if (report != null && streamWithheld > 0) {
            lastStill = report.withStreamFramesWithheld(streamWithheld);
        }
        return true;
    }

    /**
     * Whether a switch to the still size may start now. While someone watches, the stream must keep its floor: since
     * the last still began, it must have delivered at least floor frames for every second that passed, however long
     * the still and the settling took. A camera slower than the floor by itself (measured since the stream came
     * back) can never catch up, so it gets its stills after a second of stream; one that shows nothing at all, after
     * a second past the settle limit.
     */
    private boolean stillAllowed() {
        if (hub.consumers() == 0 || stillStartedNanos == 0) {
            return true;
        }
        long now = System.nanoTime();
        long floor = settings.streamFloorFps();
        if (framesSinceStill * 1_000_000_000L >= floor * (now - stillStartedNanos)) {
            return true;
        }
        if (framesSinceStill == 0) {
            return now - stillStartedNanos >= 1_000_000_000L + settings.settleLimit().toNanos();
        }
        long back = now - resumedNanos;
        return back >= 1_000_000_000L && framesSinceStill * 1_000_000_000L < floor * back;
    }

    private void takeStill(Resolution size) throws V4l2Exception, DeviceProblem {
        long started = System.nanoTime();
        stillStartedNanos = started;
        framesSinceStill = 0;
        enter(CameraState.SWITCHING);
        Luma before = null;
        if (buffers != null && streamSize.equals(currentSize) && streamSettling == null
                && lastStreamJpeg != null && started - lastStreamFrameNanos < 1_000_000_000L) {
            // The same scene a moment ago: what the still should look like once the camera has settled.
            before = LumaProbe.measure(lastStreamJpeg, PROBE_BUDGET);
            if (before != null) {
                lastKept.put(streamSize, before);
            }
            exposure.settledAt(device, streamSize);
        }
        Luma reference = before != null ? before : lastKept.get(size);
        switchTo(size);
        boolean locked = settings.measureSettling() && exposure.lockFor(device, size);
        startStreaming();
        long switched = System.nanoTime();
        long limit = switched + settings.settleLimit().toNanos();
        long deadline = switched + settings.stillTimeout().toNanos();
        Settling settling = new Settling(settings.warmupFrames(), reference, locked);
        Settling.Reason settled = null;
        int skipped = 0;
        boolean answered = false;
        while (!answered && stills.hasPending(size) && running && System.nanoTime() < deadline) {
            Captured captured = capture();
            if (captured == null) {
                skipped += rejected != null && settled == null ? 1 : 0;
                continue;
            }
            if (settled == null) {
                Luma luma = settings.measureSettling() ? LumaProbe.measure(captured.jpeg, PROBE_BUDGET) : null;
                Settling.Reason reason = settings.measureSettling()
                        ? settling.offer(luma, exposure.readBack(device)) : settling.fixed();
                if (reason == null && settling.lockDidNotHold()) {
                    exposure.failed(device, size);
                    locked = false;
                }
                if (reason == null && System.nanoTime() < limit) {
                    skipped++;
                    continue;
                }
                settled = reason == null ? Settling.Reason.LIMIT : reason;
                if (luma != null && settled != Settling.Reason.LIMIT) {
                    lastKept.put(size, luma);
                }
                if (settled != Settling.Reason.LIMIT && settled != Settling.Reason.UNMEASURED) {
                    exposure.settledAt(device, size);
                    if (locked) {
                        exposure.held(size);
                    }
                }
                lastStill = new StillReport(size, java.time.Duration.ofNanos(captured.readyNanos - switched), skipped,
                        settled.token, locked, 0);
            }
            Frame still = new Frame(++stillSequence, captured.micros, captured.size, captured.jpeg).withTimings(List.of(
                    Timing.ofNanos(Timing.SWITCH, switched - started),
                    Timing.ofNanos(Timing.SETTLE, captured.readyNanos - switched, settled.token + ", " + skipped
                            + " frames skipped" + (locked ? ", exposure carried over" : "")),
                    Timing.ofNanos(Timing.COPY, System.nanoTime() - captured.readyNanos)));
            // A request made after this frame waits its turn: the stream's floor comes first.
            answered = stills.complete(still, started) > 0;
        }
        if (!answered && stills.hasPending(size)) {
            stills.fail(size, new CameraUnavailableException("camera " + settings.id() + " gave no " + size
                    + " still within " + settings.stillTimeout().toMillis() + " ms"));
        }
        stopStreaming();
        if (hub.consumers() == 0) {
            exposure.release(device);
        }
    }

    /** A frame out of the driver; {@code readyNanos}: when the driver said it was there. */
    private record Captured(byte[] jpeg, Resolution size, long micros, long readyNanos) {
    }

    /**
     * Waits for one frame and copies it out of the driver's buffer, which goes back to the driver at once.
     *
     * @return the frame, or {@code null} when none came in time or it was not a whole JPEG of the current size
     */
    private Captured capture() throws V4l2Exception {
        rejected = null;
        if (!device.awaitFrame(POLL_MILLIS)) {
            return null;
        }
        long readyNanos = System.nanoTime();
        V4l2Device.Dequeued buffer = device.dequeue();
        if (buffer == null) {
            return null;
        }
        long dequeuedMicros = StillRequests.Clock.SYSTEM.epochMicros();
        long dequeuedMonotonicMicros = System.nanoTime() / 1000;
        int index = buffer.index();
        JpegExtractor.Result result;
        try {
            long sequence = buffer.sequence();
            if (lastDriverSequence >= 0 && sequence > lastDriverSequence + 1) {
                counters.dropped(sequence - lastDriverSequence - 1);
            }
            lastDriverSequence = sequence;
            if ((buffer.flags() & Videodev2.V4L2_BUF_FLAG_ERROR) != 0) {
                counters.broken();
                rejected = "broken";
                return null;
            }
            int length = Math.min(buffer.bytesused(), buffers.length(index));
            result = JpegExtractor.extract(FrameSource.of(buffers.memory(index), length), orienting.segment());
        } finally {
            device.queue(index);
        }
        if (!result.ok()) {
            counters.broken();
            rejected = "broken";
            return null;
        }
        if (!result.size().equals(currentSize)) {
            rejected = "size"; // the driver's frames from before the switch: not broken, just not this size's
            return null;
        }
        if (result.jpeg().length < Math.max(JpegExtractor.MIN_LENGTH, result.size().pixels() / PIXELS_PER_MINIMUM_BYTE)) {
            counters.broken();
            rejected = "tiny";
            return null;
        }
        return new Captured(result.jpeg(), result.size(), captureMicros(buffer, dequeuedMicros, dequeuedMonotonicMicros),
                readyNanos);
    }

    /**
     * The driver's capture time on the wall clock. Drivers stamp CLOCK_MONOTONIC, which is also the clock of
     * {@link System#nanoTime()}; anything implausible falls back to the dequeue time.
     */
    static long captureMicros(V4l2Device.Dequeued buffer, long dequeuedMicros, long dequeuedMonotonicMicros) {
        if ((buffer.flags() & Videodev2.V4L2_BUF_FLAG_TIMESTAMP_MASK) != Videodev2.V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC) {
            return dequeuedMicros;
        }
        long age = dequeuedMonotonicMicros - buffer.timestampMicros();
        if (age < 0 || age > 5_000_000) {
            return dequeuedMicros;
        }
        return dequeuedMicros - age;
    }

    /** Sets the device's size, reopening it if the driver refuses with EBUSY until closed. */
    private void switchTo(Resolution size) throws V4l2Exception, DeviceProblem {
        if (size.equals(currentSize)) {
            return;
        }
        stopStreaming();
        Format format;
        try {
            format = device.setFormat(pixelFormat, size);
        } catch (V4l2Exception e) {
            if (e.errno() != LibC.EBUSY) {
                throw e;
            }
            log.debug("camera {}: EBUSY setting {}, reopening {}", settings.id(), size, settings.device());
            device.close();
            device = null;
            device = V4l2Device.open(lib, settings.device());
            format = device.setFormat(pixelFormat, size);
        }
        if (format.pix().pixelformat != pixelFormat) {
            throw new DeviceProblem(settings.device() + " switched to "
                    + Videodev2.fourccName(format.pix().pixelformat) + " instead of " + Videodev2.fourccName(pixelFormat));
        }
        currentSize = new Resolution(format.pix().width, format.pix().height);
        if (!currentSize.equals(size)) {
            log.warn("camera {}: asked for {}, the driver chose {}", settings.id(), size, currentSize);
        }
        if (size.equals(streamSize)) {
            device.setFrameRate(settings.fps());
        }
    }

    private void startStreaming() throws V4l2Exception {
        if (buffers != null) {
            return;
        }
        MappedBuffers requested = device.requestBuffers(settings.buffers());
        try {
            for (int i = 0; i < requested.count(); i++) {
                device.queue(i);
            }
            device.streamOn();
        } catch (V4l2Exception | RuntimeException e) {
            // Not streaming: the buffers go back now, so that no later step has to know they were half set up.
            requested.close();
            try {
                device.releaseBuffers();
            } catch (V4l2Exception release) {
                e.addSuppressed(release);
            }
            throw e;
        }
        buffers = requested;
        lastDriverSequence = -1;
    }

    private void stopStreaming() throws V4l2Exception {
        if (buffers == null) {
            return;
        }
        try {
            device.streamOff();
        } finally {
            buffers.close();
            buffers = null;
        }
        device.releaseBuffers();
    }

    private void lost(Throwable e) throws InterruptedException {
        boolean wasConnected = device != null;
        closeDevice();
        boolean news = disconnect(e.getMessage(), new CameraUnavailableException("camera " + settings.id() + " lost: "
                + e.getMessage(), e));
        if (wasConnected) {
            log.warn("camera {}: {}; reconnecting", settings.id(), e.getMessage());
        } else if (news) {
            log.error("camera {}: {}", settings.id(), e.getMessage());
        }
        await(settings.reconnect().toMillis());
    }

    private void closeDevice() {
        if (buffers != null) {
            buffers.close();
            buffers = null;
        }
        if (device != null) {
            device.close();
            device = null;
        }
        currentSize = null;
    }
}
