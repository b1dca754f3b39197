package dualstream.camera.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One camera delivering a low-resolution live stream and, on request, full-resolution stills.
 * <p>
 * Registered with the service property {@value #CAMERA_ID} equal to {@code info().id()}.
 */
@ProviderType
public interface CameraService {

    /** Service property carrying the camera's id. */
    String CAMERA_ID = "camera.id";

    CameraInfo info();

    /** The size of the live stream's frames. */
    Resolution streamSize();

    /** The size of stills. */
    Resolution stillSize();

    /** The frame rate asked of the camera for the live stream. */
    int targetFps();

    CameraState state();

    /**
     * Why the camera cannot deliver now, for an operator (the device's last error while {@link CameraState#DISCONNECTED});
     * empty while it can.
     */
    default Optional<String> problem() {
        return Optional.empty();
    }

    CameraStatistics statistics();

    /** Attaches a live stream consumer; the camera starts streaming if it was idle. */
    LiveStream openStream();

    /**
     * Asks for one still at {@link #stillSize()}, captured after this call. Concurrent requests may share one capture.
     * The stage fails with {@link CameraUnavailableException} when the camera cannot deliver.
     */
    default CompletionStage<Frame> captureStill() {
        return captureStill(stillSize());
    }

    /**
     * Asks for one still at one of the sizes in {@code info().sizes()}, captured after this call. Concurrent requests
     * for one size may share one capture.
     *
     * @throws SizeNotOfferedException for a size the camera does not offer, naming those it does
     */
    CompletionStage<Frame> captureStill(Resolution size);

    /**
     * The camera's controls with their current values, as the driver lists them (class headings, of type
     * {@link ControlType#CTRL_CLASS}, and disabled controls included); empty when it has none or is disconnected.
     */
    List<CameraControl> controls();

    /**
     * Sets a control and reads it back.
     *
     * @return the control with the value the camera now reports
     * @throws IllegalArgumentException   for an unknown control or a value it does not accept, naming the reason
     * @throws CameraUnavailableException when the camera cannot be reached
     */
    CameraControl setControl(int id, int value) throws CameraUnavailableException;

    /**
     * The control that sets the quality the camera encodes its JPEG frames with, if it has one: by default the one of
     * {@link #controls()} with the id {@link CameraControl#JPEG_QUALITY}. Set it with {@link #setControl(int, int)}.
     */
    default Optional<CameraControl> jpegQuality() {
        return controls().stream().filter(c -> c.id() == CameraControl.JPEG_QUALITY).findFirst();
    }

    /**
     * The settings in effect, by their configuration names (after defaults and limits were applied), so that an
     * operator can see what a setting given at start-up became.
     */
    default Map<String, Object> settings() {
        return Map.of();
    }

    /**
     * The orientation its configuration asks for and where it is made: by the camera's own mirrors, or by the EXIF
     * orientation every frame and still carries. {@link Orientation.Applied#NONE} by default.
     */
    default Orientation.Applied orientation() {
        return Orientation.Applied.NONE;
    }

    /** How the camera settled for its last full-size still; empty before the first, or where it does not say. */
    default Optional<StillReport> lastStill() {
        return Optional.empty();
    }
}
