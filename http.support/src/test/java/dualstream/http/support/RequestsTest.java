package dualstream.http.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dualstream.camera.api.CameraInfo;
import dualstream.camera.api.CameraService;

class RequestsTest {

    static CameraService camera(String id) {
        CameraInfo info = new CameraInfo(id, "/dev/video0", "uvcvideo", id, List.of("MJPG"), List.of());
        return (CameraService) Proxy.newProxyInstance(RequestsTest.class.getClassLoader(),
                new Class<?>[] {CameraService.class}, (proxy, method, args) -> {
                    if (method.getName().equals("info")) {
                        return info;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    final List<CameraService> cameras = List.of(camera("b"), camera("10"), camera("2"));

    @Test
    void anIndexOutsideTheCamerasChoosesNone() {
        for (int index : new int[] {-1, -2, Integer.MIN_VALUE, 3, Integer.MAX_VALUE}) {
            assertThat(new Requests.CameraChoice(null, index).select(cameras)).as("index %d", index).isEmpty();
        }
    }

    @Test
    void indicesCountNumberedIdsInNumericOrderFirst() {
        assertThat(new Requests.CameraChoice(null, 0).select(cameras).map(c -> c.info().id())).hasValue("2");
        assertThat(new Requests.CameraChoice(null, 1).select(cameras).map(c -> c.info().id())).hasValue("10");
        assertThat(new Requests.CameraChoice(null, 2).select(cameras).map(c -> c.info().id())).hasValue("b");
        assertThat(new Requests.CameraChoice(null, null).select(cameras).map(c -> c.info().id())).hasValue("2");
        assertThat(new Requests.CameraChoice("b", null).select(cameras).map(c -> c.info().id())).hasValue("b");
        assertThat(new Requests.CameraChoice("x", null).select(cameras)).isEqualTo(Optional.empty());
    }
}
