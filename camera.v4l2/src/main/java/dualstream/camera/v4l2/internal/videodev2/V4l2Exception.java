package dualstream.camera.v4l2.internal.videodev2;

import java.io.IOException;

/** A failed V4L2 call, with the operation and the errno. */
public class V4l2Exception extends IOException {

    private static final long serialVersionUID = 1L;

    private final int errno;

    public V4l2Exception(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public V4l2Exception(String operation, String path, int errno) {
        this(operation + " on " + path + " failed: " + errnoName(errno), errno);
    }

    public int errno() {
        return errno;
    }

    /** The device is gone or broken: unplugged, or a USB error. Worth closing and retrying later. */
    public boolean isDeviceLost() {
        return errno == LibC.ENODEV || errno == LibC.EIO || errno == LibC.ENXIO || errno == LibC.ENOENT;
    }

    public static String errnoName(int errno) {
        return switch (errno) {
            case LibC.ENOENT -> "ENOENT (no such device)";
            case LibC.EINTR -> "EINTR";
            case LibC.EIO -> "EIO (I/O error)";
            case LibC.ENXIO -> "ENXIO (no such device)";
            case LibC.EAGAIN -> "EAGAIN";
            case LibC.EACCES -> "EACCES (permission denied)";
            case LibC.EBUSY -> "EBUSY (device busy)";
            case LibC.ENODEV -> "ENODEV (device gone)";
            case LibC.EINVAL -> "EINVAL (invalid argument)";
            case LibC.ENOTTY -> "ENOTTY (not supported)";
            case LibC.ERANGE -> "ERANGE (out of range)";
            default -> "errno " + errno;
        };
    }
}
