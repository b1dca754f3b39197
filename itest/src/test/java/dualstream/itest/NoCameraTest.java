package dualstream.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;
import org.osgi.test.junit5.service.ServiceExtension;

import dualstream.camera.api.CameraService;
import dualstream.test.support.Await;

@ExtendWith(ServiceExtension.class)
class NoCameraTest {

    @InjectService(cardinality = 0)
    ServiceAware<CameraService> cameras;

    @InjectService(timeout = 10_000)
    ServiceAware<HttpServiceRuntime> runtime;

    URI base;

    @BeforeEach
    void noCameraButServlets() {
        Await.until("no camera registered", Duration.ofSeconds(10), () -> cameras.isEmpty());
        base = Http.ready(runtime, "dualstream-stream", "dualstream-snapshot");
    }

    @Test
    void streamAnswers503WithRetryAfter() throws Exception {
        assertUnavailable(Http.get(base.resolve("stream")));
    }

    @Test
    void snapshotAnswers503WithRetryAfter() throws Exception {
        assertUnavailable(Http.get(base.resolve("snapshot")));
    }

    private static void assertUnavailable(HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isPositive());
        assertThat(new String(response.body())).contains("No camera");
    }
}
