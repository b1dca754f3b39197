package dualstream.camera.v4l2.internal.jpeg;

/**
 * A frame's brightness, read from its entropy-coded data without decoding the picture: only the luma DC coefficients
 * (each the mean of an 8x8 block) are kept, the AC coefficients are skipped, nothing is transformed. The scan stops at
 * the end of the MCU row in which a byte budget ran out, so that a large still costs a bounded time; the rows read are
 * the top of the picture, and {@link Luma#meanOfTop} compares two sizes over the same part of it.
 * <p>
 * Baseline and extended sequential Huffman JPEGs (what cameras send); anything else has no probe.
 */
public final class LumaProbe {

    /** The mean luma (0..255) of each MCU row read, top first, of {@code rows} in the picture. */
    public record Luma(double[] rowMeans, int rows) {

        public boolean complete() {
            return rowMeans.length == rows;
        }

        /** Over every row read. */
        public double mean() {
            return meanOfRows(rowMeans.length);
        }

        /**
         * Over the top {@code fraction} of the picture, or every row read if fewer: how a full-picture measurement is
         * compared with a budgeted one of another size.
         */
        public double meanOfTop(double fraction) {
            return meanOfRows((int) Math.max(1, Math.min(rowMeans.length, Math.ceil(fraction * rows))));
        }

        /** The part of the picture read, 0..1. */
        public double fraction() {
            return (double) rowMeans.length / rows;
        }

        private double meanOfRows(int count) {
            double sum = 0;
            for (int i = 0; i < count; i++) {
                sum += rowMeans[i];
            }
            return count == 0 ? Double.NaN : sum / count;
        }
    }

    private static final int LOOKAHEAD = 9;

    /** One Huffman table: a lookahead table for short codes, canonical limits for the rest (T.81 F.2.2.3). */
    private static final class Table {
        final int[] fast = new int[1 << LOOKAHEAD]; // (length << 8) | value, 0 when longer
        final int[] maxCode = new int[18];
        final int[] valueOffset = new int[17];
        final int[] values;

        Table(int[] counts, int[] values) {
            this.values = values;
            int code = 0;
            int k = 0;
            for (int length = 1; length <= 16; length++) {
                valueOffset[length] = k - code;
                for (int i = 0; i < counts[length - 1]; i++) {
                    if (length <= LOOKAHEAD) {
                        int shift = LOOKAHEAD - length;
                        for (int fill = 0; fill < 1 << shift; fill++) {
                            fast[(code << shift) | fill] = length << 8 | values[k];
                        }
                    }
                    code++;
                    k++;
                }
                maxCode[length] = counts[length - 1] == 0 ? -1 : code - 1;
                code <<= 1;
            }
            maxCode[17] = Integer.MAX_VALUE;
        }
    }

    /** Reads bits of entropy-coded data: removes stuffed zero bytes, and stops at a marker. */
    private static final class Bits {
        final byte[] data;
        int position;
        long buffer;
        int count;
        /** Zero bits put in after the data's marker, to be told from real ones. */
        int padded;
        boolean atMarker;

        Bits(byte[] data, int position) {
            this.data = data;
            this.position = position;
        }

        void fill() {
            while (count <= 56) {
                int b = 0;
                if (!atMarker && position < data.length) {
                    b = data[position] & 0xFF;
                    if (b == 0xFF) {
                        int next = position + 1 < data.length ? data[position + 1] & 0xFF : 0xD9;
                        if (next == 0x00) {
                            position += 2;
                        } else {
                            atMarker = true;
                            b = 0;
                        }
                    } else {
                        position++;
                    }
                } else {
                    atMarker = true;
                }
                if (atMarker) {
                    padded += 8;
                }
                buffer = buffer << 8 | b;
                count += 8;
            }
        }

        int peek(int n) {
            return (int) (buffer >>> (count - n)) & ((1 << n) - 1);
        }

        int take(int n) {
            if (n == 0) {
                return 0;
            }
            fill();
            int v = peek(n);
            count -= n;
            return v;
        }

        int decode(Table table) {
            fill();
            int entry = table.fast[peek(LOOKAHEAD)];
            if (entry != 0) {
                count -= entry >> 8;
                return entry & 0xFF;
            }
            int code = peek(LOOKAHEAD);
            int length = LOOKAHEAD;
            count -= LOOKAHEAD;
            while (code > table.maxCode[length]) {
                code = code << 1 | take(1);
                length++;
                if (length > 16) {
                    return -1;
                }
            }
            int index = code + table.valueOffset[length];
            return index >= 0 && index < table.values.length ? table.values[index] : -1;
        }

        /** Past the restart marker the data must be at, after dropping what is left of the byte. */
        boolean restart() {
            buffer = 0;
            count = 0;
            padded = 0;
            atMarker = false;
            if (position + 1 < data.length && (data[position] & 0xFF) == 0xFF
                    && (data[position + 1] & 0xF8) == 0xD0) {
                position += 2;
                return true;
            }
            return false;
        }

        /** Whether more bits were asked for than the data held before its marker. */
        boolean overrun() {
            return count < padded;
        }
    }

    private LumaProbe() {
    }

    /**
     * @param budget how many bytes of entropy-coded data to read at most (whole rows are read, so a little more)
     * @return the brightness, or {@code null} if this is not a JPEG the probe reads, or its data is broken
     */
    public static Luma measure(byte[] jpeg, int budget) {
        try {
            return new LumaProbe.Scan(jpeg).run(budget);
        } catch (IndexOutOfBoundsException | IllegalStateException broken) {
            return null;
        }
    }

    /** The headers up to the start of scan, then the scan. */
    private static final class Scan {
        final byte[] jpeg;
        final int[][] quant = new int[4][];
        final Table[] dc = new Table[4];
        final Table[] ac = new Table[4];
        int width;
        int height;
        int components;
        int[] ids;
        int[] h;
        int[] v;
        int[] q;
        int restartInterval;

        Scan(byte[] jpeg) {
            this.jpeg = jpeg;
        }

        Luma run(int budget) {
            if (jpeg.length < 4 || (jpeg[0] & 0xFF) != 0xFF || (jpeg[1] & 0xFF) != 0xD8) {
                return null;
            }
            int p = 2;
            while (p + 4 <= jpeg.length) {
                if ((jpeg[p] & 0xFF) != 0xFF) {
                    return null;
                }
                int marker = jpeg[p + 1] & 0xFF;
                if (marker == 0xFF) {
                    p++;
                    continue;
                }
                int length = u16(p + 2);
                int body = p + 4;
                int end = p + 2 + length;
                switch (marker) {
                    case 0xDB -> quantization(body, end);
                    case 0xC4 -> huffman(body, end);
                    case 0xDD -> restartInterval = u16(body);
                    case 0xC0, 0xC1 -> frame(body);
                    case 0xDA -> {
                        return scan(body, end, budget);
                    }
                    default -> {
                        if (marker >= 0xC2 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8
                                && marker != 0xCC) {
                            return null; // progressive, lossless, arithmetic: not what cameras send
                        }
                    }
                }
                p = end;
            }
            return null;
        }

        int u16(int at) {
            return (jpeg[at] & 0xFF) << 8 | (jpeg[at + 1] & 0xFF);
        }

        void quantization(int p, int end) {
            while (p < end) {
                int precision = (jpeg[p] & 0xFF) >> 4;
                int id = jpeg[p] & 0x0F;
                int[] table = new int[64];
                p++;
                for (int i = 0; i < 64; i++) {
                    table[i] = precision == 0 ? jpeg[p++] & 0xFF : u16(p);
                    if (precision != 0) {
                        p += 2;
                    }
                }
                quant[id & 3] = table;
            }
        }

        void huffman(int p, int end) {
            while (p < end) {
                int tableClass = (jpeg[p] & 0xFF) >> 4;
                int id = jpeg[p] & 3;
                int[] counts = new int[16];
                int total = 0;
                for (int i = 0; i < 16; i++) {
                    counts[i] = jpeg[p + 1 + i] & 0xFF;
                    total += counts[i];
                }
                int[] values = new int[total];
                for (int i = 0; i < total; i++) {
                    values[i] = jpeg[p + 17 + i] & 0xFF;
                }
                (tableClass == 0 ? dc : ac)[id] = new Table(counts, values);
                p += 17 + total;
            }
        }

        void frame(int p) {
            height = u16(p + 1);
            width = u16(p + 3);
            components = jpeg[p + 5] & 0xFF;
            ids = new int[components];
            h = new int[components];
            v = new int[components];
            q = new int[components];
            for (int i = 0; i < components; i++) {
                int at = p + 6 + 3 * i;
                ids[i] = jpeg[at] & 0xFF;
                h[i] = Math.max(1, (jpeg[at + 1] & 0xFF) >> 4);
                v[i] = Math.max(1, jpeg[at + 1] & 0x0F);
                q[i] = jpeg[at + 2] & 3;
            }
        }

        Luma scan(int p, int end, int budget) {
            if (ids == null || width == 0 || height == 0) {
                return null;
            }
            int count = jpeg[p] & 0xFF;
            if (count != components && count != 1) {
                return null; // a non-interleaved colour scan: the luma's blocks are not in MCU order with the rest
            }
            int[] order = new int[count];
            Table[] dcOf = new Table[count];
            Table[] acOf = new Table[count];
            for (int i = 0; i < count; i++) {
                int id = jpeg[p + 1 + 2 * i] & 0xFF;
                int selectors = jpeg[p + 2 + 2 * i] & 0xFF;
                order[i] = indexOf(id);
                dcOf[i] = dc[selectors >> 4 & 3];
                acOf[i] = ac[selectors & 3];
                if (order[i] < 0 || dcOf[i] == null || acOf[i] == null) {
                    return null;
                }
            }
            if (order[0] != 0 || quant[q[0]] == null) {
                return null; // the luma must come first
            }
            int hMax = 1;
            int vMax = 1;
            for (int i = 0; i < components; i++) {
                hMax = Math.max(hMax, h[i]);
                vMax = Math.max(vMax, v[i]);
            }
            boolean single = count == 1;
            int mcuWidth = single ? 8 : 8 * hMax;
            int mcuHeight = single ? 8 : 8 * vMax;
            int columns = (width + mcuWidth - 1) / mcuWidth;
            int rows = (height + mcuHeight - 1) / mcuHeight;
            double scale = quant[q[0]][0] / 8.0;
            int[] blocks = new int[count];
            for (int i = 0; i < count; i++) {
                blocks[i] = single ? 1 : h[order[i]] * v[order[i]];
            }

            Bits bits = new Bits(jpeg, end);
            int start = end;
            int[] predictor = new int[count];
            double[] means = new double[rows];
            int mcus = 0;
            int row = 0;
            for (; row < rows; row++) {
                long sum = 0;
                for (int column = 0; column < columns; column++) {
                    if (restartInterval > 0 && mcus > 0 && mcus % restartInterval == 0) {
                        if (!bits.restart()) {
                            return null;
                        }
                        java.util.Arrays.fill(predictor, 0);
                    }
                    for (int c = 0; c < count; c++) {
                        for (int b = 0; b < blocks[c]; b++) {
                            int size = bits.decode(dcOf[c]);
                            if (size < 0 || size > 11) {
                                return null;
                            }
                            predictor[c] += extend(bits.take(size), size);
                            if (c == 0) {
                                sum += predictor[0];
                            }
                            skipAc(bits, acOf[c]);
                        }
                    }
                    if (bits.overrun()) {
                        return null; // the data ended before the picture did
                    }
                    mcus++;
                }
                means[row] = Math.max(0, Math.min(255, 128 + scale * sum / ((double) columns * blocks[0])));
                if (bits.position - start >= budget) {
                    row++;
                    break;
                }
            }
            return new Luma(java.util.Arrays.copyOf(means, row), rows);
        }

        int indexOf(int id) {
            for (int i = 0; i < components; i++) {
                if (ids[i] == id) {
                    return i;
                }
            }
            return -1;
        }

        static int extend(int value, int size) {
            return size == 0 ? 0 : value < 1 << (size - 1) ? value - (1 << size) + 1 : value;
        }

        static void skipAc(Bits bits, Table table) {
            for (int k = 1; k < 64; k++) {
                int symbol = bits.decode(table);
                if (symbol < 0) {
                    throw new IllegalStateException("bad code");
                }
                int size = symbol & 0x0F;
                if (size == 0) {
                    if (symbol != 0xF0) {
                        return; // end of block
                    }
                    k += 15;
                    continue;
                }
                k += symbol >> 4;
                bits.count -= size; // decode left at least 40 bits buffered: no refill needed
            }
        }
    }
}
