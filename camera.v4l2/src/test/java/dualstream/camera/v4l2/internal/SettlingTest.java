package dualstream.camera.v4l2.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dualstream.camera.v4l2.internal.Settling.Reason;
import dualstream.camera.v4l2.internal.jpeg.LumaProbe.Luma;

class SettlingTest {

    static Luma luma(double mean) {
        return new Luma(new double[] {mean}, 1);
    }

    /** The frame number (1-based) the settling takes, and why, for these brightnesses. */
    static String settle(Settling settling, double... frames) {
        for (int i = 0; i < frames.length; i++) {
            Reason reason = settling.offer(luma(frames[i]), null);
            if (reason != null) {
                return (i + 1) + " " + reason;
            }
        }
        return "none";
    }

    @Test
    void aFrameAsBrightAsThePictureBeforeTheSwitchIsSettled() {
        assertThat(settle(new Settling(1, luma(127), false), 20, 60, 100, 122, 126, 127)).isEqualTo("6 MATCHED");
        assertThat(settle(new Settling(0, luma(127), false), 127, 127)).isEqualTo("2 MATCHED");
    }

    @Test
    void aFramePassingThroughTheBandOnItsWayUpIsNotSettled() {
        // A dark part of the picture (what a large frame's probe reads first) with the exposure still rising.
        assertThat(settle(new Settling(1, luma(35), false), 28, 31, 33, 35, 35)).isEqualTo("5 MATCHED");
        assertThat(settle(new Settling(1, luma(127), false), 90, 110, 122, 131, 127)).isEqualTo("none");
    }

    @Test
    void aCarriedExposureIsTakenAtItsFirstMatchingFrame() {
        assertThat(settle(new Settling(0, luma(127), true), 126)).isEqualTo("1 MATCHED");
        assertThat(settle(new Settling(0, luma(127), true), 70, 126)).as("applied a frame late").isEqualTo("2 MATCHED");
    }

    @Test
    void aCarriedExposureAllowsForWhatMovedInTheSceneMeanwhile() {
        assertThat(settle(new Settling(0, luma(127), true), 116)).as("9% off").isEqualTo("1 MATCHED");
        assertThat(settle(new Settling(0, luma(127), false), 116, 116)).as("unless carried").isEqualTo("none");
        Settling settling = new Settling(0, luma(127), true);
        for (int i = 0; i < Settling.LOCK_GRACE; i++) {
            assertThat(settling.offer(luma(108), null)).as("15% off").isNull();
        }
        assertThat(settling.lockDidNotHold()).isTrue();
    }

    @Test
    void theMinimumFramesAreSkippedWhateverTheyShow() {
        assertThat(settle(new Settling(3, luma(127), false), 127, 127, 127, 127)).isEqualTo("4 MATCHED");
    }

    @Test
    void aDarkPlateauBeforeTheRampIsNotSettled() {
        // Six near-black frames, then the exposure converges: steady but far from the picture before the switch.
        assertThat(settle(new Settling(1, luma(127), false), 4, 4, 4, 4, 4, 4, 40, 80, 110, 126, 127))
                .isEqualTo("11 MATCHED");
    }

    @Test
    void aSceneThatReallyChangedIsTakenOnceItHoldsStill() {
        double[] darker = new double[12];
        java.util.Arrays.fill(darker, 30);
        assertThat(settle(new Settling(1, luma(127), false), darker)).isEqualTo("10 STEADY");
        assertThat(settle(new Settling(1, luma(127), false), 100, 101, 100.5, 100)).isEqualTo("3 STEADY");
    }

    @Test
    void withoutAReferenceBrightnessMustStopMoving() {
        assertThat(settle(new Settling(1, null, false), 20, 60, 100, 120, 126, 127, 127.5)).isEqualTo("7 STEADY");
    }

    @Test
    void withoutAReferenceANearBlackPictureMustHoldStillForLonger() {
        double[] black = new double[12];
        java.util.Arrays.fill(black, 6);
        assertThat(settle(new Settling(1, null, false), black)).isEqualTo("10 STEADY");
    }

    @Test
    void movingExposureIsNotSteadyEvenIfTheBrightnessIs() {
        Settling settling = new Settling(0, null, false);
        assertThat(settling.offer(luma(100), 200)).isNull();
        assertThat(settling.offer(luma(100), 220)).isNull();
        assertThat(settling.offer(luma(100), 240)).isNull();
        assertThat(settling.offer(luma(100), 240)).isNull();
        assertThat(settling.offer(luma(100), 240)).isEqualTo(Reason.STEADY);
    }

    @Test
    void aLockThatDoesNotGiveThePictureBackIsReported() {
        Settling settling = new Settling(0, luma(127), true);
        for (int i = 1; i < Settling.LOCK_GRACE; i++) {
            assertThat(settling.offer(luma(64), null)).isNull();
            assertThat(settling.lockDidNotHold()).as("frame %d may still have the old exposure", i).isFalse();
        }
        assertThat(settling.offer(luma(64), null)).isNull();
        assertThat(settling.lockDidNotHold()).isTrue();
        assertThat(settling.lockDidNotHold()).as("said once").isFalse();
        assertThat(settling.offer(luma(100), null)).isNull();
        assertThat(settling.offer(luma(125), null)).as("still rising").isNull();
        assertThat(settling.offer(luma(126), null)).isEqualTo(Reason.MATCHED);
    }

    @Test
    void framesThatCannotBeMeasuredFallBackToTheMinimum() {
        Settling settling = new Settling(2, luma(127), false);
        assertThat(settling.offer(null, null)).isNull();
        assertThat(settling.offer(null, null)).isNull();
        assertThat(settling.offer(null, null)).isEqualTo(Reason.UNMEASURED);
    }
}
