package dualstream.web.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dualstream.camera.api.CameraControl;
import dualstream.camera.api.CameraInfo;
import dualstream.camera.api.CameraService;
import dualstream.camera.api.CameraState;
import dualstream.camera.api.CameraStatistics;
import dualstream.camera.api.Resolution;

/**
 * A camera for the documents' tests: the answers given, the API's default methods as declared, and controls that
 * {@code setControl} sets (recorded in {@link #set}).
 */
final class FakeCamera {

    final Map<String, Object> answers = new HashMap<>();
    final List<CameraControl> controls = new ArrayList<>();
    final List<Integer> set = new ArrayList<>();

    FakeCamera(CameraInfo info) {
        answers.put("info", info);
        answers.put("streamSize", info.sizes().get(0));
        answers.put("stillSize", info.sizes().get(info.sizes().size() - 1));
        answers.put("targetFps", 30);
        answers.put("state", CameraState.STREAMING);
        answers.put("statistics", new CameraStatistics(100, 1, 2, 3, 1, 29.94, Optional.of(Duration.ofMillis(250))));
        answers.put("controls", controls);
    }

    static CameraInfo device(String id, String driver, Resolution... sizes) {
        return new CameraInfo(id, "/dev/video0", driver, "C920", List.of("MJPG"), List.of(sizes));
    }

    FakeCamera with(String method, Object answer) {
        answers.put(method, answer);
        return this;
    }

    CameraService service() {
        return (CameraService) Proxy.newProxyInstance(CameraService.class.getClassLoader(),
                new Class<?>[] {CameraService.class}, (proxy, method, args) -> {
                    if (method.getName().equals("setControl")) {
                        return setControl((int) args[0], (int) args[1]);
                    }
                    if (answers.containsKey(method.getName())) {
                        return answers.get(method.getName());
                    }
                    return switch (method.getName()) {
                        case "equals" -> proxy == args[0];
                        case "hashCode" -> System.identityHashCode(proxy);
                        default -> method.isDefault() ? InvocationHandler.invokeDefault(proxy, method, args) : null;
                    };
                });
    }

    private CameraControl setControl(int id, int value) {
        for (int i = 0; i < controls.size(); i++) {
            CameraControl c = controls.get(i);
            if (c.id() == id) {
                c.validate(value);
                set.add(id);
                CameraControl now = new CameraControl(id, c.name(), c.type(), c.minimum(), c.maximum(), c.step(),
                        c.defaultValue(), value, c.flags(), c.menu());
                controls.set(i, now);
                return now;
            }
        }
        throw new IllegalArgumentException("no control " + id);
    }
}
