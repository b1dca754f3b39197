package dualstream.camera.v4l2.internal.jpeg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import org.junit.jupiter.api.Test;

import dualstream.test.support.Luma;

class LumaProbeTest {

    /** A textured picture whose brightness is {@code level} on top and {@code bottom} below {@code split}. */
    static BufferedImage picture(int width, int height, int level, int bottom, double split, long seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(seed);
        for (int y = 0; y < height; y++) {
            int base = y < split * height ? level : bottom;
            for (int x = 0; x < width; x++) {
                int g = Math.max(0, Math.min(255, base + random.nextInt(41) - 20));
                image.setRGB(x, y, g << 16 | g << 8 | g);
            }
        }
        return image;
    }

    static byte[] jpeg(BufferedImage image, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    @Test
    void theMeanOfTheLumaDcIsThePicturesBrightness() throws IOException {
        for (int level : new int[] {10, 60, 127, 200, 245}) {
            byte[] jpeg = jpeg(picture(640, 480, level, level, 1, level), 0.5f);
            LumaProbe.Luma luma = LumaProbe.measure(jpeg, Integer.MAX_VALUE);
            assertThat(luma).isNotNull();
            assertThat(luma.complete()).isTrue();
            assertThat(luma.mean()).as("level %d", level).isCloseTo(Luma.of(jpeg, 1), within(1.5));
        }
    }

    @Test
    void sizesThatAreNoMultipleOfTheBlockAndOddSizes() throws IOException {
        byte[] jpeg = jpeg(picture(333, 101, 90, 90, 1, 7), 0.8f);
        LumaProbe.Luma luma = LumaProbe.measure(jpeg, Integer.MAX_VALUE);
        assertThat(luma.rows()).isEqualTo((101 + 15) / 16);
        assertThat(luma.mean()).isCloseTo(Luma.of(jpeg, 1), within(2.0));
    }

    @Test
    void aBudgetReadsTheTopRowsOnlyAndTheTopIsComparedAcrossSizes() throws IOException {
        byte[] large = jpeg(picture(2048, 1536, 200, 40, 0.5, 1), 0.5f);
        LumaProbe.Luma top = LumaProbe.measure(large, 16 * 1024);
        assertThat(top.complete()).isFalse();
        assertThat(top.fraction()).isLessThan(0.5);
        assertThat(top.mean()).isCloseTo(200, within(3.0));

        LumaProbe.Luma whole = LumaProbe.measure(jpeg(picture(640, 480, 200, 40, 0.5, 2), 0.5f), Integer.MAX_VALUE);
        assertThat(whole.mean()).isCloseTo(120, within(4.0));
        assertThat(whole.meanOfTop(top.fraction())).isCloseTo(top.mean(), within(3.0));
    }

    @Test
    void brokenDataHasNoProbe() throws IOException {
        byte[] jpeg = jpeg(picture(640, 480, 100, 100, 1, 3), 0.5f);
        byte[] truncated = Arrays.copyOf(jpeg, jpeg.length / 2);
        truncated[truncated.length - 2] = (byte) 0xFF;
        truncated[truncated.length - 1] = (byte) 0xD9;
        assertThat(LumaProbe.measure(truncated, Integer.MAX_VALUE)).isNull();
        assertThat(LumaProbe.measure(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9}, 1000)).isNull();
        assertThat(LumaProbe.measure(new byte[0], 1000)).isNull();
        byte[] garbage = jpeg.clone();
        for (int i = garbage.length / 3; i < garbage.length - 2; i++) {
            garbage[i] = (byte) (i * 31);
        }
        assertThatCode(() -> LumaProbe.measure(garbage, Integer.MAX_VALUE)).doesNotThrowAnyException();
    }

    /** Prints what a probe costs on this machine: a figure, not a budget that a busy machine could fail. */
    @Test
    void cost() throws IOException {
        byte[] still = jpeg(picture(3264, 2448, 127, 127, 1, 9), 0.75f);
        byte[] stream = jpeg(picture(640, 480, 127, 127, 1, 9), 0.75f);
        for (int warm = 0; warm < 30; warm++) {
            LumaProbe.measure(still, 256 * 1024);
            LumaProbe.measure(stream, Integer.MAX_VALUE);
        }
        long t0 = System.nanoTime();
        LumaProbe.Luma budgeted = null;
        for (int i = 0; i < 20; i++) {
            budgeted = LumaProbe.measure(still, 256 * 1024);
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            LumaProbe.measure(stream, Integer.MAX_VALUE);
        }
        long t2 = System.nanoTime();
        System.out.printf("luma probe: 3264x2448 (%d KB) with a 256 KB budget %.2f ms (%.0f%% of rows);"
                + " 640x480 (%d KB) whole %.2f ms%n", still.length / 1024, (t1 - t0) / 20e6,
                100 * budgeted.fraction(), stream.length / 1024, (t2 - t1) / 20e6);
        assertThat(budgeted.mean()).isCloseTo(127, within(3.0));
    }
}
