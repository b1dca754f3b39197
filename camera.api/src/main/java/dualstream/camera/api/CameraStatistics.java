package dualstream.camera.api;

import java.time.Duration;
import java.util.Optional;

/**
 * Counters since the camera started, read at one moment.
 *
 * @param frames            whole frames delivered to the live stream
 * @param dropped           frames the driver captured but lost (gaps in its sequence numbers)
 * @param broken            frames discarded because they were not whole JPEGs
 * @param stills            stills captured
 * @param clients           live stream consumers attached now
 * @param measuredFps       live frames per second over the last second or so; 0 when not streaming
 * @param lastStillLatency  time from a still request to its frame, for the last still; empty before the first
 */
public record CameraStatistics(long frames, long dropped, long broken, long stills, int clients, double measuredFps,
        Optional<Duration> lastStillLatency) {
}
