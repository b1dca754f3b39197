package dualstream.stream.mjpeg.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.servlet.ServletOutputStream;
import javax.servlet.WriteListener;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

import dualstream.camera.api.CameraInfo;
import dualstream.camera.api.CameraService;
import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;
import dualstream.camera.api.Resolution;

class MjpegStreamServletTest {

    /** A camera that delivers one frame and then stalls. */
    static CameraService stallingCamera(AtomicInteger nextCalls) {
        Frame frame = new Frame(1, 1_000_000, new Resolution(2, 2), "JPEG".getBytes(StandardCharsets.US_ASCII));
        LiveStream stream = new LiveStream() {
            private boolean given;

            @Override
            public Frame next(long timeout, TimeUnit unit) throws InterruptedException {
                nextCalls.incrementAndGet();
                if (!given) {
                    given = true;
                    return frame;
                }
                unit.sleep(timeout);
                return null;
            }

            @Override
            public void close() {
            }
        };
        CameraInfo info = new CameraInfo("0", "/dev/video0", "test", "test", List.of("MJPG"), List.of());
        return (CameraService) Proxy.newProxyInstance(CameraService.class.getClassLoader(),
                new Class<?>[] {CameraService.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "info" -> info;
                    case "openStream" -> stream;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    static <T> T proxy(Class<T> type, Map<String, Object> answers) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (p, method, args) -> answers.containsKey(method.getName()) ? answers.get(method.getName())
                        : method.getReturnType() == boolean.class ? false
                        : method.getReturnType() == int.class ? 0 : null));
    }

    @Test
    void aStalledCameraGetsItsLastFrameRepeatedSoClientsDoNotTimeOut() throws Exception {
        AtomicInteger nextCalls = new AtomicInteger();
        MjpegStreamServlet servlet = new MjpegStreamServlet(config(200), proxy(Logger.class, Map.of()));
        Field cameras = MjpegStreamServlet.class.getDeclaredField("cameras");
        cameras.setAccessible(true);
        cameras.set(servlet, List.of(stallingCamera(nextCalls)));

        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ServletOutputStream out = new ServletOutputStream() {
            @Override
            public void write(int b) {
                body.write(b);
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {
            }
        };
        HttpServletRequest req = proxy(HttpServletRequest.class, new HashMap<>());
        HttpServletResponse resp = proxy(HttpServletResponse.class, Map.of("getOutputStream", out));
        CompletableFuture<Void> request = CompletableFuture.runAsync(() -> {
            try {
                servlet.doGet(req, resp);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        while (nextCalls.get() < 5) {
            Thread.onSpinWait();
        }
        servlet.deactivate();
        request.get(5, TimeUnit.SECONDS);

        String text = body.toString(StandardCharsets.US_ASCII);
        int parts = text.split("Content-Type: image/jpeg", -1).length - 1;
        assertThat(parts).as("the frame, then repeats while the camera is stalled").isGreaterThanOrEqualTo(3);
        assertThat(text).contains("JPEG\r\n--boundarydonotcross\r\n");
    }

    static MjpegStreamServlet.Config config(long keepAliveMillis) {
        return new MjpegStreamServlet.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return MjpegStreamServlet.Config.class;
            }

            @Override
            public String[] osgi_http_whiteboard_servlet_pattern() {
                return new String[] {"/stream"};
            }

            @Override
            public long keepAliveMillis() {
                return keepAliveMillis;
            }

            @Override
            public int retryAfterSeconds() {
                return 5;
            }
        };
    }
}
