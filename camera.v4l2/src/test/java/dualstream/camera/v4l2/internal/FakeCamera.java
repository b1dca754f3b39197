package dualstream.camera.v4l2.internal;

import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/** The project's fake UVC camera (fakecam/), loaded as the camera's native library, and its fault switches. */
final class FakeCamera {

    static final String DEVICE = "/dev/fakecam0";
    static final String LIBRARY = Path.of(System.getProperty("fakecam.library", "../fakecam/target/libfakecam.so"))
            .toAbsolutePath().normalize().toString();

    interface Switches extends Library {
        int fakecam_set(String key, String value);

        NativeLong fakecam_get(String key);

        NativeLong fakecam_get_on(String device, String key);
    }

    private static final Switches SWITCHES = load();

    private static Switches load() {
        if (!Files.isRegularFile(Path.of(LIBRARY))) {
            throw new IllegalStateException("fake camera not built at " + LIBRARY + " (mvn builds fakecam/ first)");
        }
        return Native.load(LIBRARY, Switches.class);
    }

    private FakeCamera() {
    }

    static void reset() {
        set("reset", "");
        set("device", DEVICE);
        set("sizes", "640x480,320x240,800x600,1280x720,1920x1080,2592x1944,3264x2448");
    }

    static void set(String key, Object value) {
        if (SWITCHES.fakecam_set(key, String.valueOf(value)) != 0) {
            throw new IllegalArgumentException("fake camera has no setting " + key);
        }
    }

    static long get(String key) {
        return SWITCHES.fakecam_get(key).longValue();
    }

    /** A counter of a camera that is a file under the nodes folder ({@link #set set("nodes", folder)}). */
    static long get(Path node, String key) {
        return SWITCHES.fakecam_get_on(node.toString(), key).longValue();
    }
}
