package dualstream.test.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

class LumaTest {

    static BufferedImage grey(int width, int height, int top, int bottom) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            int g = y < height / 2 ? top : bottom;
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, g << 16 | g << 8 | g);
            }
        }
        return image;
    }

    static byte[] jpeg(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return out.toByteArray();
    }

    @Test
    void aGreyPictureHasItsLevel() {
        assertThat(Luma.of(grey(64, 48, 90, 90))).isCloseTo(90, within(0.01));
    }

    @Test
    void subsamplingKeepsTheMeanOfAPictureOfTwoHalves() throws IOException {
        byte[] jpeg = jpeg(grey(640, 480, 200, 40));
        assertThat(Luma.of(jpeg, 1)).isCloseTo(120, within(2.0));
        assertThat(Luma.of(jpeg, 8)).isCloseTo(Luma.of(jpeg, 1), within(2.0));
    }

    @Test
    void everyMustBePositive() {
        assertThatIllegalArgumentException().isThrownBy(() -> Luma.of(new byte[0], 0));
    }
}
