package dualstream.camera.support;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dualstream.camera.api.CameraProvider;
import dualstream.camera.api.CameraService;
import dualstream.camera.api.CameraSetup;

/**
 * A {@link CameraProvider} for a camera component configured by factory configurations: one per camera, named by its
 * id, holding the settings its configuration type declares. A camera bundle registers a subclass that names its
 * component's type, PID and checks.
 * <p>
 * The type is the component's configuration annotation: its methods are the settings' names (by DS's mapping,
 * {@code camera_id} is {@code camera.id}) and types, and {@code check} is the component's own validation, so a value
 * is refused here for the reason the camera itself would refuse it.
 *
 * @param <C> the component's configuration annotation
 */
public abstract class ConfiguredCameras<C extends Annotation> implements CameraProvider {

    /** On the configurations made for an owner: who, so that it finds them again after a restart. */
    public static final String OWNER = "dualstream.camera.owner";

    private final Class<C> type;
    private final String factoryPid;
    private final String deviceSetting;
    private final Consumer<C> check;
    private final ConfigurationAdmin configurationAdmin;
    private final Map<String, Method> declared;

    /**
     * @param deviceSetting the setting that holds {@link CameraSetup#device()}; {@code null} for a camera without one
     * @param check throws {@link IllegalArgumentException} saying why, for a configuration the camera would refuse
     */
    protected ConfiguredCameras(Class<C> type, String factoryPid, String deviceSetting, Consumer<C> check,
            ConfigurationAdmin configurationAdmin) {
        this.type = type;
        this.factoryPid = factoryPid;
        this.deviceSetting = deviceSetting;
        this.check = check;
        this.configurationAdmin = configurationAdmin;
        this.declared = declared(type);
    }

    @Override
    public final void serve(String owner, CameraSetup setup) throws IOException {
        Dictionary<String, Object> properties = new Hashtable<>();
        setup.settings().forEach((name, value) -> {
            if (declared.containsKey(name) && !given(name)) {
                properties.put(name, value);
            }
        });
        properties.put(CameraService.CAMERA_ID, setup.id());
        if (deviceSetting != null) {
            properties.put(deviceSetting, setup.device());
        }
        properties.put(OWNER, owner);
        configuration(owner, setup.id()).updateIfDifferent(properties);
    }

    /**
     * The camera's configuration: the one that holds its id, whatever its name (an earlier release named some by
     * their role), so that no second camera with the same id appears; a new one named by the id otherwise.
     *
     * @throws IOException when another owner configured the camera
     */
    private Configuration configuration(String owner, String id) throws IOException {
        List<Configuration> found = new ArrayList<>(List.of(find("(" + CameraService.CAMERA_ID + "=" + escaped(id)
                + ")")));
        if (found.isEmpty()) {
            found.add(configurationAdmin.getFactoryConfiguration(factoryPid, id, "?"));
        }
        for (Configuration configuration : found) {
            Dictionary<String, Object> present = configuration.getProperties();
            Object other = present == null ? null : present.get(OWNER);
            if (other != null && !other.equals(owner)) {
                throw new IOException("camera " + id + " is already configured, by " + other);
            }
        }
        return found.get(0);
    }

    @Override
    public final void withdraw(String owner, String id) throws IOException {
        // What serve would have taken over goes too: a configuration of this camera without an owner.
        for (Configuration configuration : find("(" + CameraService.CAMERA_ID + "=" + escaped(id) + ")(|(" + OWNER
                + "=" + escaped(owner) + ")(!(" + OWNER + "=*)))")) {
            configuration.delete();
        }
    }

    @Override
    public final List<CameraSetup> setups(String owner) throws IOException {
        List<CameraSetup> setups = new ArrayList<>();
        for (Configuration configuration : list(owner, "")) {
            Dictionary<String, Object> properties = configuration.getProperties();
            if (properties == null) {
                continue; // deleted since it was listed
            }
            Map<String, Object> settings = new LinkedHashMap<>();
            for (String name : Collections.list(properties.keys())) {
                if (declared.containsKey(name) && !given(name)) {
                    settings.put(name, properties.get(name));
                }
            }
            Object device = deviceSetting == null ? null : properties.get(deviceSetting);
            setups.add(new CameraSetup(String.valueOf(properties.get(CameraService.CAMERA_ID)),
                    device == null ? "" : device.toString(), settings));
        }
        return setups;
    }

    @Override
    public final Map<String, String> refusals(Map<String, ?> settings) {
        Map<String, String> refusals = new LinkedHashMap<>();
        settings.forEach((name, value) -> {
            if (!declared.containsKey(name)) {
                refusals.put(name, "the camera has no such setting (it has " + new TreeSet<>(declared.keySet())
                        + ")");
            } else if (given(name)) {
                refusals.put(name, "it is the camera's " + (name.equals(deviceSetting) ? "device" : "id")
                        + ", not a setting");
            } else {
                try {
                    check.accept(typed(type, Map.of(name, value)));
                } catch (IllegalArgumentException e) {
                    refusals.put(name, e.getMessage());
                }
            }
        });
        return refusals;
    }

    private boolean given(String name) {
        return name.equals(CameraService.CAMERA_ID) || name.equals(deviceSetting);
    }

    private Configuration[] list(String owner, String more) throws IOException {
        return find("(" + OWNER + "=" + escaped(owner) + ")" + more);
    }

    private Configuration[] find(String more) throws IOException {
        String filter = "(&(service.factoryPid=" + escaped(factoryPid) + ")" + more + ")";
        try {
            Configuration[] found = configurationAdmin.listConfigurations(filter);
            return found == null ? new Configuration[0] : found;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(filter, e);
        }
    }

    private static String escaped(String value) {
        return value.replaceAll("([\\\\*()])", "\\\\$1");
    }

    /**
     * The configuration annotation over these settings, the type's defaults for the rest, as DS would give it to the
     * component.
     *
     * @throws IllegalArgumentException when a value is not of its setting's type
     */
    public static <C extends Annotation> C typed(Class<C> type, Map<String, ?> settings) {
        Map<String, Object> values = new LinkedHashMap<>();
        declared(type).forEach((name, method) -> {
            Object value = settings.get(name);
            values.put(method.getName(), value == null ? method.getDefaultValue() : converted(name, value,
                    method.getReturnType()));
        });
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> switch (method.getName()) {
                    case "annotationType" -> type;
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "toString" -> type.getSimpleName() + values;
                    default -> values.get(method.getName());
                }));
    }

    private static Object converted(String name, Object value, Class<?> to) {
        String text = String.valueOf(value).trim();
        try {
            if (to == String.class) {
                return text;
            } else if (to == int.class) {
                return value instanceof Number number ? number.intValue() : Integer.parseInt(text);
            } else if (to == long.class) {
                return value instanceof Number number ? number.longValue() : Long.parseLong(text);
            } else if (to == boolean.class) {
                if (value instanceof Boolean flag) {
                    return flag;
                }
                if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
                    return Boolean.parseBoolean(text);
                }
                throw new IllegalArgumentException(name + " must be true or false, got '" + text + "'");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + text + "'", e);
        }
        throw new IllegalStateException(name + ": settings of type " + to.getName() + " are not supported");
    }

    /** The settings a configuration annotation declares, by name, with the method that reads each. */
    private static Map<String, Method> declared(Class<?> type) {
        Map<String, Method> declared = new LinkedHashMap<>();
        for (Method method : type.getDeclaredMethods()) {
            // DS's mapping as far as configuration types use it: "__" is an underscore, "_" a dot
            declared.put(method.getName().replace("__", "\0").replace('_', '.').replace('\0', '_'), method);
        }
        return declared;
    }
}
