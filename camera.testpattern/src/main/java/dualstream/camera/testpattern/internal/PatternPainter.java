package dualstream.camera.testpattern.internal;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import dualstream.camera.api.Resolution;

/**
 * Paints test-pattern images and encodes them with the JDK's JPEG writer.
 * <p>
 * Digits are drawn as seven-segment shapes rather than text, so no font needs to be installed on the board.
 */
final class PatternPainter {

    /** Segments a..g lit for each digit, bit 0 = a. */
    private static final int[] SEGMENTS = {0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F};
    private static final Color[] BARS = {Color.WHITE, Color.YELLOW, Color.CYAN, Color.GREEN, Color.MAGENTA, Color.RED,
            Color.BLUE, Color.BLACK};

    private final float quality;

    PatternPainter(float quality) {
        this.quality = quality;
    }

    /**
     * One image of a cycle: colour bars, a background whose hue turns, a ball crossing the picture and the number.
     *
     * @param phase  0 (inclusive) to 1 (exclusive): the position in the animation cycle
     * @param number the counter to show
     * @param still  frames stills with a thick border so they are told apart from stream frames at a glance
     */
    byte[] paint(Resolution size, double phase, int number, boolean still) {
        int w = size.width();
        int h = size.height();
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            float hue = (float) phase;
            g.setPaint(new GradientPaint(0, 0, Color.getHSBColor(hue, 0.6f, 0.5f), w, h,
                    Color.getHSBColor(hue + 0.5f, 0.6f, 0.3f)));
            g.fillRect(0, 0, w, h);

            int barHeight = h / 8;
            for (int i = 0; i < BARS.length; i++) {
                g.setColor(BARS[i]);
                int x0 = i * w / BARS.length;
                g.fillRect(x0, 0, (i + 1) * w / BARS.length - x0, barHeight);
            }

            int ball = Math.max(4, h / 6);
            int travel = w - ball;
            double swing = (1 - Math.cos(2 * Math.PI * phase)) / 2;
            int bx = (int) Math.round(travel * swing);
            int by = h - ball - h / 12;
            g.setColor(Color.WHITE);
            g.fillOval(bx, by, ball, ball);

            drawNumber(g, number, w, h);

            if (still) {
                int border = Math.max(2, Math.min(w, h) / 40);
                g.setColor(Color.ORANGE);
                g.fillRect(0, 0, w, border);
                g.fillRect(0, h - border, w, border);
                g.fillRect(0, 0, border, h);
                g.fillRect(w - border, 0, border, h);
            }
        } finally {
            g.dispose();
        }
        return encode(image);
    }

    private static void drawNumber(Graphics2D g, int number, int w, int h) {
        String digits = Integer.toString(number);
        int digitHeight = h / 4;
        int digitWidth = digitHeight / 2;
        int gap = digitWidth / 3;
        int total = digits.length() * digitWidth + (digits.length() - 1) * gap;
        int x = (w - total) / 2;
        int y = (h - digitHeight) / 2;
        for (char c : digits.toCharArray()) {
            drawDigit(g, c - '0', x, y, digitWidth, digitHeight);
            x += digitWidth + gap;
        }
    }

    private static void drawDigit(Graphics2D g, int digit, int x, int y, int w, int h) {
        int t = Math.max(1, w / 5);
        int half = h / 2;
        int lit = SEGMENTS[digit];
        int[][] segments = { // x, y, width, height of a..g
                {x, y, w, t}, {x + w - t, y, t, half}, {x + w - t, y + half, t, h - half}, {x, y + h - t, w, t},
                {x, y + half, t, h - half}, {x, y, t, half}, {x, y + half - t / 2, w, t}};
        for (int s = 0; s < segments.length; s++) {
            g.setColor((lit & (1 << s)) != 0 ? Color.WHITE : new Color(255, 255, 255, 24));
            int[] r = segments[s];
            g.fillRect(r[0], r[1], r[2], r[3]);
        }
    }

    private byte[] encode(BufferedImage image) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IllegalStateException("this Java runtime has no JPEG writer (java.desktop module missing?)");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(image.getWidth() * image.getHeight() / 8);
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode test pattern", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
