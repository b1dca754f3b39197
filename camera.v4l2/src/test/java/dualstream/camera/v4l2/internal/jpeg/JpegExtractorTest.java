package dualstream.camera.v4l2.internal.jpeg;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

import javax.imageio.ImageIO;
import javax.imageio.plugins.jpeg.JPEGHuffmanTable;

import org.junit.jupiter.api.Test;

import dualstream.camera.api.Resolution;
import dualstream.camera.support.ExifOrientation;
import dualstream.camera.v4l2.internal.jpeg.JpegExtractor.Rejection;
import dualstream.camera.v4l2.internal.jpeg.JpegExtractor.Result;

class JpegExtractorTest {

    /** A JPEG from the JDK's writer, which uses the standard tables, as UVC cameras do. */
    static byte[] jpeg(int width, int height) throws Exception {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, Color.RED, width, height, Color.BLUE));
        g.fillRect(0, 0, width, height);
        g.setColor(Color.WHITE);
        g.fillOval(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return out.toByteArray();
    }

    /** The JPEG with every DHT segment removed, as many UVC cameras send it. */
    static byte[] withoutHuffmanTables(byte[] jpeg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        int i = 2;
        while ((jpeg[i + 1] & 0xFF) != 0xDA) {
            int length = 2 + ((jpeg[i + 2] & 0xFF) << 8 | (jpeg[i + 3] & 0xFF));
            if ((jpeg[i + 1] & 0xFF) != 0xC4) {
                out.write(jpeg, i, length);
            }
            i += length;
        }
        out.write(jpeg, i, jpeg.length - i);
        return out.toByteArray();
    }

    static int[] pixels(byte[] jpeg) throws Exception {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(jpeg));
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    @Test
    void takesAWholeJpegAsItIs() throws Exception {
        byte[] jpeg = jpeg(320, 240);
        Result result = JpegExtractor.extract(FrameSource.of(jpeg));
        assertThat(result.ok()).isTrue();
        assertThat(result.jpeg()).isEqualTo(jpeg);
        assertThat(result.size()).isEqualTo(new Resolution(320, 240));
        assertThat(result.tablesInserted()).isFalse();
    }

    @Test
    void insertsTheStandardTablesIntoAFrameWithout() throws Exception {
        byte[] original = jpeg(640, 480);
        byte[] stripped = withoutHuffmanTables(original);
        assertThat(stripped.length).isLessThan(original.length);

        Result result = JpegExtractor.extract(FrameSource.of(stripped));

        assertThat(result.ok()).isTrue();
        assertThat(result.tablesInserted()).isTrue();
        assertThat(pixels(result.jpeg())).isEqualTo(pixels(original));
    }

    /** The markers of the segments before the scan, in order. */
    static java.util.List<Integer> markers(byte[] jpeg) {
        java.util.List<Integer> found = new java.util.ArrayList<>();
        int i = 2;
        while ((jpeg[i + 1] & 0xFF) != 0xDA) {
            found.add(jpeg[i + 1] & 0xFF);
            i += 2 + ((jpeg[i + 2] & 0xFF) << 8 | (jpeg[i + 3] & 0xFF));
        }
        return found;
    }

    @Test
    void insertsAnExifOrientationRightAfterSoiInTheSameCopy() throws Exception {
        byte[] segment = ExifOrientation.segment(6);
        for (byte[] frame : new byte[][] {jpeg(320, 240), withoutHuffmanTables(jpeg(320, 240))}) {
            Result result = JpegExtractor.extract(FrameSource.of(frame), segment);

            assertThat(result.ok()).isTrue();
            byte[] out = result.jpeg();
            assertThat(Arrays.copyOfRange(out, 2, 2 + segment.length)).isEqualTo(segment);
            assertThat(out.length).isEqualTo(JpegExtractor.extract(FrameSource.of(frame)).jpeg().length
                    + ExifOrientation.LENGTH);
            assertThat(pixels(out)).isEqualTo(pixels(jpeg(320, 240)));
            java.util.List<Integer> before = markers(JpegExtractor.extract(FrameSource.of(frame)).jpeg());
            assertThat(markers(out)).first().isEqualTo(0xE1);
            assertThat(markers(out).subList(1, markers(out).size())).isEqualTo(before);
        }
    }

    @Test
    void theTablesAreThoseOfT81AnnexK() {
        byte[] segment = HuffmanTables.segment();
        JPEGHuffmanTable[] expected = {JPEGHuffmanTable.StdDCLuminance, JPEGHuffmanTable.StdACLuminance,
                JPEGHuffmanTable.StdDCChrominance, JPEGHuffmanTable.StdACChrominance};
        int at = 4;
        for (JPEGHuffmanTable table : expected) {
            at++; // class and id
            short[] lengths = table.getLengths();
            short[] values = table.getValues();
            for (short length : lengths) {
                assertThat(segment[at++] & 0xFF).isEqualTo(length);
            }
            for (short value : values) {
                assertThat(segment[at++] & 0xFF).isEqualTo(value);
            }
        }
        assertThat(at).isEqualTo(segment.length);
        assertThat(((segment[2] & 0xFF) << 8) | (segment[3] & 0xFF)).isEqualTo(segment.length - 2);
    }

    @Test
    void dropsPaddingAfterTheEndOfImage() throws Exception {
        byte[] jpeg = jpeg(160, 120);
        byte[] padded = Arrays.copyOf(jpeg, jpeg.length + 100);
        assertThat(JpegExtractor.extract(FrameSource.of(padded)).jpeg()).isEqualTo(jpeg);
    }

    @Test
    void findsTheFrameHeaderBehindLargeSegments() throws Exception {
        byte[] jpeg = jpeg(160, 120);
        byte[] comment = new byte[6000];
        comment[0] = (byte) 0xFF;
        comment[1] = (byte) 0xFE;
        comment[2] = (byte) ((comment.length - 2) >> 8);
        comment[3] = (byte) (comment.length - 2);
        byte[] big = new byte[jpeg.length + comment.length];
        System.arraycopy(jpeg, 0, big, 0, 2);
        System.arraycopy(comment, 0, big, 2, comment.length);
        System.arraycopy(jpeg, 2, big, 2 + comment.length, jpeg.length - 2);
        Result result = JpegExtractor.extract(FrameSource.of(withoutHuffmanTables(big)));
        assertThat(result.ok()).isTrue();
        assertThat(result.size()).isEqualTo(new Resolution(160, 120));
        assertThat(pixels(result.jpeg())).isEqualTo(pixels(jpeg));
    }

    @Test
    void rejectsWhatIsNotAWholeJpeg() throws Exception {
        byte[] jpeg = jpeg(320, 240);
        assertThat(JpegExtractor.extract(FrameSource.of(new byte[20])).rejection()).isEqualTo(Rejection.TOO_SHORT);
        byte[] garbage = new byte[4000];
        new java.util.Random(1).nextBytes(garbage);
        garbage[0] = 0;
        assertThat(JpegExtractor.extract(FrameSource.of(garbage)).rejection()).isEqualTo(Rejection.NO_SOI);
        byte[] truncated = Arrays.copyOf(jpeg, jpeg.length / 2);
        assertThat(JpegExtractor.extract(FrameSource.of(truncated)).rejection()).isEqualTo(Rejection.NO_EOI);
        byte[] brokenMarkers = jpeg.clone();
        brokenMarkers[2] = 0x12;
        assertThat(JpegExtractor.extract(FrameSource.of(brokenMarkers)).rejection()).isEqualTo(Rejection.BAD_MARKERS);
    }
}
