package dualstream.camera.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;

import org.junit.jupiter.api.Test;

class ResolutionTest {

    @Test
    void parsesAndPrintsWidthByHeight() {
        assertThat(Resolution.parse("640x480")).isEqualTo(new Resolution(640, 480));
        assertThat(Resolution.parse(" 3264 X 2448 ")).isEqualTo(new Resolution(3264, 2448));
        assertThat(new Resolution(1920, 1080)).hasToString("1920x1080");
    }

    @Test
    void rejectsTextThatIsNotASize() {
        for (String bad : List.of("", "640", "640x", "x480", "640*480", "-640x480", "0x480", "abcxdef", "999999x1")) {
            assertThatIllegalArgumentException().isThrownBy(() -> Resolution.parse(bad)).withMessageContaining("'" + bad + "'").as(bad);
        }
    }

    @Test
    void rejectsZeroSizes() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Resolution(0, 480));
    }

    @Test
    void ordersByArea() {
        List<Resolution> sizes = List.of(Resolution.parse("1920x1080"), Resolution.parse("320x240"), Resolution.parse("640x480"));
        assertThat(sizes.stream().sorted()).containsExactly(
                new Resolution(320, 240), new Resolution(640, 480), new Resolution(1920, 1080));
    }
}
