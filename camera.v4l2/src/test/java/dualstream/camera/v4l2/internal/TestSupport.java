package dualstream.camera.v4l2.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.osgi.service.log.Logger;

import dualstream.camera.api.CameraState;

/** Time scale, waits and a logger for driving components outside a framework. */
final class TestSupport {

    /**
     * How much longer than on real hardware a test may wait: 1, or more where the CPU is emulated (scripts/arm-tests
     * runs these tests under qemu-user, where the fake camera takes seconds to encode a large frame).
     */
    static final double TIME_SCALE = Double.parseDouble(System.getProperty("dualstream.test.timeScale", "1"));

    /** Tests that measure rates and pauses: meaningless on an emulated CPU, so left out there. */
    static final String TIMING = "timing";

    private TestSupport() {
    }

    static long scaled(long amount) {
        return Math.round(amount * TIME_SCALE);
    }

    /** Writes warnings and errors to stderr, so a failing test shows what the component said. */
    static Logger logger() {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    if (method.getReturnType() == boolean.class) {
                        return false;
                    }
                    if ((method.getName().equals("warn") || method.getName().equals("error")) && args != null) {
                        String line = String.valueOf(args[0]);
                        for (int i = 1; i < args.length; i++) {
                            Object[] values = args[i] instanceof Object[] array ? array : new Object[] {args[i]};
                            for (Object value : values) {
                                line = line.replaceFirst("\\{\\}", java.util.regex.Matcher.quoteReplacement(String.valueOf(value)));
                            }
                        }
                        System.err.println(method.getName() + ": " + line);
                    }
                    return null;
                });
    }

    /** Deactivates a camera and waits until its capture thread has let go of the device (a slow machine takes long). */
    static void stop(V4l2Camera camera) throws InterruptedException {
        camera.deactivate();
        await("the capture thread of a deactivated camera ending", 30, camera::stopped);
    }

    static void await(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(scaled(seconds));
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /**
     * Waits for the camera's first open to end. The driver is known a moment before the state leaves OPENING and the
     * probe's last ioctl; a slow machine (qemu) sees that moment.
     */
    static V4l2Camera opened(V4l2Camera camera) throws InterruptedException {
        await("camera probed and opened", 10,
                () -> !camera.info().driver().isEmpty() && camera.state() != CameraState.OPENING);
        return camera;
    }
}
