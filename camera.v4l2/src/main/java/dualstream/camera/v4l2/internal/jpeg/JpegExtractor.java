package dualstream.camera.v4l2.internal.jpeg;

import dualstream.camera.api.Resolution;

/**
 * Takes a whole JPEG out of a driver buffer in one copy, or rejects the frame.
 * <p>
 * UVC cameras often send MJPEG without Huffman tables (the decoder is meant to assume the standard ones); those get
 * the standard tables inserted before the frame header during the same copy, so every client can decode them. An
 * EXIF orientation, when the picture is to be turned, goes in right after SOI in that copy too.
 */
public final class JpegExtractor {

    /** Why a frame was not a whole JPEG. */
    public enum Rejection { TOO_SHORT, NO_SOI, BAD_MARKERS, NO_FRAME_HEADER, NO_EOI }

    /** A whole JPEG, or the reason there is none. */
    public record Result(byte[] jpeg, Resolution size, boolean tablesInserted, Rejection rejection) {
        static Result rejected(Rejection why) {
            return new Result(null, null, false, why);
        }

        public boolean ok() {
            return rejection == null;
        }
    }

    /** Below this a frame cannot be a picture (mjpg-streamer and ustreamer use similar floors). */
    public static final int MIN_LENGTH = 128;
    private static final int HEAD = 2048;
    private static final int TAIL = 256;
    private static final byte[] NOTHING = new byte[0];

    private JpegExtractor() {
    }

    public static Result extract(FrameSource source) {
        return extract(source, NOTHING);
    }

    /**
     * @param afterSoi a segment to insert right after SOI (an EXIF orientation), or an empty array
     */
    public static Result extract(FrameSource source, byte[] afterSoi) {
        int length = source.length();
        if (length < MIN_LENGTH) {
            return Result.rejected(Rejection.TOO_SHORT);
        }
        byte[] head = new byte[Math.min(length, HEAD)];
        source.read(0, head, 0, head.length);
        if ((head[0] & 0xFF) != 0xFF || (head[1] & 0xFF) != 0xD8) {
            return Result.rejected(Rejection.NO_SOI);
        }
        int position = 2;
        int sofOffset = -1;
        int width = 0;
        int height = 0;
        boolean hasTables = false;
        while (true) {
            if (position + 9 > head.length && head.length < length) {
                byte[] bigger = new byte[Math.min(length, Math.max(head.length * 4, position + 9))];
                source.read(0, bigger, 0, bigger.length);
                head = bigger;
                continue;
            }
            if (position + 4 > head.length) {
                return Result.rejected(Rejection.BAD_MARKERS);
            }
            if ((head[position] & 0xFF) != 0xFF) {
                return Result.rejected(Rejection.BAD_MARKERS);
            }
            int marker = head[position + 1] & 0xFF;
            if (marker == 0xFF) {
                position++; // fill byte
                continue;
            }
            if (marker == 0xDA) {
                break;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                position += 2;
                continue;
            }
            int segment = (head[position + 2] & 0xFF) << 8 | (head[position + 3] & 0xFF);
            if (segment < 2) {
                return Result.rejected(Rejection.BAD_MARKERS);
            }
            if (isStartOfFrame(marker)) {
                if (position + 9 > head.length || sofOffset >= 0) {
                    return Result.rejected(Rejection.BAD_MARKERS);
                }
                sofOffset = position;
                height = (head[position + 5] & 0xFF) << 8 | (head[position + 6] & 0xFF);
                width = (head[position + 7] & 0xFF) << 8 | (head[position + 8] & 0xFF);
            } else if (marker == 0xC4) {
                hasTables = true;
            }
            position += 2 + segment;
        }
        if (sofOffset < 0 || width == 0 || height == 0) {
            return Result.rejected(Rejection.NO_FRAME_HEADER);
        }
        int end = endOfImage(source, length);
        if (end < 0 || end <= position) {
            return Result.rejected(Rejection.NO_EOI);
        }
        Resolution size = new Resolution(width, height);
        byte[] tables = hasTables ? NOTHING : HuffmanTables.segment();
        int extra = afterSoi.length;
        byte[] jpeg = new byte[end + extra + tables.length];
        jpeg[0] = (byte) 0xFF;
        jpeg[1] = (byte) 0xD8;
        System.arraycopy(afterSoi, 0, jpeg, 2, extra);
        source.read(2, jpeg, 2 + extra, sofOffset - 2);
        System.arraycopy(tables, 0, jpeg, sofOffset + extra, tables.length);
        source.read(sofOffset, jpeg, sofOffset + extra + tables.length, end - sofOffset);
        return new Result(jpeg, size, !hasTables, null);
    }

    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    /** Offset just past the last EOI marker near the end (drivers may pad after it), or -1. */
    private static int endOfImage(FrameSource source, int length) {
        int tailLength = Math.min(length, TAIL);
        byte[] tail = new byte[tailLength];
        source.read(length - tailLength, tail, 0, tailLength);
        for (int i = tailLength - 2; i >= 0; i--) {
            if ((tail[i] & 0xFF) == 0xFF && (tail[i + 1] & 0xFF) == 0xD9) {
                return length - tailLength + i + 2;
            }
        }
        return -1;
    }
}
