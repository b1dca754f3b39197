package dualstream.camera.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.List;

import org.junit.jupiter.api.Test;

import dualstream.camera.api.CameraInfo;
import dualstream.camera.api.CameraService;

class CamerasTest {

    private static CameraService camera(String id) {
        CameraInfo info = new CameraInfo(id, "/dev/" + id, "test", id, List.of(), List.of());
        return (CameraService) Proxy.newProxyInstance(CameraService.class.getClassLoader(),
                new Class<?>[] {CameraService.class}, (proxy, method, args) -> {
                    if (method.getName().equals("info")) {
                        return info;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private final CameraService a = camera("a");
    private final CameraService b = camera("b");

    @Test
    void withoutAnIdTakesTheFirstCamera() {
        assertThat(Cameras.select(List.of(a, b), null)).containsSame(a);
        assertThat(Cameras.select(List.of(a, b), "")).containsSame(a);
        assertThat(Cameras.select(List.of(), null)).isEmpty();
    }

    @Test
    void withAnIdTakesThatCameraOrNone() {
        assertThat(Cameras.select(List.of(a, b), "b")).containsSame(b);
        assertThat(Cameras.select(List.of(a, b), "c")).isEmpty();
    }
}
