package dualstream.standalone.cameras.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Camera ids: from a by-id link's name, or chosen by the user. */
final class CameraIds {

    /** udev's name for a V4L2 node: {@code <bus>-<vendor_model_serial>-video-index<n>}. */
    private static final Pattern BY_ID = Pattern.compile("[a-z0-9]+-(.+)-video-index(\\d+)");
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final Map<String, String> chosen;

    private CameraIds(Map<String, String> chosen) {
        this.chosen = chosen;
    }

    /**
     * @param pairs {@code name=id} pairs separated by commas, the name being a link's name, the id it would get, or a
     *        device path; a bad pair is reported and left out
     */
    static CameraIds parse(String pairs, Consumer<String> problems) {
        Map<String, String> chosen = new HashMap<>();
        for (String pair : (pairs == null ? "" : pairs).split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? "" : pair.substring(0, eq).trim();
            String id = eq < 0 ? "" : pair.substring(eq + 1).trim();
            if (name.isEmpty() || !VALID.matcher(id).matches()) {
                problems.accept("camera ids: '" + pair.trim() + "' is not name=id with an id of letters, digits, '.',"
                        + " '_' or '-'; left out");
            } else if (chosen.containsValue(id)) {
                problems.accept("camera ids: '" + id + "' is given twice; '" + pair.trim() + "' left out");
            } else {
                chosen.put(name, id);
            }
        }
        return new CameraIds(chosen);
    }

    /** The id of the camera behind a by-id link. */
    String idFor(String linkName) {
        String derived = derive(linkName);
        return chosen.getOrDefault(linkName, chosen.getOrDefault(derived, derived));
    }

    /** The id of a configured device node. */
    String idFor(String device, String configured) {
        return chosen.getOrDefault(device, configured);
    }

    /**
     * {@code usb-046d_HD_Pro_Webcam_C920_8A1B2C3D-video-index0} gives {@code 046d_HD_Pro_Webcam_C920_8A1B2C3D}: the
     * bus and the first node's index say nothing the user needs; another node of the same camera keeps its index.
     */
    static String derive(String linkName) {
        Matcher parts = BY_ID.matcher(linkName);
        String id = linkName;
        if (parts.matches()) {
            id = parts.group(1) + (parts.group(2).equals("0") ? "" : "-" + parts.group(2));
        }
        id = id.replaceAll("[^A-Za-z0-9._-]", "_");
        return id.length() > 64 ? id.substring(0, 64) : id;
    }
}
