package dualstream.camera.api;

/** Where a camera's frames come from. */
public enum CameraKind {
    /** A real camera: the frames are what a device sees. */
    DEVICE,
    /** No hardware: the frames are a synthetic test pattern. */
    TEST_PATTERN
}
