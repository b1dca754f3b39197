package dualstream.camera.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.lang.reflect.Proxy;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dualstream.camera.api.CameraSetup;

/** A camera bundle's provider over a ConfigurationAdmin that keeps its configurations in a map. */
class ConfiguredCamerasTest {

    static final String PID = "test.camera";

    @interface Config {
        String camera_id() default "0";

        String device() default "/dev/video0";

        int fps() default 30;

        boolean measure__settling() default true;

        String streamSize() default "";
    }

    static final class Cameras extends ConfiguredCameras<Config> {
        Cameras(ConfigurationAdmin configurationAdmin) {
            super(Config.class, PID, "device", Cameras::check, configurationAdmin);
        }

        static void check(Config config) {
            if (config.fps() < 1 || config.fps() > 120) {
                throw new IllegalArgumentException("fps must be 1..120, got " + config.fps());
            }
        }
    }

    /** By PID, in PID order. */
    final Map<String, Dictionary<String, Object>> configurations = new TreeMap<>();
    final Cameras cameras = new Cameras(configurationAdmin());

    @Test
    void aCameraIsOneFactoryConfigurationNamedByItsIdWithOnlyTheSettingsItsTypeDeclares() throws Exception {
        cameras.serve("chooser", new CameraSetup("nozzle", "/dev/v4l/by-id/usb-C920", Map.of("fps", 15,
                "buffers", 4, "measure_settling", false)));

        assertThat(configurations).containsOnlyKeys(PID + "~nozzle");
        Dictionary<String, Object> properties = configurations.get(PID + "~nozzle");
        assertThat(properties.get("camera.id")).isEqualTo("nozzle");
        assertThat(properties.get("device")).isEqualTo("/dev/v4l/by-id/usb-C920");
        assertThat(properties.get("fps")).isEqualTo(15);
        assertThat(properties.get("measure_settling")).isEqualTo(false);
        assertThat(properties.get(ConfiguredCameras.OWNER)).isEqualTo("chooser");
        assertThat(properties.get("buffers")).as("not a setting of this camera").isNull();
    }

    @Test
    void anOwnerGetsBackWhatItSetUpAndNothingElse() throws Exception {
        cameras.serve("chooser", new CameraSetup("nozzle", "/dev/a", Map.of("fps", 15)));
        cameras.serve("someone", new CameraSetup("bed", "/dev/b", Map.of()));

        assertThat(cameras.setups("chooser")).containsExactly(new CameraSetup("nozzle", "/dev/a", Map.of("fps", 15)));

        cameras.withdraw("chooser", "bed");
        assertThat(configurations).as("another owner's camera is not withdrawn").containsKey(PID + "~bed");
        cameras.withdraw("chooser", "nozzle");
        assertThat(configurations).containsOnlyKeys(PID + "~bed");
        assertThat(cameras.setups("chooser")).isEmpty();
    }

    @Test
    void aCameraAnotherOwnerConfiguredIsNotTakenOverButOneWithoutOwnerIs() throws Exception {
        cameras.serve("someone", new CameraSetup("nozzle", "/dev/a", Map.of()));
        assertThatIOException().isThrownBy(() -> cameras.serve("chooser", new CameraSetup("nozzle", "/dev/b",
                Map.of()))).withMessage("camera nozzle is already configured, by someone");
        assertThat(configurations.get(PID + "~nozzle").get("device")).isEqualTo("/dev/a");

        Dictionary<String, Object> byHand = new Hashtable<>(Map.of("camera.id", "bed", "device", "/dev/c"));
        configurations.put(PID + "~bed", byHand);
        cameras.serve("chooser", new CameraSetup("bed", "/dev/c", Map.of()));
        assertThat(cameras.setups("chooser")).extracting(CameraSetup::id).containsExactly("bed");
    }

    /** An earlier release named the test pattern's configuration by its role: it is taken over, not doubled. */
    @Test
    void aCameraConfiguredUnderAnotherNameIsTakenOverNotDoubled() throws Exception {
        Dictionary<String, Object> earlier = new Hashtable<>(Map.of("camera.id", "testpattern", "device", "",
                "service.factoryPid", PID, "fps", 10));
        configurations.put(PID + "~standalone", earlier);
        cameras.serve("chooser", new CameraSetup("testpattern", "", Map.of("fps", 15)));

        assertThat(configurations).containsOnlyKeys(PID + "~standalone");
        assertThat(configurations.get(PID + "~standalone").get("fps")).isEqualTo(15);
        assertThat(cameras.setups("chooser")).extracting(CameraSetup::id).containsExactly("testpattern");

        configurations.get(PID + "~standalone").put(ConfiguredCameras.OWNER, "someone");
        assertThatIOException().isThrownBy(() -> cameras.serve("chooser", new CameraSetup("testpattern", "",
                Map.of()))).withMessage("camera testpattern is already configured, by someone");
        assertThat(configurations).as("nor a second one made beside it").containsOnlyKeys(PID + "~standalone");

        configurations.get(PID + "~standalone").remove(ConfiguredCameras.OWNER);
        cameras.withdraw("chooser", "testpattern");
        assertThat(configurations).as("one it would have taken over is withdrawn too").isEmpty();
    }

    @Test
    void idsAndOwnersWithAFiltersSpecialCharactersAreFoundAgain() throws Exception {
        cameras.serve("a (b)", new CameraSetup("x*(y)\\z", "/dev/a", Map.of()));
        assertThat(cameras.setups("a (b)")).extracting(CameraSetup::id).containsExactly("x*(y)\\z");
        cameras.withdraw("a (b)", "x*(y)\\z");
        assertThat(configurations).isEmpty();
    }

    @Test
    void eachRefusalSaysWhyInTheCamerasOwnWords() {
        assertThat(cameras.refusals(Map.of("fps", "15", "measure_settling", "false", "streamSize", "640x480")))
                .isEmpty();
        Map<String, String> refusals = cameras.refusals(new TreeMap<>(Map.of("fps", "0", "buffers", "4",
                "measure_settling", "yes", "camera.id", "x", "device", "/dev/y")));
        assertThat(refusals).containsOnlyKeys("fps", "buffers", "measure_settling", "camera.id", "device");
        assertThat(refusals.get("fps")).isEqualTo("fps must be 1..120, got 0");
        assertThat(refusals.get("buffers")).startsWith("the camera has no such setting (it has [camera.id, device,"
                + " fps, measure_settling, streamSize])");
        assertThat(refusals.get("measure_settling")).isEqualTo("measure_settling must be true or false, got 'yes'");
        assertThat(refusals.get("camera.id")).isEqualTo("it is the camera's id, not a setting");
        assertThat(refusals.get("device")).isEqualTo("it is the camera's device, not a setting");
        assertThat(cameras.refusals(Map.of("fps", "many"))).containsEntry("fps",
                "fps must be a whole number, got 'many'");
    }

    @Test
    void typedGivesTheSettingsAsDsWouldAndTheDefaultsForTheRest() {
        Config config = ConfiguredCameras.typed(Config.class, Map.of("fps", " 15 ", "measure_settling", "FALSE"));
        assertThat(config.fps()).isEqualTo(15);
        assertThat(config.measure__settling()).isFalse();
        assertThat(config.device()).isEqualTo("/dev/video0");
        assertThat(config.annotationType()).isEqualTo(Config.class);
        assertThatIllegalArgumentException().isThrownBy(() -> ConfiguredCameras.typed(Config.class,
                Map.of("fps", "1.5")));
    }

    private ConfigurationAdmin configurationAdmin() {
        return proxy(ConfigurationAdmin.class, (method, args) -> switch (method.getName()) {
            case "getFactoryConfiguration" -> configuration((String) args[0], args[0] + "~" + args[1]);
            case "listConfigurations" -> {
                Filter filter = FrameworkUtil.createFilter((String) args[0]);
                Configuration[] found = configurations.entrySet().stream()
                        .filter(entry -> filter.match(entry.getValue()))
                        .map(entry -> configuration(null, entry.getKey())).toArray(Configuration[]::new);
                yield found.length == 0 ? null : found;
            }
            default -> throw new UnsupportedOperationException(method.getName());
        });
    }

    private Configuration configuration(String factoryPid, String pid) {
        return proxy(Configuration.class, (method, args) -> switch (method.getName()) {
            case "getProperties" -> configurations.get(pid);
            case "updateIfDifferent" -> {
                @SuppressWarnings("unchecked")
                Dictionary<String, Object> properties = new Hashtable<>((Hashtable<String, Object>) args[0]);
                properties.put("service.pid", pid);
                properties.put("service.factoryPid", factoryPid == null ? PID : factoryPid);
                configurations.put(pid, properties);
                yield true;
            }
            case "delete" -> {
                configurations.remove(pid);
                yield null;
            }
            default -> throw new UnsupportedOperationException(method.getName());
        });
    }

    interface Answer {
        Object answer(java.lang.reflect.Method method, Object[] args) throws Exception;
    }

    @SuppressWarnings("unchecked")
    static <T> T proxy(Class<T> type, Answer answer) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> method.getDeclaringClass() == Object.class ? type.getSimpleName()
                        : answer.answer(method, args));
    }
}
