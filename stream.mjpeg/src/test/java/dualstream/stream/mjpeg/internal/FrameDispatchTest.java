package dualstream.stream.mjpeg.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.servlet.AsyncContext;
import javax.servlet.ServletOutputStream;
import javax.servlet.WriteListener;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

import dualstream.camera.api.CameraInfo;
import dualstream.camera.api.CameraService;
import dualstream.camera.api.CameraState;
import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;
import dualstream.camera.api.Resolution;

/** Which thread writes a new frame to viewers: the camera's while few watch, the writer thread otherwise. */
class FrameDispatchTest {

    private static final Frame FRAME = new Frame(1, 1_000_000, new Resolution(4, 3),
            new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9});

    private final List<Stream> streams = new CopyOnWriteArrayList<>();
    private volatile CameraState state = CameraState.STREAMING;
    private final MjpegStreamServlet servlet = new MjpegStreamServlet(config(), stub(Logger.class));

    @BeforeEach
    void oneCamera() {
        servlet.cameras = List.of(camera());
    }

    @AfterEach
    void deactivate() throws InterruptedException {
        servlet.deactivate();
    }

    @Test
    void withFewViewersTheCamerasThreadWritesTheFrame() throws Exception {
        Output viewer = watch();

        publishOn("camera", FRAME);

        assertThat(viewer.partWriters()).containsExactly("camera");
    }

    @Test
    void aViewerOfACameraNotYetOpenedIsKeptAndGetsItsFirstFrame() throws Exception {
        state = CameraState.OPENING;
        Output viewer = watch();

        state = CameraState.IDLE;
        publishOn("camera", FRAME);

        assertThat(viewer.partWriters()).containsExactly("camera");
    }

    @Test
    void withManyViewersTheWriterThreadWritesSoThatTheCameraNeverWaits() throws Exception {
        List<Output> viewers = new ArrayList<>();
        for (int i = 0; i <= MjpegStreamServlet.INLINE_VIEWERS; i++) {
            viewers.add(watch());
        }

        publishOn("camera", FRAME);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (viewers.stream().anyMatch(v -> v.partWriters().isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(viewers).allSatisfy(v -> assertThat(v.partWriters()).containsExactly("dualstream-stream-writer"));
    }

    @Test
    void aConnectionThatFailsEndsItsViewerOnlyAndNeverTheCamerasThread() throws Exception {
        Output failing = watch();
        Output healthy = watch();
        failing.failure = new IllegalArgumentException("the container's own trouble");

        List<Throwable> thrown = publishOn("camera", FRAME);

        assertThat(thrown).as("what reached the camera's thread").isEmpty();
        assertThat(streams.get(0).closed).as("the failing viewer's stream").isTrue();
        assertThat(streams.get(1).closed).isFalse();
        assertThat(healthy.partWriters()).containsExactly("camera");
    }

    /** Runs the camera's publishing on a thread of that name; returns what escaped it. */
    private List<Throwable> publishOn(String threadName, Frame frame) throws InterruptedException {
        List<Throwable> thrown = new CopyOnWriteArrayList<>();
        Thread camera = new Thread(() -> streams.forEach(s -> s.publish(frame)), threadName);
        camera.setUncaughtExceptionHandler((t, e) -> thrown.add(e));
        camera.start();
        camera.join();
        return thrown;
    }

    /** A viewer's GET /stream, with a connection that takes everything at once. */
    private Output watch() throws Exception {
        Output out = new Output();
        AsyncContext async = stub(AsyncContext.class);
        HttpServletRequest req = (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "startAsync" -> async;
                    case "getRemoteAddr" -> "127.0.0.1";
                    default -> null;
                });
        HttpServletResponse resp = (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletResponse.class},
                (proxy, method, args) -> method.getName().equals("getOutputStream") ? out : null);
        servlet.doGet(req, resp);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (out.writers.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(out.writers).as("the opening boundary").isNotEmpty();
        return out;
    }

    private CameraService camera() {
        CameraInfo info = new CameraInfo("0", "/dev/video0", "uvcvideo", "Fake", List.of("MJPG"),
                List.of(FRAME.size()));
        return (CameraService) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {CameraService.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "info" -> info;
                    case "state" -> state;
                    case "openStream" -> {
                        Stream stream = new Stream();
                        streams.add(stream);
                        yield stream;
                    }
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> null;
                });
    }

    /** The newest frame and its listener, as a camera's frame hub keeps them. */
    private static final class Stream implements LiveStream {
        private volatile Frame latest;
        private Frame taken;
        private volatile Runnable listener;
        volatile boolean closed;

        void publish(Frame frame) {
            latest = frame;
            listener.run();
        }

        @Override
        public synchronized Frame next(long timeout, TimeUnit unit) {
            Frame frame = latest;
            if (frame == null || frame == taken) {
                return null;
            }
            taken = frame;
            return frame;
        }

        @Override
        public void onNewFrame(Runnable newFrame) {
            listener = newFrame;
            newFrame.run();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** A connection that is always ready; it records which thread wrote each write. */
    private static final class Output extends ServletOutputStream {
        final List<String> writers = new CopyOnWriteArrayList<>();
        final List<Integer> lengths = new CopyOnWriteArrayList<>();
        volatile RuntimeException failure;

        /** The threads that wrote frames (parts larger than the opening boundary). */
        List<String> partWriters() {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < writers.size(); i++) {
                if (lengths.get(i) > MultipartWriter.BOUNDARY.length() + 4) {
                    parts.add(writers.get(i));
                }
            }
            return parts;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener writeListener) {
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (failure != null) {
                throw failure;
            }
            lengths.add(len);
            writers.add(Thread.currentThread().getName());
        }
    }

    private static MjpegStreamServlet.Config config() {
        return (MjpegStreamServlet.Config) Proxy.newProxyInstance(MjpegStreamServlet.Config.class.getClassLoader(),
                new Class<?>[] {MjpegStreamServlet.Config.class}, (proxy, method, args) -> method.getDefaultValue());
    }

    @SuppressWarnings("unchecked")
    private static <T> T stub(Class<T> type) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) ->
                method.getReturnType() == boolean.class ? Boolean.FALSE : null);
    }
}
