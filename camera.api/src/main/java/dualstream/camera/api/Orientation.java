package dualstream.camera.api;

/**
 * How a camera's picture is to be shown: mirrored as the flips say, then turned clockwise by {@code rotation} degrees
 * (the order of CSS's {@code rotate(r) scaleX(-1)}).
 *
 * @param rotation       0, 90, 180 or 270, clockwise
 * @param flipHorizontal mirrored left to right
 * @param flipVertical   mirrored top to bottom
 */
public record Orientation(int rotation, boolean flipHorizontal, boolean flipVertical) {

    /** The picture as the camera takes it. */
    public static final Orientation UPRIGHT = new Orientation(0, false, false);

    /** The EXIF orientation tag's value for each quarter turn, without a mirror and with one (TIFF 6.0, Exif 2.3). */
    private static final int[] EXIF = {1, 6, 3, 8};
    private static final int[] EXIF_MIRRORED = {2, 7, 4, 5};

    /**
     * @throws IllegalArgumentException for a rotation other than 0, 90, 180 or 270
     */
    public Orientation {
        if (rotation != 0 && rotation != 90 && rotation != 180 && rotation != 270) {
            throw new IllegalArgumentException("rotation must be 0, 90, 180 or 270, got " + rotation);
        }
    }

    /**
     * The EXIF orientation (1 to 8) that makes a viewer show the camera's picture this way. A vertical mirror is a
     * horizontal one turned by 180 degrees, so every combination is one of the eight.
     */
    public int exif() {
        int quarters = rotation / 90 + (flipVertical ? 2 : 0);
        boolean mirrored = flipHorizontal != flipVertical;
        return (mirrored ? EXIF_MIRRORED : EXIF)[quarters % 4];
    }

    /** Whether a camera's own mirrors can make it: no quarter turn (a half turn is both mirrors). */
    public boolean byMirrorsAlone() {
        return rotation % 180 == 0;
    }

    /** For {@link #byMirrorsAlone()}: whether the picture ends up mirrored left to right. */
    public boolean mirrorsHorizontally() {
        return flipHorizontal != (rotation == 180);
    }

    /** For {@link #byMirrorsAlone()}: whether the picture ends up mirrored top to bottom. */
    public boolean mirrorsVertically() {
        return flipVertical != (rotation == 180);
    }

    /** The size of the picture as shown: width and height swapped by a quarter turn. */
    public Resolution shown(Resolution taken) {
        return rotation % 180 == 0 ? taken : new Resolution(taken.height(), taken.width());
    }

    /**
     * Where an orientation is made: by the camera's own mirrors, by an EXIF orientation in every frame and still, or
     * both not at all ({@link #NONE}).
     *
     * @param wanted         the orientation asked for
     * @param cameraMirrorsH the camera mirrors its picture left to right itself ({@code V4L2_CID_HFLIP})
     * @param cameraMirrorsV the camera mirrors its picture top to bottom itself ({@code V4L2_CID_VFLIP})
     * @param exif           the EXIF orientation every JPEG carries, 1 (the default, no tag written) when none
     */
    public record Applied(Orientation wanted, boolean cameraMirrorsH, boolean cameraMirrorsV, int exif) {

        /** Upright, nothing done. */
        public static final Applied NONE = new Applied(UPRIGHT, false, false, 1);

        public Applied {
            java.util.Objects.requireNonNull(wanted, "wanted");
            if (exif < 1 || exif > 8) {
                throw new IllegalArgumentException("EXIF orientation must be 1..8, got " + exif);
            }
        }

        /**
         * The camera's mirrors where they make the orientation on their own and the camera has those it needs;
         * otherwise an EXIF orientation for all of it.
         */
        public static Applied of(Orientation wanted, boolean cameraHasH, boolean cameraHasV) {
            if (wanted.byMirrorsAlone() && (cameraHasH || !wanted.mirrorsHorizontally())
                    && (cameraHasV || !wanted.mirrorsVertically())) {
                return new Applied(wanted, wanted.mirrorsHorizontally(), wanted.mirrorsVertically(), 1);
            }
            return new Applied(wanted, false, false, wanted.exif());
        }
    }
}
