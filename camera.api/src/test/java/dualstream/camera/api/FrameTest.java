package dualstream.camera.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ReadOnlyBufferException;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class FrameTest {

    private final Frame frame = new Frame(7, 1_700_000_000_123_456L, new Resolution(2, 2), new byte[] {1, 2, 3});

    @Test
    void exposesTheJpegReadOnly() {
        assertThat(frame.length()).isEqualTo(3);
        assertThatThrownBy(() -> frame.data().put(0, (byte) 9)).isInstanceOf(ReadOnlyBufferException.class);
        assertThat(frame.data().get(0)).isEqualTo((byte) 1);
    }

    @Test
    void writesTheWholeJpeg() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frame.writeTo(out);
        assertThat(out.toByteArray()).containsExactly(1, 2, 3);
    }

    @Test
    void convertsTheCaptureTime() {
        assertThat(frame.captureTime()).isEqualTo(Instant.parse("2023-11-14T22:13:20.123456Z"));
    }
}
