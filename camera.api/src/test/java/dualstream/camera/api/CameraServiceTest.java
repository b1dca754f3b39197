package dualstream.camera.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CameraServiceTest {

    private static CameraControl control(int id, String name) {
        return new CameraControl(id, name, ControlType.INTEGER, 0, 100, 1, 80, 80, 0, Map.of());
    }

    /** A camera that has only {@code controls}; every default method runs as declared. */
    private static CameraService camera(List<CameraControl> controls) {
        return (CameraService) Proxy.newProxyInstance(CameraService.class.getClassLoader(),
                new Class<?>[] {CameraService.class}, (proxy, method, args) -> {
                    if (method.getName().equals("controls")) {
                        return controls;
                    }
                    return method.isDefault() ? InvocationHandler.invokeDefault(proxy, method, args) : null;
                });
    }

    @Test
    void theJpegQualityIsTheControlWithItsId() {
        CameraControl quality = control(CameraControl.JPEG_QUALITY, "Compression Quality");
        assertThat(camera(List.of(control(9963776, "Brightness"), quality)).jpegQuality()).contains(quality);
        assertThat(camera(List.of(control(9963776, "Brightness"))).jpegQuality()).isEmpty();
    }
}
