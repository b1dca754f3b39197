package dualstream.camera.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dualstream.camera.api.CameraStatistics;

class CameraCountersTest {

    @Test
    void countsWhatHappened() {
        CameraCounters counters = new CameraCounters();
        counters.frame();
        counters.frame();
        counters.dropped(3);
        counters.broken();
        counters.still();
        CameraStatistics stats = counters.snapshot(2, Duration.ofMillis(120));
        assertThat(stats.frames()).isEqualTo(2);
        assertThat(stats.dropped()).isEqualTo(3);
        assertThat(stats.broken()).isEqualTo(1);
        assertThat(stats.stills()).isEqualTo(1);
        assertThat(stats.clients()).isEqualTo(2);
        assertThat(stats.lastStillLatency()).contains(Duration.ofMillis(120));
        assertThat(stats.measuredFps()).isPositive();
    }

    @Test
    void reportsNoRateBeforeTheFirstFrame() {
        assertThat(new CameraCounters().measuredFps()).isZero();
        assertThat(new CameraCounters().snapshot(0, null).lastStillLatency()).isEmpty();
    }
}
