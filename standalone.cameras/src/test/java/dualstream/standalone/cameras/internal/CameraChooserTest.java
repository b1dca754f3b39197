package dualstream.standalone.cameras.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.log.Logger;

import dualstream.camera.api.CameraProvider;
import dualstream.camera.api.CameraSetup;
import dualstream.camera.v4l2.V4l2Probe;
import dualstream.test.support.Await;

/** The chooser on a temporary folder and a probe that answers as told: what it sees, it sees through events alone. */
class CameraChooserTest {

    static final Duration TIMEOUT = Duration.ofSeconds(20);
    static final String CAMERA_A = "usb-Fake_Camera_A1B2-video-index0";
    static final String CAMERA_A_METADATA = "usb-Fake_Camera_A1B2-video-index1";
    static final String CAMERA_B = "usb-Bed_Camera_77-video-index0";
    /** Its link sorts after camera A's: a scan that serves it has passed A's links. */
    static final String CAMERA_C = "usb-Fake_Camera_Z9Y8-video-index0";
    static final String TEST_PATTERN = "pattern " + CameraChooser.TEST_PATTERN_ID;

    @TempDir
    Path root;

    /** Cameras served ({@code +camera id}, {@code +pattern id}) and withdrawn ({@code -...}), in order. */
    final BlockingQueue<String> changes = new LinkedBlockingQueue<>();
    final FakeProvider cameras = new FakeProvider("camera");
    final FakeProvider testPatterns = new FakeProvider("pattern");
    /** What the chooser logged. */
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    /** Probes by node; what a node answers, after refusing to open some times. */
    final Map<String, AtomicInteger> probes = new ConcurrentHashMap<>();
    final Map<String, V4l2Probe.Device> devices = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> refusals = new ConcurrentHashMap<>();
    CameraChooser chooser;

    static final V4l2Probe.Device CAMERA = new V4l2Probe.Device("Fake", "uvcvideo", "usb-1", true, List.of("MJPG"));
    static final V4l2Probe.Device METADATA = new V4l2Probe.Device("Fake", "uvcvideo", "usb-1", false, List.of());

    @AfterEach
    void deactivate() throws InterruptedException {
        if (chooser != null) {
            chooser.deactivate(ComponentConstants.DEACTIVATION_REASON_BUNDLE_STOPPED);
            assertThat(thread()).as("the chooser's thread, ended by deactivate").isNull();
        }
    }

    @Test
    void aCameraFolderCreatedAfterStartIsWatchedAndItsLinksServed() throws Exception {
        Path byId = root.resolve("v4l/by-id");
        start(byId);
        awaitChange("+" + TEST_PATTERN);
        awaitIdle();

        Files.createDirectories(byId);
        plug(byId, "video3", CAMERA_A, CAMERA);
        awaitChange("+camera Fake_Camera_A1B2");
        awaitChange("-" + TEST_PATTERN);
        assertThat(cameras.served.get("Fake_Camera_A1B2").device())
                .isEqualTo(byId.resolve(CAMERA_A).toString());
        awaitIdle();
        assertThat(probes(root.resolve("dev/video3"))).isEqualTo(1);
    }

    @Test
    void anEarlierReleasesTestPatternDoesNotStayBesideACamera() throws Exception {
        testPatterns.unowned.put(CameraChooser.TEST_PATTERN_ID, new CameraSetup(CameraChooser.TEST_PATTERN_ID, "",
                Map.of()));
        Path byId = Files.createDirectories(root.resolve("v4l/by-id"));
        plug(byId, "video3", CAMERA_A, CAMERA);
        start(byId);
        awaitChange("+camera Fake_Camera_A1B2");
        awaitIdle();
        assertThat(testPatterns.unowned).isEmpty();
        assertThat(testPatterns.served).isEmpty();
    }

    @Test
    void aLinkGoneAndBackWithTheFolderIsFollowed() throws Exception {
        Path byId = Files.createDirectories(root.resolve("v4l/by-id"));
        Path node = plug(byId, "video3", CAMERA_A, CAMERA);
        start(byId);
        awaitChange("+camera Fake_Camera_A1B2");
        awaitIdle();

        // The last camera unplugged: udev removes by-id too, which is then watched through its parent.
        Files.delete(byId.resolve(CAMERA_A));
        Files.delete(node);
        Files.delete(byId);
        awaitLine("Camera Fake_Camera_A1B2 unplugged");
        awaitIdle();

        Path again = plug(Files.createDirectories(byId), "video7", CAMERA_A, CAMERA);
        awaitLine("Camera Fake_Camera_A1B2 is back, at " + again.toRealPath());
        assertThat(probes(again)).as("a camera back is not probed again").isZero();
        assertThat(cameras.served).as("a known camera away keeps its id").containsOnlyKeys("Fake_Camera_A1B2");
        assertThat(testPatterns.served).as("no test pattern").isEmpty();
    }

    @Test
    void aNodeNotOpenableYetIsLookedAtAgainWithoutAnEvent() throws Exception {
        Path byId = Files.createDirectories(root.resolve("by-id"));
        start(byId);
        awaitChange("+" + TEST_PATTERN);
        awaitIdle();

        // udev sets the node's permissions after the link
        Path node = plug(byId, "video3", CAMERA_A, CAMERA, CameraChooser.RETRIES - 1);
        awaitChange("+camera Fake_Camera_A1B2");
        assertThat(probes(node)).isEqualTo(CameraChooser.RETRIES);
    }

    @Test
    void aNodeThatCannotBeOpenedIsLookedAtABoundedNumberOfTimesThenAtTheNextEvent() throws Exception {
        Path byId = Files.createDirectories(root.resolve("by-id"));
        start(byId);
        awaitChange("+" + TEST_PATTERN);
        awaitIdle();

        Path node = plug(byId, "video3", CAMERA_A, CAMERA, Integer.MAX_VALUE);
        Await.until("the retries", TIMEOUT, () -> probes(node) == 1 + CameraChooser.RETRIES);
        awaitIdle();
        assertThat(probes(node)).isEqualTo(1 + CameraChooser.RETRIES);

        plug(byId, "video4", CAMERA_B, CAMERA);
        awaitChange("+camera Bed_Camera_77");
        awaitIdle();
        assertThat(probes(node)).as("looked at again after the event, as many times")
                .isEqualTo(2 * (1 + CameraChooser.RETRIES));
    }

    @Test
    void aNodeThatIsNoCameraIsOpenedOnceNotAtEveryScan() throws Exception {
        Path byId = Files.createDirectories(root.resolve("by-id"));
        start(byId);
        awaitChange("+" + TEST_PATTERN);
        Path metadata = plug(byId, "video4", CAMERA_A_METADATA, METADATA);
        plug(byId, "video3", CAMERA_A, CAMERA);
        awaitChange("+camera Fake_Camera_A1B2");
        plug(byId, "video5", CAMERA_C, CAMERA);
        awaitChange("+camera Fake_Camera_Z9Y8");
        assertThat(probes(metadata)).isEqualTo(1);
    }

    @Test
    void theConfiguredDevicesFolderIsWatched() throws Exception {
        Path dev = Files.createDirectories(root.resolve("dev")).toRealPath();
        start(root.resolve("absent"), dev.resolve("video0"));
        awaitChange("+" + TEST_PATTERN);
        awaitIdle();
        int before = probes(dev.resolve("video0"));

        devices.put(dev.resolve("video0").toString(), CAMERA);
        Files.writeString(dev.resolve("video0"), "");
        awaitChange("+camera 0");
        assertThat(probes(dev.resolve("video0"))).isEqualTo(before + 1);
    }

    @Test
    void aRestartedChooserTakesBackItsCamerasWithTodaysSettingsEvenOneUnpluggedMeanwhile() throws Exception {
        Path byId = Files.createDirectories(root.resolve("by-id"));
        cameras.serve(CameraChooser.OWNER, new CameraSetup("Fake_Camera_A1B2", byId.resolve(CAMERA_A).toString(),
                Map.of("fps", "5")));
        changes.clear();
        start(byId, null, Map.of("settings.fps", "15"));
        awaitChange("+camera Fake_Camera_A1B2");
        assertThat(cameras.served.get("Fake_Camera_A1B2").settings()).isEqualTo(Map.of("fps", "15"));
        awaitLine("Camera Fake_Camera_A1B2 unplugged");
        awaitIdle();
        assertThat(testPatterns.served).as("its own camera, away: no test pattern").isEmpty();

        Path node = plug(byId, "video3", CAMERA_A, CAMERA);
        awaitLine("Camera Fake_Camera_A1B2 is back, at " + node.toRealPath());
    }

    @Test
    void settingsTheCamerasRefuseAreLeftOutEachWithItsReason() throws Exception {
        cameras.refused = Map.of("buffers", "buffers must be 2..32, got 99");
        start(Files.createDirectories(root.resolve("by-id")), null, Map.of("settings.buffers", "99",
                "settings.fps", " 15 ", "settings.stillSize", ""));
        awaitChange("+" + TEST_PATTERN);
        assertThat(testPatterns.served.get(CameraChooser.TEST_PATTERN_ID).settings())
                .as("trimmed; an empty one is the camera's default").isEqualTo(Map.of("fps", "15"));
        awaitLine("camera setting buffers=99 refused: buffers must be 2..32, got 99; the camera's default is used");
    }

    private void start(Path cameraDir) throws IOException {
        start(cameraDir, null);
    }

    private void start(Path cameraDir, Path device) throws IOException {
        start(cameraDir, device, Map.of());
    }

    private void start(Path cameraDir, Path device, Map<String, Object> properties) throws IOException {
        Map<String, Object> values = new HashMap<>();
        values.put("cameraDir", cameraDir.toString());
        values.put("device", device == null ? "" : device.toString());
        CameraChooser.Config config = proxy(CameraChooser.Config.class, (method, args) -> values.containsKey(
                method.getName()) ? values.get(method.getName()) : method.getDefaultValue());
        V4l2Probe probe = (path, settings) -> {
            String node = Path.of(path).toFile().exists() ? Path.of(path).toRealPath().toString() : path;
            probes.computeIfAbsent(node, n -> new AtomicInteger()).incrementAndGet();
            V4l2Probe.Device answer = devices.get(node);
            if (answer == null || refusals.getOrDefault(node, new AtomicInteger()).getAndDecrement() > 0) {
                throw new IOException("Permission denied");
            }
            return answer;
        };
        chooser = new CameraChooser(config, properties, probe, cameras, testPatterns, proxy(Logger.class, (method, args) -> {
                    if (args != null && args.length > 0 && args[0] instanceof String format) {
                        lines.add(format(format, args));
                    }
                    return null;
                }));
    }

    private static String format(String format, Object[] args) {
        List<Object> values = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i] instanceof Object[] more) {
                values.addAll(List.of(more));
            } else {
                values.add(args[i]);
            }
        }
        StringBuilder line = new StringBuilder(format);
        for (Object value : values) {
            int at = line.indexOf("{}");
            if (at < 0) {
                break;
            }
            line.replace(at, at + 2, String.valueOf(value));
        }
        return line.toString();
    }

    private Path plug(Path byId, String node, String link, V4l2Probe.Device device) throws IOException {
        return plug(byId, node, link, device, 0);
    }

    /** What udev does: the node, then a relative link to it. */
    private Path plug(Path byId, String node, String link, V4l2Probe.Device device, int refused) throws IOException {
        Path file = Files.createDirectories(root.resolve("dev")).resolve(node);
        Files.writeString(file, "");
        devices.put(file.toRealPath().toString(), device);
        refusals.put(file.toRealPath().toString(), new AtomicInteger(refused));
        Files.createSymbolicLink(byId.resolve(link), byId.relativize(file));
        return file;
    }

    private int probes(Path node) {
        String key;
        try {
            key = node.toFile().exists() ? node.toRealPath().toString() : node.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AtomicInteger count = probes.get(key);
        return count == null ? 0 : count.get();
    }

    private void awaitLine(String start) throws InterruptedException {
        await(lines, start);
    }

    private void awaitChange(String change) throws InterruptedException {
        await(changes, change);
    }

    private static void await(BlockingQueue<String> queue, String start) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            String next = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (next == null) {
                fail("no '" + start + "' within " + TIMEOUT);
            }
            if (next.startsWith(start)) {
                return;
            }
        }
    }

    /** Waits until the chooser's thread waits for an event with no timeout: nothing pending, no retry, no timer. */
    private void awaitIdle() {
        Await.until("the chooser waiting for an event", TIMEOUT, () -> {
            Thread thread = thread();
            return thread != null && thread.getState() == Thread.State.WAITING && Stream.of(thread.getStackTrace())
                    .anyMatch(frame -> frame.getMethodName().equals("take")
                            && frame.getClassName().endsWith("WatchService"));
        });
    }

    private static Thread thread() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("dualstream-camera-chooser") && t.isAlive()).findFirst().orElse(null);
    }

    /** A camera bundle's provider: what it serves, by id; every change also in {@link #changes}. */
    final class FakeProvider implements CameraProvider {
        final String kind;
        final Map<String, CameraSetup> served = new ConcurrentHashMap<>();
        /** Configured without an owner (by an earlier release): not among the setups, but taken over or withdrawn. */
        final Map<String, CameraSetup> unowned = new ConcurrentHashMap<>();
        volatile Map<String, String> refused = Map.of();

        FakeProvider(String kind) {
            this.kind = kind;
        }

        @Override
        public void serve(String owner, CameraSetup setup) {
            assertThat(owner).isEqualTo(CameraChooser.OWNER);
            unowned.remove(setup.id());
            if (!setup.equals(served.put(setup.id(), setup))) {
                changes.add("+" + kind + " " + setup.id());
            }
        }

        @Override
        public void withdraw(String owner, String id) {
            unowned.remove(id);
            if (served.remove(id) != null) {
                changes.add("-" + kind + " " + id);
            }
        }

        @Override
        public List<CameraSetup> setups(String owner) {
            return List.copyOf(served.values());
        }

        @Override
        public Map<String, String> refusals(Map<String, ?> settings) {
            Map<String, String> refusals = new HashMap<>(refused);
            refusals.keySet().retainAll(settings.keySet());
            return refusals;
        }
    }

    interface Answer {
        Object answer(Method method, Object[] args) throws Exception;
    }

    @SuppressWarnings("unchecked")
    static <T> T proxy(Class<T> type, Answer answer) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> type.getSimpleName();
                };
            }
            return answer.answer(method, args);
        });
    }
}
