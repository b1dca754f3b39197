package dualstream.itest;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.imageio.ImageIO;

import dualstream.camera.api.Resolution;

/** Checks on JPEG bytes. */
final class Jpeg {

    private Jpeg() {
    }

    static boolean isWhole(byte[] jpeg) {
        return jpeg.length > 4 && (jpeg[0] & 0xFF) == 0xFF && (jpeg[1] & 0xFF) == 0xD8
                && (jpeg[jpeg.length - 2] & 0xFF) == 0xFF && (jpeg[jpeg.length - 1] & 0xFF) == 0xD9;
    }

    static Resolution decodedSize(byte[] jpeg) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(jpeg));
        if (image == null) {
            throw new IOException("not decodable as JPEG");
        }
        return new Resolution(image.getWidth(), image.getHeight());
    }
}
