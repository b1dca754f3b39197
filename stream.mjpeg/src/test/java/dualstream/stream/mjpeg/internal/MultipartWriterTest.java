package dualstream.stream.mjpeg.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dualstream.camera.api.Frame;
import dualstream.camera.api.Resolution;

class MultipartWriterTest {

    private final MultipartWriter writer = new MultipartWriter();

    @Test
    void framesEachPartAndEndsItWithTheNextBoundary() throws Exception {
        Frame frame = new Frame(1, 3_651_150_228L, new Resolution(2, 2), "JPEG".getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.writeOpening(out);
        writer.writePart(out, frame);
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("--boundarydonotcross\r\n"
                + "Content-Type: image/jpeg\r\nContent-Length: 4\r\nX-Timestamp: 3651.150228\r\n\r\n"
                + "JPEG\r\n--boundarydonotcross\r\n");
    }

    @Test
    void padsMicrosecondsToSixDigits() {
        assertThat(new String(MultipartWriter.partHeader(new Frame(1, 5_000_042L, new Resolution(1, 1), new byte[0])),
                StandardCharsets.US_ASCII)).contains("X-Timestamp: 5.000042\r\n");
    }

    @Test
    void buildsAFramesPartOnceForAllClients() {
        Frame frame = new Frame(1, 1, new Resolution(1, 1), new byte[3]);
        assertThat(writer.part(frame)).isSameAs(writer.part(frame));
        Frame next = new Frame(2, 2, new Resolution(1, 1), new byte[3]);
        assertThat(writer.part(next)).isNotSameAs(writer.part(frame));
    }
}
