package dualstream.standalone.cameras.internal;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.osgi.service.component.ComponentConstants;
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

import dualstream.camera.api.CameraProvider;
import dualstream.camera.api.CameraSetup;
import dualstream.camera.support.FolderWatch;
import dualstream.camera.v4l2.V4l2Probe;

/**
 * The standalone runtime's cameras: every V4L2 camera that delivers JPEG frames, found through the links udev keeps
 * in {@code /dev/v4l/by-id} and followed as it comes and goes; the built-in test pattern only while there is none. The
 * folders are watched, not polled: an idle chooser does not wake up.
 * <p>
 * Each camera is served under an id taken from its link's name, which names the model and serial number rather than
 * the port or the {@code /dev/videoN} it got, so its URLs survive a replug. The camera is configured with the link, not
 * the node: after a replug the camera's own reconnection opens whatever node the link points to now. A camera that is
 * unplugged stays configured (reported as disconnected, its id kept) until it returns.
 * <p>
 * The cameras are served through the V4L2 and test-pattern bundles' {@link CameraProvider}s, which own how their
 * cameras are configured; neither knows of the other, and this component knows neither's configuration.
 */
@Component(service = {}, configurationPid = CameraChooser.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = CameraChooser.Config.class)
public final class CameraChooser {

    static final String PID = "dualstream.camera.standalone";
    /** Who set the cameras up, to the providers: a restarted chooser takes back what it served. */
    static final String OWNER = PID;
    static final String TEST_PATTERN_ID = "testpattern";

    /**
     * Which cameras; how they are served is given as {@code settings.<name>} properties, passed on as {@code <name>}
     * to every camera (see {@link CameraSettings}).
     */
    @ObjectClassDefinition(name = "dualstream standalone cameras",
            description = "Which cameras the standalone runtime serves. Camera settings: settings.<name> properties,"
                    + " by the V4L2 camera's names (settings.fps=15).")
    public @interface Config {
        @AttributeDefinition(name = "Camera folder", required = false,
                description = "Every link in it to a V4L2 camera that delivers MJPEG or JPEG is served; empty for"
                        + " none.")
        String cameraDir() default "/dev/v4l/by-id";

        @AttributeDefinition(name = "Device", required = false,
                description = "One more device node to serve, e.g. /dev/video0 for a camera udev gives no by-id link.")
        String device() default "";

        @AttributeDefinition(name = "Device's camera id", description = "The id of the camera at Device.")
        String camera_id() default "0";

        @AttributeDefinition(name = "Camera ids", required = false,
                description = "Ids of your choosing: name=id pairs separated by commas, the name being the link's"
                        + " name or the id it would get (usb-046d_C920_8A1B-video-index0=nozzle).")
        String ids() default "";

    }

    /**
     * A node udev has just linked may not open yet (its permissions come a moment later): looked at again a few times,
     * then at the next event.
     */
    static final int RETRIES = 3;
    static final Duration RETRY_DELAY = Duration.ofMillis(500);

    /** A link (or the configured device) found in one scan. */
    record Candidate(String id, String device, String name, String node) {
    }

    /** A camera this chooser configured. */
    private static final class Served {
        final String device;
        String node;
        boolean present = true;

        Served(String device, String node) {
            this.device = device;
            this.node = node;
        }
    }

    private final Config config;
    private final Map<String, Object> cameraSettings;
    private final V4l2Probe probe;
    private final CameraProvider devices;
    private final CameraProvider testPatterns;
    private final Logger log;
    private final CameraIds ids;
    private final Map<String, Served> served = new LinkedHashMap<>();
    /** What was already said about a node that is not served, so that each scan does not say it again. */
    private final Map<String, String> told = new HashMap<>();
    /**
     * Nodes found not to be cameras dualstream serves (a UVC camera's metadata node), by device: looked at again only
     * when the device points elsewhere. Opening a node at every scan would keep a USB camera from suspending.
     */
    private final Map<String, String> unservable = new HashMap<>();
    private final FolderWatch watch;
    private final Thread thread;
    private volatile boolean running = true;
    private boolean testPattern;

    @Activate
    public CameraChooser(Config config, Map<String, Object> properties, @Reference V4l2Probe probe,
            @Reference(target = "(" + CameraProvider.KIND + "=DEVICE)") CameraProvider devices,
            @Reference(target = "(" + CameraProvider.KIND + "=TEST_PATTERN)") CameraProvider testPatterns,
            @Reference(service = LoggerFactory.class) Logger log) throws IOException {
        this.config = config;
        this.cameraSettings = CameraSettings.of(properties, devices, log);
        this.probe = probe;
        this.devices = devices;
        this.testPatterns = testPatterns;
        this.log = log;
        this.ids = CameraIds.parse(config.ids(), log::error);
        this.watch = new FolderWatch(folders());
        this.thread = new Thread(this::run, "dualstream-camera-chooser");
        thread.setDaemon(true);
        thread.start();
    }

    @Deactivate
    void deactivate(int reason) throws InterruptedException {
        running = false;
        try {
            watch.close(); // wakes the thread from its wait
        } catch (IOException e) {
            log.warn("cannot stop watching the camera folders: {}", e.getMessage());
        }
        thread.interrupt();
        thread.join(5000);
        // A refreshed or stopped bundle keeps the cameras going; the chooser switched off takes them away.
        if (reason == ComponentConstants.DEACTIVATION_REASON_CONFIGURATION_DELETED
                || reason == ComponentConstants.DEACTIVATION_REASON_DISABLED) {
            try {
                for (CameraProvider provider : List.of(devices, testPatterns)) {
                    for (CameraSetup setup : provider.setups(OWNER)) {
                        provider.withdraw(OWNER, setup.id());
                    }
                }
            } catch (IOException | RuntimeException e) {
                log.warn("cannot remove the standalone cameras' configurations: {}", e.getMessage());
            }
        }
    }

    /** What is watched: the camera folder, and the configured device's folder, where its node comes and goes. */
    private List<Path> folders() {
        List<Path> folders = new ArrayList<>();
        String folder = config.cameraDir() == null ? "" : config.cameraDir().trim();
        if (!folder.isEmpty()) {
            folders.add(Path.of(folder));
        }
        String device = config.device() == null ? "" : config.device().trim();
        if (!device.isEmpty() && Path.of(device).toAbsolutePath().getParent() != null) {
            folders.add(Path.of(device).toAbsolutePath().getParent());
        }
        return folders;
    }

    private void run() {
        try {
            adopt();
        } catch (IOException | RuntimeException e) {
            log.error("cannot read the cameras' configurations: {}", e.getMessage(), e);
        }
        int retries = 0;
        try {
            while (running) {
                if (look() && retries < RETRIES) {
                    retries = watch.await(RETRY_DELAY) ? 0 : retries + 1;
                } else {
                    watch.await();
                    retries = 0;
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException deactivated) {
            // the thread ends
        }
    }

    /** Watches the folders as they are now, then scans them; whether something could not be looked at. */
    private boolean look() {
        try {
            watch.update();
            return scan();
        } catch (IOException | RuntimeException e) {
            if (running) {
                log.error("looking for cameras failed: {}", e.getMessage(), e);
            }
            return true;
        }
    }

    /** Takes back the cameras served before a restart of this component, with today's settings. */
    private void adopt() throws IOException {
        for (CameraSetup setup : devices.setups(OWNER)) {
            served.put(setup.id(), new Served(setup.device(), null));
            devices.serve(OWNER, new CameraSetup(setup.id(), setup.device(), cameraSettings));
        }
        for (CameraSetup setup : testPatterns.setups(OWNER)) {
            testPatterns.serve(OWNER, new CameraSetup(setup.id(), "", cameraSettings));
            testPattern = true;
        }
        if (!testPattern) {
            // An earlier release's test pattern, configured without an owner, would stay beside a camera.
            testPatterns.withdraw(OWNER, TEST_PATTERN_ID);
        }
    }

    /** Serves what the folders hold now; whether a node could not be opened, which may be only for a moment. */
    private boolean scan() throws IOException {
        List<Candidate> candidates = candidates();
        Set<String> seen = new HashSet<>();
        Set<String> nodes = new HashSet<>();
        List<String> absences = new ArrayList<>();
        for (Candidate candidate : candidates) {
            if (!nodes.add(candidate.node())) {
                continue; // the configured device is also a link's target: served once, under the link's id
            }
            Served camera = served.get(candidate.id());
            if (camera != null && !camera.device.equals(candidate.device())) {
                say(candidate, "not served: its id '" + candidate.id() + "' is taken by " + camera.device
                        + "; give it another in Camera ids");
                continue;
            }
            if (camera != null) {
                seen.add(candidate.id());
                if (!camera.present) {
                    log.info("Camera {} is back, at {}", candidate.id(), candidate.node());
                } else if (camera.node != null && !camera.node.equals(candidate.node())) {
                    log.info("Camera {} is now at {}", candidate.id(), candidate.node());
                }
                camera.present = true;
                camera.node = candidate.node();
                continue;
            }
            if (candidate.node().equals(unservable.get(candidate.device()))) {
                continue;
            }
            V4l2Probe.Device device;
            try {
                device = probe.probe(candidate.device(), cameraSettings);
            } catch (IOException e) {
                absences.add(candidate.device() + ": " + e.getMessage());
                say(candidate, "cannot be opened: " + e.getMessage());
                continue;
            }
            Optional<String> why = device.unservable();
            if (why.isPresent()) {
                say(candidate, "(" + device.card() + ") not served: " + why.get());
                unservable.put(candidate.device(), candidate.node());
                continue;
            }
            try {
                devices.serve(OWNER, new CameraSetup(candidate.id(), candidate.device(), cameraSettings));
            } catch (IOException e) {
                say(candidate, "not served: " + e.getMessage());
                continue;
            }
            served.put(candidate.id(), new Served(candidate.device(), candidate.node()));
            seen.add(candidate.id());
            told.remove(candidate.device());
            log.info("Camera {}: {} ({}, {}) at {} -> {}, {}: /stream?camera={}", candidate.id(), device.card(),
                    device.driver(), device.busInfo(), candidate.device(), candidate.node(),
                    device.servedFormat().orElseThrow(), candidate.id());
        }
        for (Map.Entry<String, Served> camera : served.entrySet()) {
            if (camera.getValue().present && !seen.contains(camera.getKey())) {
                camera.getValue().present = false;
                log.warn("Camera {} unplugged ({} is gone); it keeps its id and is served again when it returns",
                        camera.getKey(), camera.getValue().device);
            }
        }
        Set<String> devices = new HashSet<>();
        candidates.forEach(candidate -> devices.add(candidate.device()));
        told.keySet().retainAll(devices); // a node unplugged and plugged again is looked at afresh
        unservable.keySet().retainAll(devices);
        testPattern(served.isEmpty(), absences);
        return !absences.isEmpty();
    }

    /** Logs what a node is, once while it stays so. */
    private void say(Candidate candidate, String what) {
        String line = candidate.device() + (candidate.node().equals(candidate.device()) ? "" : " -> " + candidate.node())
                + " " + what;
        if (!line.equals(told.put(candidate.device(), line))) {
            log.info("{}", line);
        }
    }

    private List<Candidate> candidates() throws IOException {
        List<Candidate> candidates = new ArrayList<>();
        String folder = config.cameraDir() == null ? "" : config.cameraDir().trim();
        if (!folder.isEmpty() && Files.isDirectory(Path.of(folder))) {
            List<Path> links;
            try (Stream<Path> entries = Files.list(Path.of(folder))) {
                links = entries.sorted().toList();
            }
            for (Path link : links) {
                String name = link.getFileName().toString();
                Optional<String> node = node(link);
                if (node.isPresent()) { // a dangling link: udev is halfway through adding or removing it
                    candidates.add(new Candidate(ids.idFor(name), link.toString(), name, node.get()));
                }
            }
        }
        String device = config.device() == null ? "" : config.device().trim();
        if (!device.isEmpty()) {
            candidates.add(new Candidate(ids.idFor(device, config.camera_id()), device, device,
                    node(Path.of(device)).orElse(device)));
        }
        return candidates;
    }

    private static Optional<String> node(Path path) {
        if (!path.toFile().exists()) {
            return Optional.empty(); // said without the exception toRealPath would build at every scan
        }
        try {
            return Optional.of(path.toRealPath().toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private void testPattern(boolean wanted, List<String> absences) throws IOException {
        if (wanted == testPattern) {
            return;
        }
        if (wanted) {
            log.info("No camera ({}): serving the built-in test pattern as camera '{}' until one is plugged in",
                    absences.isEmpty() ? "none in " + config.cameraDir() : String.join("; ", absences),
                    TEST_PATTERN_ID);
            testPatterns.serve(OWNER, new CameraSetup(TEST_PATTERN_ID, "", cameraSettings));
        } else {
            log.info("A camera is here: the test pattern stops");
            testPatterns.withdraw(OWNER, TEST_PATTERN_ID);
        }
        testPattern = wanted;
    }
}
