package dualstream.camera.testpattern.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import dualstream.camera.api.CameraControl;
import dualstream.camera.api.CameraInfo;
import dualstream.camera.api.CameraKind;
import dualstream.camera.api.CameraService;
import dualstream.camera.api.CameraState;
import dualstream.camera.api.CameraStatistics;
import dualstream.camera.api.CameraUnavailableException;
import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;
import dualstream.camera.api.Orientation;
import dualstream.camera.api.Resolution;
import dualstream.camera.api.SizeNotOfferedException;
import dualstream.camera.support.CameraCounters;
import dualstream.camera.support.ExifOrientation;
import dualstream.camera.support.FrameHub;
import dualstream.camera.support.StillRequests;

/**
 * A camera without hardware: serves a moving test pattern, painted once at start, at the configured rate.
 * <p>
 * It keeps the camera contract: it generates frames only while a consumer is attached or a still is wanted, and a
 * still is always captured after its request.
 */
@Component(service = CameraService.class, configurationPid = TestPatternCamera.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = TestPatternCamera.Config.class, factory = true)
public final class TestPatternCamera implements CameraService {

    static final String PID = "dualstream.camera.testpattern";
    static final int CYCLE_FRAMES = 60;
    static final int STILL_VARIANTS = 4;
    static final int MAX_SIDE = 4096;

    @ObjectClassDefinition(name = "dualstream test-pattern camera",
            description = "A camera that needs no hardware: a moving test pattern with a frame counter.")
    public @interface Config {
        @AttributeDefinition(name = "Camera id", description = "How clients choose this camera (?camera=<id>).")
        String camera_id() default "testpattern";

        @AttributeDefinition(name = "Stream size", description = "Live stream size, WIDTHxHEIGHT.")
        String streamSize() default "640x480";

        @AttributeDefinition(name = "Still size", description = "Still size, WIDTHxHEIGHT, or 'max' for 1600x1200.")
        String stillSize() default "max";

        @AttributeDefinition(name = "Frames per second", min = "1", max = "120")
        int fps() default 30;

        @AttributeDefinition(name = "Rotation", description = "Clockwise turn after the flips, as an EXIF orientation.",
                options = {@Option(label = "0", value = "0"), @Option(label = "90", value = "90"), @Option(label = "180", value = "180"), @Option(label = "270", value = "270")})
        int rotation() default 0;

        @AttributeDefinition(name = "Flip horizontally")
        boolean flipHorizontal() default false;

        @AttributeDefinition(name = "Flip vertically")
        boolean flipVertical() default false;
    }

    private final CameraInfo info;
    private final Resolution streamSize;
    private final Resolution stillSize;
    private final int fps;
    private final Orientation.Applied orientation;
    private final Logger log;
    private final FrameHub hub = new FrameHub(this::demandChanged);
    private final CameraCounters counters = new CameraCounters();
    private final StillRequests stills = new StillRequests(StillRequests.Clock.SYSTEM, counters::still);
    private final ScheduledExecutorService worker;
    /** The worker's thread, so that deactivation can wait until it has ended. */
    private volatile Thread workerThread;

    /** The camera's life: its frames painted once, then ticking while wanted, until stopped. */
    enum Phase {
        PAINTING, IDLE, TICKING, STOPPED
    }

    /** Moved on the worker thread, except to STOPPED, which deactivation does and nothing leaves. */
    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.PAINTING);

    // Touched only on the worker thread.
    private List<byte[]> streamFrames;
    private List<byte[]> stillFrames;
    private ScheduledFuture<?> ticking;
    private long sequence;
    private long stillSequence;

    @Activate
    public TestPatternCamera(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        Settings settings = Settings.of(config);
        String id = settings.id();
        this.streamSize = settings.streamSize();
        this.stillSize = settings.stillSize();
        this.fps = settings.fps();
        this.orientation = Orientation.Applied.of(settings.orientation(), false, false);
        this.info = new CameraInfo(id, "testpattern", "dualstream", "Test pattern", List.of("MJPG"),
                streamSize.equals(stillSize) ? List.of(streamSize) : List.of(streamSize, stillSize),
                CameraKind.TEST_PATTERN);
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "dualstream-testpattern-" + id);
            workerThread = thread;
            return thread;
        });
        worker.execute(this::paintAll);
        log.info("No camera hardware: serving a test pattern as camera '{}' ({} stream, {} stills, {} fps)", id,
                streamSize, stillSize, fps);
    }

    /** A configuration as this camera takes it; refused with why. */
    record Settings(String id, Resolution streamSize, Resolution stillSize, int fps, Orientation orientation) {

        static Settings of(Config config) {
            String id = config.camera_id();
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException(PID + ": camera.id must not be empty");
            }
            if (config.fps() < 1 || config.fps() > 120) {
                throw new IllegalArgumentException(PID + ": fps must be 1..120, got " + config.fps());
            }
            Orientation orientation;
            try {
                orientation = new Orientation(config.rotation(), config.flipHorizontal(), config.flipVertical());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PID + ": " + e.getMessage(), e);
            }
            return new Settings(id, size("streamSize", config.streamSize(), new Resolution(640, 480)),
                    size("stillSize", config.stillSize(), new Resolution(1600, 1200)), config.fps(), orientation);
        }
    }

    private static Resolution size(String name, String value, Resolution fallback) {
        if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("max")) {
            return fallback;
        }
        Resolution size;
        try {
            size = Resolution.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PID + ": " + name + ": " + e.getMessage(), e);
        }
        if (size.width() > MAX_SIDE || size.height() > MAX_SIDE) {
            throw new IllegalArgumentException(PID + ": " + name + " " + size + " exceeds " + MAX_SIDE + "x" + MAX_SIDE);
        }
        return size;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        phase.set(Phase.STOPPED);
        worker.shutdownNow();
        // Its thread, not the executor's termination, which comes while the thread is still on its way out: a bundle
        // update must not find it alive, holding the old class loader.
        Thread thread = workerThread;
        thread.join(TimeUnit.SECONDS.toMillis(5));
        if (thread.isAlive()) {
            log.warn("test-pattern camera '{}' did not stop within 5 s", info.id());
        }
        hub.close();
        stills.failAll(new CameraUnavailableException("camera " + info.id() + " stopped"));
    }

    private void paintAll() {
        long start = System.nanoTime();
        PatternPainter painter = new PatternPainter(0.8f);
        List<byte[]> frames = new ArrayList<>(CYCLE_FRAMES);
        for (int i = 0; i < CYCLE_FRAMES; i++) {
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            frames.add(oriented(painter.paint(streamSize, (double) i / CYCLE_FRAMES, i, false)));
        }
        List<byte[]> stillImages = new ArrayList<>(STILL_VARIANTS);
        for (int i = 0; i < STILL_VARIANTS; i++) {
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            stillImages.add(oriented(painter.paint(stillSize, (double) i / STILL_VARIANTS, i, true)));
        }
        streamFrames = frames;
        stillFrames = stillImages;
        phase.compareAndSet(Phase.PAINTING, Phase.IDLE);
        log.debug("test pattern painted in {} ms", (System.nanoTime() - start) / 1_000_000);
        updateTicking();
    }

    private byte[] oriented(byte[] jpeg) {
        return orientation.exif() == 1 ? jpeg : ExifOrientation.inserted(jpeg, ExifOrientation.segment(orientation.exif()));
    }

    @Override
    public Orientation.Applied orientation() {
        return orientation;
    }

    private void demandChanged() {
        onWorker(this::updateTicking);
    }

    private void onWorker(Runnable task) {
        try {
            worker.execute(task);
        } catch (RejectedExecutionException stopping) {
            // Deactivated: there is no camera left to wake.
        }
    }

    private void updateTicking() {
        boolean wanted = hub.consumers() > 0 || stills.hasPending();
        if (wanted && phase.compareAndSet(Phase.IDLE, Phase.TICKING)) {
            ticking = worker.scheduleAtFixedRate(this::tick, 0, 1_000_000_000L / fps, TimeUnit.NANOSECONDS);
        } else if (!wanted && phase.compareAndSet(Phase.TICKING, Phase.IDLE)) {
            ticking.cancel(false);
            ticking = null;
            hub.clear();
        }
    }

    private void tick() {
        long now = StillRequests.Clock.SYSTEM.epochMicros();
        sequence++;
        Frame live = new Frame(sequence, now, streamSize, streamFrames.get((int) (sequence % CYCLE_FRAMES)));
        if (hub.consumers() > 0) {
            hub.publish(live);
            counters.frame();
        }
        if (stills.hasPending(streamSize)) {
            stills.complete(live);
        }
        if (!stillSize.equals(streamSize) && stills.hasPending(stillSize)) {
            stillSequence++;
            byte[] jpeg = stillFrames.get((int) (stillSequence % STILL_VARIANTS));
            stills.complete(new Frame(stillSequence, now, stillSize, jpeg));
        }
        updateTicking();
    }

    @Override
    public CameraInfo info() {
        return info;
    }

    @Override
    public Resolution streamSize() {
        return streamSize;
    }

    @Override
    public Resolution stillSize() {
        return stillSize;
    }

    @Override
    public int targetFps() {
        return fps;
    }

    @Override
    public Map<String, Object> settings() {
        Orientation wanted = orientation.wanted();
        return Map.of("fps", fps, "rotation", wanted.rotation(), "flipHorizontal", wanted.flipHorizontal(),
                "flipVertical", wanted.flipVertical());
    }

    @Override
    public CameraState state() {
        return phase.get() == Phase.TICKING ? CameraState.STREAMING : CameraState.IDLE;
    }

    @Override
    public CameraStatistics statistics() {
        return counters.snapshot(hub.consumers(), stills.lastLatency());
    }

    @Override
    public LiveStream openStream() {
        return hub.open();
    }

    @Override
    public CompletionStage<Frame> captureStill(Resolution size) {
        if (phase.get() == Phase.STOPPED) {
            return CompletableFuture.failedFuture(new CameraUnavailableException("camera " + info.id() + " stopped"));
        }
        if (!info.sizes().contains(size)) {
            throw new SizeNotOfferedException(info.id(), info.sizes(), size);
        }
        CompletableFuture<Frame> still = stills.request(size);
        onWorker(this::updateTicking);
        if (phase.get() == Phase.STOPPED) {
            stills.failAll(new CameraUnavailableException("camera " + info.id() + " stopped"));
        }
        return still;
    }

    @Override
    public List<CameraControl> controls() {
        return List.of();
    }

    @Override
    public CameraControl setControl(int id, int value) {
        throw new IllegalArgumentException("the test-pattern camera has no control " + id);
    }
}
