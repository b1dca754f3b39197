package dualstream.camera.support;

/**
 * The smallest EXIF segment that tells viewers how to turn a JPEG: an APP1 with one TIFF entry, Orientation (0x0112).
 * It goes right after SOI, where Exif 2.3 puts APP1, so that readers find it before any other segment.
 */
public final class ExifOrientation {

    /** Bytes the segment adds to every JPEG. */
    public static final int LENGTH = 36;

    private ExifOrientation() {
    }

    /**
     * The APP1 segment for this orientation, marker included.
     *
     * @param exif 2 to 8 (1 is the default and needs no segment)
     */
    public static byte[] segment(int exif) {
        if (exif < 2 || exif > 8) {
            throw new IllegalArgumentException("an EXIF orientation segment is for 2..8, got " + exif);
        }
        return new byte[] {
            (byte) 0xFF, (byte) 0xE1, 0, LENGTH - 2, // APP1 and its length, which counts itself
            'E', 'x', 'i', 'f', 0, 0,
            'M', 'M', 0, 0x2A, 0, 0, 0, 8, // big-endian TIFF header, IFD0 right after it
            0, 1, // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) exif, 0, 0, // Orientation, SHORT, count 1, value left-justified
            0, 0, 0, 0 // no next IFD
        };
    }

    /** A copy of a JPEG (which starts with SOI) with the segment right after its SOI; the JPEG itself when none. */
    public static byte[] inserted(byte[] jpeg, byte[] segment) {
        if (segment == null || segment.length == 0) {
            return jpeg;
        }
        byte[] out = new byte[jpeg.length + segment.length];
        out[0] = jpeg[0];
        out[1] = jpeg[1];
        System.arraycopy(segment, 0, out, 2, segment.length);
        System.arraycopy(jpeg, 2, out, 2 + segment.length, jpeg.length - 2);
        return out;
    }
}
