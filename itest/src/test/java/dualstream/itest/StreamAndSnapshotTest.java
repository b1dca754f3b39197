package dualstream.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.annotation.Property;
import org.osgi.test.common.annotation.config.WithFactoryConfiguration;
import org.osgi.test.common.service.ServiceAware;
import org.osgi.test.junit5.cm.ConfigurationExtension;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

import dualstream.camera.api.CameraService;
import dualstream.camera.api.CameraState;
import dualstream.camera.api.Frame;
import dualstream.camera.api.LiveStream;
import dualstream.camera.api.Resolution;
import dualstream.test.support.Await;

@ExtendWith({BundleContextExtension.class, ServiceExtension.class, ConfigurationExtension.class})
@WithFactoryConfiguration(factoryPid = "dualstream.camera.testpattern", name = "itest", location = "?", properties = {
        @Property(key = "camera.id", value = "itest"),
        @Property(key = "streamSize", value = "320x240"),
        @Property(key = "stillSize", value = "1024x768"),
        @Property(key = "fps", value = "20")})
class StreamAndSnapshotTest {

    static final int FPS = 20;
    static final Resolution STREAM = new Resolution(320, 240);
    static final Resolution STILL = new Resolution(1024, 768);

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ServiceAware<CameraService> cameras;

    @InjectService(timeout = 10_000)
    ServiceAware<HttpServiceRuntime> runtime;

    URI base;

    @BeforeEach
    void servletsAreUp() {
        base = Http.ready(runtime, "dualstream-stream", "dualstream-snapshot");
    }

    @Test
    void registersTheConfiguredCameraWithItsId() {
        CameraService camera = cameras.getService();
        assertThat(camera.info().id()).isEqualTo("itest");
        assertThat(cameras.getServiceReference().getProperty(CameraService.CAMERA_ID)).isEqualTo("itest");
        assertThat(camera.streamSize()).isEqualTo(STREAM);
        assertThat(camera.stillSize()).isEqualTo(STILL);
        assertThat(camera.targetFps()).isEqualTo(FPS);
    }

    @Test
    void streamsWholeJpegPartsAtTheConfiguredRate() throws Exception {
        HttpResponse<InputStream> response = Http.CLIENT.send(
                HttpRequest.newBuilder(base.resolve("stream")).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            assertThat(response.statusCode()).isEqualTo(200);
            String contentType = response.headers().firstValue("Content-Type").orElseThrow();
            assertThat(contentType).startsWith("multipart/x-mixed-replace;boundary=");
            assertThat(response.headers().firstValue("Cache-Control").orElseThrow()).contains("no-store", "no-cache");
            assertThat(response.headers().firstValue("Pragma")).contains("no-cache");
            assertThat(response.headers().firstValue("Expires")).isPresent();

            MultipartReader reader = new MultipartReader(body, contentType);
            reader.next(); // the frame that was waiting when we connected
            long start = System.nanoTime();
            int parts = 2 * FPS;
            List<Double> timestamps = new ArrayList<>();
            for (int i = 0; i < parts; i++) {
                MultipartReader.Part part = reader.next();
                assertThat(part.headers()).containsEntry("content-type", "image/jpeg");
                assertThat(Jpeg.isWhole(part.body())).as("part %d is a whole JPEG", i).isTrue();
                if (i == 0) {
                    assertThat(Jpeg.decodedSize(part.body())).isEqualTo(STREAM);
                }
                timestamps.add(Double.parseDouble(part.headers().get("x-timestamp")));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double fps = parts / seconds;
            assertThat(fps).as("frames per second received").isBetween(FPS * 0.6, FPS * 1.4);
            assertThat(timestamps).isSorted().doesNotHaveDuplicates();
        }
        CameraService camera = cameras.getService();
        Await.until("camera idle after the only client left", Duration.ofSeconds(10),
                () -> camera.state() == CameraState.IDLE);
    }

    @Test
    void snapshotIsAFreshJpegAtTheStillSize() throws Exception {
        Frame streamFrame;
        try (LiveStream stream = cameras.getService().openStream()) {
            streamFrame = stream.next(10, TimeUnit.SECONDS);
        }
        Instant requested = Instant.now();
        HttpResponse<byte[]> response = Http.get(base.resolve("snapshot"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("image/jpeg");
        assertThat(response.headers().firstValue("Content-Length")).contains(Integer.toString(response.body().length));
        assertThat(Jpeg.isWhole(response.body())).isTrue();
        assertThat(Jpeg.decodedSize(response.body())).isEqualTo(STILL);
        assertThat(response.body().length).isGreaterThan(streamFrame.length());
        double captured = Double.parseDouble(response.headers().firstValue("X-Timestamp").orElseThrow());
        assertThat(captured).as("captured after the request").isGreaterThan(requested.toEpochMilli() / 1000.0);
    }

    @Test
    void unknownCameraIdIsNotFound() throws Exception {
        assertThat(Http.get(base.resolve("snapshot?camera=nope")).statusCode()).isEqualTo(404);
        assertThat(Http.get(base.resolve("stream?camera=nope")).statusCode()).isEqualTo(404);
    }

    @Test
    void snapshotKeepsWorkingWhileTheStreamBundleIsStoppedAndRestarted() throws Exception {
        Bundle streamBundle = Arrays.stream(context.getBundles())
                .filter(b -> "dualstream.stream.mjpeg".equals(b.getSymbolicName()))
                .findFirst().orElseThrow();
        streamBundle.stop();
        try {
            Await.until("stream servlet gone", Duration.ofSeconds(10),
                    () -> !Http.serves(runtime.getService(), "dualstream-stream"));
            // Said as what it is, a servlet that will be back, not as a path that does not exist.
            assertThat(Http.get(base.resolve("stream")).statusCode()).isEqualTo(503);
            HttpResponse<byte[]> still = Http.get(base.resolve("snapshot"));
            assertThat(still.statusCode()).isEqualTo(200);
            assertThat(Jpeg.decodedSize(still.body())).isEqualTo(STILL);
        } finally {
            streamBundle.start();
        }
        Await.until("stream servlet back", Duration.ofSeconds(10),
                () -> Http.serves(runtime.getService(), "dualstream-stream"));
        HttpResponse<InputStream> response = Http.CLIENT.send(
                HttpRequest.newBuilder(base.resolve("stream")).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            assertThat(response.statusCode()).isEqualTo(200);
            MultipartReader reader = new MultipartReader(body, response.headers().firstValue("Content-Type").orElseThrow());
            assertThat(Jpeg.isWhole(reader.next().body())).isTrue();
        }
        assertThat(Http.get(base.resolve("snapshot")).statusCode()).isEqualTo(200);
    }
}
