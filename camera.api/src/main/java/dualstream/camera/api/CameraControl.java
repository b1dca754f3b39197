package dualstream.camera.api;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One adjustable setting of a camera (brightness, exposure mode, ...), with its range and current value.
 *
 * @param id           the V4L2 control id
 * @param name         the driver's name for it
 * @param type         what kind of value it takes
 * @param minimum      smallest value
 * @param maximum      largest value
 * @param step         values are {@code minimum + k * step}
 * @param defaultValue the driver's default
 * @param value        the current value
 * @param flags        the V4L2 control flags
 * @param menu         for menu controls, the valid values and their labels; empty otherwise
 */
public record CameraControl(int id, String name, ControlType type, int minimum, int maximum, int step,
        int defaultValue, int value, int flags, Map<Integer, String> menu) {

    /**
     * The id of the control that sets the quality a camera encodes its JPEG frames with
     * ({@code V4L2_CID_JPEG_COMPRESSION_QUALITY}); see {@link CameraService#jpegQuality()}.
     */
    public static final int JPEG_QUALITY = 0x009d0903;

    /** V4L2 flag: the control is disabled and should be ignored. */
    public static final int FLAG_DISABLED = 0x0001;
    /** V4L2 flag: the control cannot be changed now (e.g. exposure time while exposure is automatic). */
    public static final int FLAG_INACTIVE = 0x0010;
    /** V4L2 flag: the control can be read but not set. */
    public static final int FLAG_READ_ONLY = 0x0004;

    public CameraControl {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        menu = Collections.unmodifiableMap(new TreeMap<>(menu));
    }

    /**
     * Checks that {@code candidate} is a value this control accepts.
     *
     * @throws IllegalArgumentException naming the control and its valid values otherwise
     */
    public void validate(int candidate) {
        if (type == ControlType.CTRL_CLASS) {
            throw new IllegalArgumentException(name + " is a heading, not a setting");
        }
        if ((flags & FLAG_DISABLED) != 0) {
            throw new IllegalArgumentException(name + " is disabled");
        }
        if ((flags & FLAG_READ_ONLY) != 0) {
            throw new IllegalArgumentException(name + " is read-only");
        }
        if (type == ControlType.MENU || type == ControlType.INTEGER_MENU) {
            if (!menu.containsKey(candidate)) {
                throw new IllegalArgumentException(name + ": " + candidate + " is not one of " + menu.keySet());
            }
            return;
        }
        if (candidate < minimum || candidate > maximum) {
            throw new IllegalArgumentException(name + ": " + candidate + " is outside " + minimum + ".." + maximum);
        }
        if (step > 1 && (candidate - (long) minimum) % step != 0) {
            throw new IllegalArgumentException(name + ": " + candidate + " is not " + minimum + " + k*" + step);
        }
    }
}
