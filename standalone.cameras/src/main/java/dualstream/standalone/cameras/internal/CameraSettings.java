package dualstream.standalone.cameras.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.service.log.Logger;

import dualstream.camera.api.CameraProvider;

/**
 * The settings given to every camera: the chooser's configuration keys {@code settings.<name>}, passed on as
 * {@code <name>}. An empty value means the camera's own default (the standalone runtime leaves every one it was not
 * given empty).
 */
final class CameraSettings {

    static final String PREFIX = "settings.";

    private CameraSettings() {
    }

    /**
     * The settings in these properties that the cameras accept. One they refuse is left out with a line saying why:
     * the camera then runs on its default rather than failing to start.
     */
    static Map<String, Object> of(Map<String, Object> properties, CameraProvider cameras, Logger log) {
        Map<String, Object> settings = given(properties);
        cameras.refusals(settings).forEach((name, why) -> {
            log.error("camera setting {}={} refused: {}; the camera's default is used", name, settings.remove(name),
                    why);
        });
        return settings;
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
}
