package dualstream.camera.api;

/** The kinds of control value, with their V4L2 type codes. */
public enum ControlType {
    INTEGER(1), BOOLEAN(2), MENU(3), BUTTON(4), INTEGER64(5), CTRL_CLASS(6), STRING(7), BITMASK(8), INTEGER_MENU(9),
    /** Any type this API does not name. */
    OTHER(0);

    private final int code;

    ControlType(int code) {
        this.code = code;
    }

    /** The V4L2 {@code V4L2_CTRL_TYPE_*} value. */
    public int code() {
        return code;
    }

    public static ControlType ofCode(int code) {
        for (ControlType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return OTHER;
    }
}
