package dualstream.camera.v4l2.internal.videodev2;

import java.nio.charset.StandardCharsets;

import com.sun.jna.Structure;

/** A videodev2 struct; JNA lays it out by the platform's C rules, so sizes follow the machine, not a constant. */
public abstract class V4l2Struct extends Structure {

    protected V4l2Struct() {
    }

    protected V4l2Struct(int alignment) {
        super(alignment);
    }

    /** Offset of a field, as C's {@code offsetof}. */
    public int offsetOf(String field) {
        return fieldOffset(field);
    }

    static String text(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8).trim();
    }
}
