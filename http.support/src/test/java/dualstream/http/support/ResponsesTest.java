package dualstream.http.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResponsesTest {

    @Test
    void timestampsAreSecondsAndSixDigitsOfMicroseconds() {
        assertThat(Responses.timestamp(1_700_000_000_123_456L)).isEqualTo("1700000000.123456");
        assertThat(Responses.timestamp(1_700_000_000_000_007L)).isEqualTo("1700000000.000007");
        assertThat(Responses.timestamp(1_700_000_000_000_000L)).isEqualTo("1700000000.000000");
        assertThat(Responses.timestamp(999_999L)).isEqualTo("0.999999");
    }
}
