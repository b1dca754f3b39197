package dualstream.camera.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

class OrientationTest {

    /** A 3x2 picture whose six pixels all differ, so that any two different turns of it differ. */
    private static final int[][] PICTURE = {{1, 2, 3}, {4, 5, 6}};

    private static int[][] mirrorH(int[][] p) {
        int[][] out = new int[p.length][];
        for (int y = 0; y < p.length; y++) {
            out[y] = new int[p[y].length];
            for (int x = 0; x < p[y].length; x++) {
                out[y][x] = p[y][p[y].length - 1 - x];
            }
        }
        return out;
    }

    private static int[][] mirrorV(int[][] p) {
        int[][] out = new int[p.length][];
        for (int y = 0; y < p.length; y++) {
            out[y] = p[p.length - 1 - y].clone();
        }
        return out;
    }

    private static int[][] transpose(int[][] p) {
        int[][] out = new int[p[0].length][p.length];
        for (int y = 0; y < p.length; y++) {
            for (int x = 0; x < p[0].length; x++) {
                out[x][y] = p[y][x];
            }
        }
        return out;
    }

    private static int[][] clockwise(int[][] p) {
        return mirrorH(transpose(p));
    }

    /** What a viewer does with a picture that carries this EXIF orientation, as Exif 2.3's table says it. */
    private static UnaryOperator<int[][]> viewer(int exif) {
        return switch (exif) {
            case 1 -> p -> p;
            case 2 -> OrientationTest::mirrorH;
            case 3 -> p -> clockwise(clockwise(p));
            case 4 -> OrientationTest::mirrorV;
            case 5 -> OrientationTest::transpose;
            case 6 -> OrientationTest::clockwise;
            case 7 -> p -> clockwise(clockwise(transpose(p)));
            case 8 -> p -> clockwise(clockwise(clockwise(p)));
            default -> throw new IllegalArgumentException();
        };
    }

    /** The orientation's own meaning: mirrored as the flips say, then turned clockwise. */
    private static int[][] wanted(Orientation o) {
        int[][] p = PICTURE;
        p = o.flipHorizontal() ? mirrorH(p) : p;
        p = o.flipVertical() ? mirrorV(p) : p;
        for (int turn = 0; turn < o.rotation(); turn += 90) {
            p = clockwise(p);
        }
        return p;
    }

    @Test
    void everyCombinationHasTheExifOrientationThatShowsItSo() {
        for (int rotation : new int[] {0, 90, 180, 270}) {
            for (boolean h : new boolean[] {false, true}) {
                for (boolean v : new boolean[] {false, true}) {
                    Orientation o = new Orientation(rotation, h, v);
                    assertThat(viewer(o.exif()).apply(PICTURE)).as(o.toString()).isDeepEqualTo(wanted(o));
                }
            }
        }
    }

    @Test
    void mirrorsAloneMakeHalfTurnsAndFlipsAndWhatTheyLeaveIsExactlyThem() {
        for (int rotation : new int[] {0, 180}) {
            for (boolean h : new boolean[] {false, true}) {
                for (boolean v : new boolean[] {false, true}) {
                    Orientation o = new Orientation(rotation, h, v);
                    int[][] p = o.mirrorsHorizontally() ? mirrorH(PICTURE) : PICTURE;
                    p = o.mirrorsVertically() ? mirrorV(p) : p;
                    assertThat(o.byMirrorsAlone()).isTrue();
                    assertThat(p).as(o.toString()).isDeepEqualTo(wanted(o));
                }
            }
        }
        assertThat(new Orientation(90, false, false).byMirrorsAlone()).isFalse();
        assertThat(new Orientation(270, true, false).byMirrorsAlone()).isFalse();
    }

    @Test
    void theCameraMirrorsWhenItHasWhatItTakesElseEverythingGoesToExif() {
        Orientation half = new Orientation(180, false, false);
        assertThat(Orientation.Applied.of(half, true, true)).isEqualTo(new Orientation.Applied(half, true, true, 1));
        assertThat(Orientation.Applied.of(half, true, false)).isEqualTo(new Orientation.Applied(half, false, false, 3));
        Orientation mirrored = new Orientation(0, true, false);
        assertThat(Orientation.Applied.of(mirrored, true, false))
                .isEqualTo(new Orientation.Applied(mirrored, true, false, 1));
        assertThat(Orientation.Applied.of(mirrored, false, true))
                .isEqualTo(new Orientation.Applied(mirrored, false, false, 2));
        Orientation quarter = new Orientation(90, false, false);
        assertThat(Orientation.Applied.of(quarter, true, true)).isEqualTo(new Orientation.Applied(quarter, false, false, 6));
        assertThat(Orientation.Applied.of(Orientation.UPRIGHT, false, false)).isEqualTo(Orientation.Applied.NONE);
    }

    @Test
    void aQuarterTurnSwapsTheShownSize() {
        assertThat(new Orientation(90, false, false).shown(new Resolution(640, 480))).isEqualTo(new Resolution(480, 640));
        assertThat(new Orientation(180, true, false).shown(new Resolution(640, 480))).isEqualTo(new Resolution(640, 480));
    }

    @Test
    void refusesOtherRotations() {
        for (int bad : new int[] {-90, 45, 360, 1}) {
            assertThatIllegalArgumentException().isThrownBy(() -> new Orientation(bad, false, false))
                    .withMessageContaining("got " + bad);
        }
    }
}
