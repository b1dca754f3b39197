package dualstream.camera.v4l2.internal;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import com.sun.jna.Native;

import dualstream.camera.v4l2.internal.videodev2.LibC;
import dualstream.camera.v4l2.internal.videodev2.V4l2Device;
import dualstream.camera.v4l2.internal.videodev2.V4l2Exception;

/**
 * For the standalone runtime: one camera from command-line settings, the V4L2 camera when the device can be opened,
 * else the built-in test pattern, so a machine without a webcam still shows a stream. Gateways configure cameras
 * directly and do not use this.
 */
@Component(service = {}, configurationPid = StandaloneCameraChooser.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = V4l2Camera.Config.class)
public final class StandaloneCameraChooser {

    static final String PID = "dualstream.camera.standalone";
    static final String TEST_PATTERN_PID = "dualstream.camera.testpattern";
    static final String NAME = "standalone";

    private final V4l2Camera.Config config;
    private final ConfigurationAdmin configurationAdmin;
    private final Logger log;
    private final Thread chooser;

    @Activate
    public StandaloneCameraChooser(V4l2Camera.Config config, @Reference ConfigurationAdmin configurationAdmin,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.config = config;
        this.configurationAdmin = configurationAdmin;
        this.log = log;
        this.chooser = new Thread(this::choose, "dualstream-camera-chooser");
        chooser.start();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        chooser.join(5000);
    }

    private void choose() {
        String absent = absence();
        try {
            if (absent == null) {
                delete(TEST_PATTERN_PID);
                apply(V4l2Camera.PID, v4l2Properties());
            } else {
                log.info("No V4L2 camera ({}): serving the built-in test pattern instead", absent);
                delete(V4l2Camera.PID);
                apply(TEST_PATTERN_PID, common());
            }
        } catch (IOException e) {
            log.error("cannot configure the standalone camera: {}", e.getMessage(), e);
        }
    }

    /** Why there is no usable device, or {@code null} when it opens. */
    private String absence() {
        LibC lib;
        try {
            lib = Native.load(config.nativeLibrary(), LibC.class);
        } catch (UnsatisfiedLinkError e) {
            return "cannot load native library '" + config.nativeLibrary() + "': " + e.getMessage();
        }
        try (V4l2Device device = V4l2Device.open(lib, config.device())) {
            return null;
        } catch (V4l2Exception e) {
            return e.errno() == LibC.EBUSY ? null : e.getMessage();
        }
    }

    private Dictionary<String, Object> common() {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("camera.id", config.camera_id());
        properties.put("streamSize", config.streamSize());
        properties.put("stillSize", config.stillSize());
        properties.put("fps", config.fps());
        return properties;
    }

    private Dictionary<String, Object> v4l2Properties() {
        Dictionary<String, Object> properties = common();
        properties.put("device", config.device());
        properties.put("nativeLibrary", config.nativeLibrary());
        properties.put("warmupFrames", config.warmupFrames());
        properties.put("buffers", config.buffers());
        return properties;
    }

    private void apply(String factoryPid, Dictionary<String, Object> properties) throws IOException {
        Configuration configuration = configurationAdmin.getFactoryConfiguration(factoryPid, NAME, "?");
        configuration.updateIfDifferent(properties);
    }

    private void delete(String factoryPid) throws IOException {
        Configuration[] existing;
        try {
            existing = configurationAdmin.listConfigurations(
                    "(service.pid=" + factoryPid + "~" + NAME + ")");
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (existing != null) {
            for (Configuration configuration : existing) {
                configuration.delete();
            }
        }
    }
}
