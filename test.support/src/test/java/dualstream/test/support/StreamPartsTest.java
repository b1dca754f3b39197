package dualstream.test.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class StreamPartsTest {

    @Test
    void eachPartsBodyByItsLengthThenTheEnd() throws IOException {
        String answer = "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=b\r\n\r\n"
                + "--b\r\nContent-Type: image/jpeg\r\nContent-Length: 5\r\n\r\nab\r\nc\r\n"
                + "--b\r\ncontent-length: 2\r\nX-Timestamp: 1.5\r\n\r\nde\r\n--b";
        StreamParts parts = new StreamParts(new ByteArrayInputStream(answer.getBytes(StandardCharsets.ISO_8859_1)));
        assertThat(new String(parts.next(), StandardCharsets.ISO_8859_1)).isEqualTo("ab\r\nc");
        assertThat(new String(parts.next(), StandardCharsets.ISO_8859_1)).isEqualTo("de");
        assertThatExceptionOfType(EOFException.class).isThrownBy(parts::next);
    }
}
