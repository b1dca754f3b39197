package dualstream.standalone.cameras.internal;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.log.Logger;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

import dualstream.camera.v4l2.V4l2Probe;

/**
 * The settings given to every camera: the chooser's configuration keys {@code settings.<name>}, passed on as
 * {@code <name>}. An empty value means the camera's own default (the standalone runtime leaves every one it was not
 * given empty).
 */
final class CameraSettings {

    static final String PREFIX = "settings.";

    private CameraSettings() {
    }

    /** The settings in these properties that the V4L2 camera accepts, by its own declared types and limits. */
    static Map<String, Object> of(Map<String, Object> properties, MetaTypeService metaType, V4l2Probe probe,
            Logger log) {
        return checked(given(properties), cameraType(metaType, probe), log);
    }

    static Map<String, Object> given(Map<String, Object> properties) {
        Map<String, Object> settings = new LinkedHashMap<>();
        properties.forEach((key, value) -> {
            if (key.startsWith(PREFIX) && key.length() > PREFIX.length() && value != null
                    && !String.valueOf(value).isBlank()) {
                settings.put(key.substring(PREFIX.length()), value instanceof String text ? text.trim() : value);
            }
        });
        return settings;
    }

    /** The V4L2 camera's configuration type, from the bundle that serves it; null if it declares none. */
    private static ObjectClassDefinition cameraType(MetaTypeService metaType, V4l2Probe probe) {
        Bundle camera = FrameworkUtil.getBundle(probe.getClass());
        MetaTypeInformation information = camera == null ? null : metaType.getMetaTypeInformation(camera);
        try {
            return information == null ? null : information.getObjectClassDefinition(CameraChooser.V4L2_PID, null);
        } catch (IllegalArgumentException none) {
            return null;
        }
    }

    private static String kind(AttributeDefinition attribute) {
        String type = switch (attribute.getType()) {
            case AttributeDefinition.INTEGER, AttributeDefinition.LONG, AttributeDefinition.SHORT,
                    AttributeDefinition.BYTE -> "a whole number";
            case AttributeDefinition.BOOLEAN -> "true or false";
            case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> "a number";
            default -> "text";
        };
        return "'" + attribute.getName() + "' (" + type + ")";
    }

    /**
     * One that is not a setting of the camera, or whose value it would refuse, is left out with a line naming it:
     * the camera then runs on its default rather than failing to start.
     */
    static Map<String, Object> checked(Map<String, Object> settings, ObjectClassDefinition type, Logger log) {
        if (type == null) {
            return settings;
        }
        Map<String, AttributeDefinition> declared = new HashMap<>();
        for (AttributeDefinition attribute : type.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            declared.put(attribute.getID(), attribute);
        }
        Map<String, Object> accepted = new LinkedHashMap<>();
        settings.forEach((name, value) -> {
            AttributeDefinition attribute = declared.get(name);
            String refusal = attribute == null ? "the camera has no such setting (it has "
                    + new TreeSet<>(declared.keySet()) + ")" : attribute.validate(String.valueOf(value));
            if (refusal == null || refusal.isEmpty()) {
                accepted.put(name, value);
            } else {
                log.error("camera setting {}={} refused: {}{}; the camera's default is used", name, value, refusal,
                        attribute == null ? "" : " for " + kind(attribute));
            }
        });
        return accepted;
    }
}
