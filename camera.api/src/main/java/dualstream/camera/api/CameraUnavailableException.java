package dualstream.camera.api;

/** The camera cannot deliver: it is disconnected, stopping, or failed to switch. */
public class CameraUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public CameraUnavailableException(String message) {
        super(message);
    }

    public CameraUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
