package dualstream.camera.api;

/** What a camera is doing. */
public enum CameraState {
    /** Present, with no consumer: the device is not streaming. */
    IDLE,
    /** Delivering live frames. */
    STREAMING,
    /** Changing size for a still; live frames pause. */
    SWITCHING,
    /** The device is gone or failing; the camera keeps trying to get it back. */
    DISCONNECTED
}
