package dualstream.karaf;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicLong;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** HTTP as a client sees it: plain requests, and MJPEG streams read part by part. */
final class Web {

    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final URI base;

    Web(int port, String contextPath) {
        this.base = URI.create("http://127.0.0.1:" + port + contextPath);
    }

    HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    /** Opens a stream; its parts are read with {@link Stream#next()}. */
    Stream stream(String path) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = CLIENT.send(
                HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        return new Stream(response);
    }

    /** Width and height of a JPEG, from its header. */
    static int[] size(byte[] jpeg) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("not an image");
            }
            ImageReader reader = readers.next();
            reader.setInput(in);
            return new int[] {reader.getWidth(0), reader.getHeight(0)};
        }
    }

    static final class Stream implements AutoCloseable {
        final HttpResponse<InputStream> response;
        private final InputStream in;
        final AtomicLong parts = new AtomicLong();

        Stream(HttpResponse<InputStream> response) {
            this.response = response;
            this.in = response.body();
        }

        int status() {
            return response.statusCode();
        }

        /** The next part's JPEG, by its Content-Length. */
        byte[] next() throws IOException {
            int length = -1;
            while (true) {
                String line = line();
                if (line == null) {
                    throw new IOException("stream ended");
                }
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Integer.parseInt(line.substring(15).strip());
                } else if (line.isEmpty() && length >= 0) {
                    byte[] jpeg = in.readNBytes(length);
                    if (jpeg.length < length) {
                        throw new IOException("stream ended inside a part");
                    }
                    parts.incrementAndGet();
                    return jpeg;
                }
            }
        }

        /** Reads parts until the stream ends; for a client that stays attached in the background. */
        void drain() {
            try {
                while (true) {
                    next();
                }
            } catch (IOException ended) {
                // the server ended it, or we did
            }
        }

        private String line() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    String line = out.toString(StandardCharsets.ISO_8859_1);
                    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
                }
                out.write(b);
            }
            return out.size() == 0 ? null : out.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
