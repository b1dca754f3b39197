package dualstream.http.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dualstream.camera.api.Timing;

class ResponsesTest {

    @Test
    void timestampsAreSecondsAndSixDigitsOfMicroseconds() {
        assertThat(Responses.timestamp(1_700_000_000_123_456L)).isEqualTo("1700000000.123456");
        assertThat(Responses.timestamp(1_700_000_000_000_007L)).isEqualTo("1700000000.000007");
        assertThat(Responses.timestamp(1_700_000_000_000_000L)).isEqualTo("1700000000.000000");
        assertThat(Responses.timestamp(999_999L)).isEqualTo("0.999999");
    }

    @Test
    void serverTimingGivesEveryPhaseInMillisecondsToATenth() {
        assertThat(Responses.serverTiming(List.of(Timing.ofNanos("queue", 12_345_678), Timing.ofNanos("switch", 40_000),
                Timing.ofNanos("capture", 33_360_000), Timing.ofNanos("copy", 2_000_000_000))))
                .isEqualTo("queue;dur=12.3, switch;dur=0.0, capture;dur=33.4, copy;dur=2000.0");
        assertThat(Responses.serverTiming(List.of())).isEmpty();
    }
}
