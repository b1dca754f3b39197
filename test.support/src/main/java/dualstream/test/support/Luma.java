package dualstream.test.support;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** A picture's brightness as a viewer sees it: the decoded pixels' mean luma (ITU-R BT.601 weights). */
public final class Luma {

    private Luma() {
    }

    /**
     * The mean luma of a JPEG decoded at every {@code every}-th pixel of every {@code every}-th row; the decoder
     * subsamples, so a large picture costs a fraction of a full decode.
     */
    public static double of(byte[] jpeg, int every) throws IOException {
        if (every < 1) {
            throw new IllegalArgumentException("every must be at least 1: " + every);
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg))) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            try {
                reader.setInput(in);
                ImageReadParam param = reader.getDefaultReadParam();
                param.setSourceSubsampling(every, every, 0, 0);
                return of(reader.read(0, param));
            } finally {
                reader.dispose();
            }
        }
    }

    /** The mean luma of every pixel of a picture. */
    public static double of(BufferedImage image) {
        double sum = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                sum += 0.299 * (rgb >> 16 & 0xFF) + 0.587 * (rgb >> 8 & 0xFF) + 0.114 * (rgb & 0xFF);
            }
        }
        return sum / ((double) image.getWidth() * image.getHeight());
    }
}
