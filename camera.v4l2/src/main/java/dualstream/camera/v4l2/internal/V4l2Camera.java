package dualstream.camera.v4l2.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
import dualstream.camera.api.CameraService;
import dualstream.camera.api.CameraState;
import dualstream.camera.api.CameraStatistics;
import dualstream.camera.api.CameraUnavailableException;
import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;
import dualstream.camera.api.Orientation;
import dualstream.camera.api.Resolution;
import dualstream.camera.api.SizeNotOfferedException;
import dualstream.camera.api.StillReport;
import dualstream.camera.support.CameraCounters;
import dualstream.camera.support.FrameHub;
import dualstream.camera.support.StillRequests;
import dualstream.camera.v4l2.internal.videodev2.V4l2Exception;

/**
 * A UVC webcam through Video4Linux2: a live MJPEG stream at a small size and, on request, stills at the largest.
 * <p>
 * All device work happens on one thread this component owns ({@link CaptureLoop}); the methods here only hand
 * requests to it, so nothing here blocks on the device.
 */
@Component(service = CameraService.class, configurationPid = V4l2Camera.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = V4l2Camera.Config.class, factory = true)
public final class V4l2Camera implements CameraService {

    static final String PID = "dualstream.camera.v4l2";

    @ObjectClassDefinition(name = "dualstream V4L2 camera",
            description = "A USB (UVC) webcam that delivers MJPEG through Video4Linux2. One configuration per camera.")
    public @interface Config {
        @AttributeDefinition(name = "Camera id", description = "How clients choose this camera (?camera=<id>).")
        String camera_id() default "0";

        @AttributeDefinition(name = "Device", description = "The V4L2 device node, e.g. /dev/video0.")
        String device() default "/dev/video0";

        @AttributeDefinition(name = "Stream size", required = false,
                description = "Live stream size, WIDTHxHEIGHT; empty for the offered size closest to 640x480.",
                options = {@Option(label = "closest to 640x480", value = ""), @Option(label = "320x240", value = "320x240"), @Option(label = "640x480", value = "640x480"), @Option(label = "800x600", value = "800x600"), @Option(label = "1280x720", value = "1280x720"), @Option(label = "1920x1080", value = "1920x1080")})
        String streamSize() default "";

        @AttributeDefinition(name = "Still size",
                description = "Still size, WIDTHxHEIGHT, or 'max' for the largest size the camera offers.",
                options = {@Option(label = "largest offered", value = "max"), @Option(label = "1280x720", value = "1280x720"), @Option(label = "1920x1080", value = "1920x1080"), @Option(label = "2592x1944", value = "2592x1944"), @Option(label = "3264x2448", value = "3264x2448"), @Option(label = "3840x2160", value = "3840x2160")})
        String stillSize() default "max";

        @AttributeDefinition(name = "Frames per second", min = "1", max = "120",
                description = "Frame rate asked of the camera for the live stream.")
        int fps() default 30;

        @AttributeDefinition(name = "Warm-up frames", min = "0", max = "100",
                description = "Frames always skipped after a switch, at least; beyond them a still is kept once the"
                        + " camera has settled, which is measured.")
        int warmupFrames() default 1;

        @AttributeDefinition(name = "Driver buffers", min = "2", max = "32")
        int buffers() default 4;

        @AttributeDefinition(name = "Native library",
                description = "Library providing open/close/ioctl/mmap/munmap/poll: 'c' for the C library.")
        String nativeLibrary() default "c";

        @AttributeDefinition(name = "Reconnect interval (ms)", min = "50",
                description = "How often to look for the device again while it is missing.")
        long reconnectMillis() default 1000;

        @AttributeDefinition(name = "Still timeout (ms)", min = "100",
                description = "How long a still may take before the request fails.")
        long stillTimeoutMillis() default 5000;

        @AttributeDefinition(name = "Stream floor (fps)", min = "1", max = "120",
                description = "While someone watches, full-resolution stills never take the live stream below this"
                        + " rate (at most two thirds of the frame rate): requests that come sooner wait for the next"
                        + " allowed switch and share it.")
        int streamFloorFps() default 20;

        @AttributeDefinition(name = "Settle limit (ms)", min = "100",
                description = "How long a still waits for the camera to settle after the switch (its exposure"
                        + " re-converging at the new size) before the newest frame is served anyway; also bounds how"
                        + " long the live stream withholds frames after it.")
        long settleLimitMillis() default 2000;

        @AttributeDefinition(name = "Measure settling",
                description = "Whether a still waits until the camera has settled, as measured (its brightness and"
                        + " exposure); off: the first frame after the warm-up frames, unchecked.")
        boolean measureSettling() default true;

        @AttributeDefinition(name = "Rotation",
                description = "Clockwise turn of the picture, after the flips: by the camera's own flip controls"
                        + " where they can make it, else by an EXIF orientation in every frame and still (nothing is"
                        + " re-encoded).",
                options = {@Option(label = "0", value = "0"), @Option(label = "90", value = "90"), @Option(label = "180", value = "180"), @Option(label = "270", value = "270")})
        int rotation() default 0;

        @AttributeDefinition(name = "Flip horizontally", description = "Mirror the picture left to right.")
        boolean flipHorizontal() default false;

        @AttributeDefinition(name = "Flip vertically", description = "Mirror the picture top to bottom.")
        boolean flipVertical() default false;
    }

    private final Settings settings;
    private final FrameHub hub;
    private final CameraCounters counters = new CameraCounters();
    private final StillRequests stills = new StillRequests(StillRequests.Clock.SYSTEM, counters::still);
    private final CaptureLoop loop;
    private final Thread thread;

    @Activate
    public V4l2Camera(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this(Settings.of(config), log);
        start();
    }

    /** For tests: a camera whose capture thread waits for {@link #start()}, so that it stays OPENING until then. */
    static V4l2Camera unstarted(Config config, Logger log) {
        return new V4l2Camera(Settings.of(config), log);
    }

    private V4l2Camera(Settings settings, Logger log) {
        this.settings = settings;
        this.hub = new FrameHub(this::demandChanged);
        this.loop = new CaptureLoop(settings, hub, stills, counters, log);
        this.thread = new Thread(loop, "dualstream-v4l2-" + settings.id());
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        loop.stop();
        thread.join(TimeUnit.SECONDS.toMillis(5));
        hub.close();
        stills.failAll(new CameraUnavailableException("camera " + settings.id() + " stopped"));
    }

    /** For tests: whether the capture thread has ended. */
    boolean stopped() {
        return !thread.isAlive();
    }

    private void demandChanged() {
        loop.wake();
    }

    @Override
    public CameraInfo info() {
        return loop.info();
    }

    @Override
    public Resolution streamSize() {
        return loop.streamSize();
    }

    @Override
    public Resolution stillSize() {
        return loop.stillSize();
    }

    @Override
    public int targetFps() {
        return settings.fps();
    }

    @Override
    public CameraState state() {
        return loop.state();
    }

    @Override
    public CameraStatistics statistics() {
        return counters.snapshot(hub.consumers(), stills.lastLatency());
    }

    @Override
    public Optional<String> problem() {
        return loop.state() == CameraState.DISCONNECTED ? Optional.ofNullable(loop.problem()) : Optional.empty();
    }

    @Override
    public LiveStream openStream() {
        return hub.open();
    }

    @Override
    public CompletionStage<Frame> captureStill() {
        // The still size is known only once the device has told its sizes.
        if (loop.state() == CameraState.OPENING) {
            return loop.firstOpen().thenCompose(opened -> captureStill(stillSize()));
        }
        return captureStill(stillSize());
    }

    @Override
    public CompletionStage<Frame> captureStill(Resolution size) {
        if (loop.state() == CameraState.OPENING) {
            return loop.firstOpen().thenCompose(opened -> captureStill(size));
        }
        if (!thread.isAlive()) {
            return CompletableFuture.failedFuture(new CameraUnavailableException("camera " + settings.id() + " stopped"));
        }
        if (loop.state() == CameraState.DISCONNECTED) {
            return CompletableFuture.failedFuture(new CameraUnavailableException(
                    "camera " + settings.id() + " is disconnected: " + loop.problem()));
        }
        List<Resolution> offered = info().sizes();
        if (!offered.contains(size)) {
            throw new SizeNotOfferedException(settings.id(), offered, size);
        }
        CompletableFuture<Frame> still = stills.request(size);
        loop.wake();
        return still;
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> effective = new LinkedHashMap<>();
        effective.put("fps", settings.fps());
        effective.put("warmupFrames", settings.warmupFrames());
        effective.put("buffers", settings.buffers());
        effective.put("reconnectMillis", settings.reconnect().toMillis());
        effective.put("stillTimeoutMillis", settings.stillTimeout().toMillis());
        effective.put("streamFloorFps", settings.streamFloorFps());
        effective.put("settleLimitMillis", settings.settleLimit().toMillis());
        effective.put("measureSettling", settings.measureSettling());
        effective.put("rotation", settings.orientation().rotation());
        effective.put("flipHorizontal", settings.orientation().flipHorizontal());
        effective.put("flipVertical", settings.orientation().flipVertical());
        return effective;
    }

    @Override
    public Orientation.Applied orientation() {
        return loop.orientation();
    }

    @Override
    public Optional<StillReport> lastStill() {
        return Optional.ofNullable(loop.lastStill());
    }

    @Override
    public List<CameraControl> controls() {
        return loop.controls();
    }

    @Override
    public CameraControl setControl(int id, int value) throws CameraUnavailableException {
        CameraControl control = loop.controls().stream().filter(c -> c.id() == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("camera " + settings.id() + " has no control " + id));
        control.validate(value);
        String refusal = loop.refusal(id);
        if (refusal != null) {
            throw new IllegalArgumentException(control.name() + " is " + refusal);
        }
        CompletableFuture<CameraControl> result = loop.submit(device -> loop.applyControl(device, id, value));
        try {
            return result.get(2, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof V4l2Exception v && !v.isDeviceLost()) {
                throw new IllegalArgumentException(control.name() + ": the camera refused " + value + ": "
                        + V4l2Exception.errnoName(v.errno()), v);
            }
            throw new CameraUnavailableException("camera " + settings.id() + ": " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            result.cancel(false);
            throw new CameraUnavailableException("camera " + settings.id() + " did not answer within 2 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CameraUnavailableException("interrupted");
        }
    }

    /** The configuration, checked once. */
    record Settings(String id, String device, Resolution streamSize, Resolution stillSize, int fps, int warmupFrames,
            int buffers, String nativeLibrary, Duration reconnect, Duration stillTimeout, int streamFloorFps,
            Duration settleLimit, boolean measureSettling, Orientation orientation) {

        static Settings of(Config config) {
            String id = config.camera_id();
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException(PID + ": camera.id must not be empty");
            }
            if (config.device() == null || config.device().isBlank()) {
                throw new IllegalArgumentException(PID + ": device must not be empty");
            }
            within("fps", config.fps(), 1, 120);
            within("warmupFrames", config.warmupFrames(), 0, 100);
            within("buffers", config.buffers(), 2, 32);
            within("reconnectMillis", config.reconnectMillis(), 50, Long.MAX_VALUE);
            within("stillTimeoutMillis", config.stillTimeoutMillis(), 100, Long.MAX_VALUE);
            within("streamFloorFps", config.streamFloorFps(), 1, 120);
            within("settleLimitMillis", config.settleLimitMillis(), 100, Long.MAX_VALUE);
            String library = config.nativeLibrary() == null || config.nativeLibrary().isBlank() ? "c"
                    : config.nativeLibrary().trim();
            return new Settings(id, config.device().trim(), size("streamSize", config.streamSize(), ""),
                    size("stillSize", config.stillSize(), "max"), config.fps(), config.warmupFrames(),
                    config.buffers(), library, Duration.ofMillis(config.reconnectMillis()),
                    Duration.ofMillis(config.stillTimeoutMillis()),
                    Math.max(1, Math.min(config.streamFloorFps(), config.fps() * 2 / 3)),
                    Duration.ofMillis(config.settleLimitMillis()), config.measureSettling(), orientation(config));
        }

        private static Orientation orientation(Config config) {
            try {
                return new Orientation(config.rotation(), config.flipHorizontal(), config.flipVertical());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PID + ": " + e.getMessage(), e);
            }
        }

        /** The ranges the metatype declares, which a configuration written without a UI has not been held to. */
        private static void within(String name, long value, long min, long max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(PID + ": " + name + " must be " + (max == Long.MAX_VALUE
                        ? "at least " + min : min + ".." + max) + ", got " + value);
            }
        }

        /** {@code null} means "choose": closest to 640x480 for the stream, largest for stills. */
        private static Resolution size(String name, String value, String automatic) {
            if (value == null || value.isBlank() || value.trim().equalsIgnoreCase(automatic)) {
                return null;
            }
            try {
                return Resolution.parse(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PID + ": " + name + ": " + e.getMessage(), e);
            }
        }
    }
}
