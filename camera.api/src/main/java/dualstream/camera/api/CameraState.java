package dualstream.camera.api;

/** What a camera is doing. */
public enum CameraState {
    /**
     * Registered but not yet opened: its sizes are still unknown ({@code info().sizes()} is empty). A viewer or a still
     * request waits for it to open, within its usual timeouts, rather than being refused.
     */
    OPENING,
    /** Present, with no consumer: the device is not streaming. */
    IDLE,
    /** Delivering live frames. */
    STREAMING,
    /** Changing size for a still; live frames pause. */
    SWITCHING,
    /** The device is gone or failing; the camera keeps trying to get it back. */
    DISCONNECTED
}
