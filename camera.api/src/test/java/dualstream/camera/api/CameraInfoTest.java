package dualstream.camera.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class CameraInfoTest {

    @Test
    void theSixArgumentFormIsARealDevice() {
        CameraInfo info = new CameraInfo("0", "/dev/video0", "uvcvideo", "C920", List.of("MJPG"), List.of());
        assertThat(info.kind()).isEqualTo(CameraKind.DEVICE);
    }

    @Test
    void aTestPatternSaysSoWhateverItsDriver() {
        CameraInfo info = new CameraInfo("t", "testpattern", "anything", "Test pattern", List.of("MJPG"), List.of(),
                CameraKind.TEST_PATTERN);
        assertThat(info.kind()).isEqualTo(CameraKind.TEST_PATTERN);
        assertThat(info).isNotEqualTo(new CameraInfo("t", "testpattern", "anything", "Test pattern",
                List.of("MJPG"), List.of()));
    }
}
