package dualstream.camera.v4l2.internal.videodev2;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * The six C calls the camera needs, bound from a configurable library (the C library, or a fake camera in tests).
 * <p>
 * {@code size_t} and {@code off_t} are native longs: 32 bits on 32-bit ARM (without large-file support, which the
 * plain {@code mmap} symbol is built without), 64 bits on x86_64 and aarch64.
 */
public interface LibC extends Library {

    int O_RDWR = 2;
    int O_NONBLOCK = 04000;
    int O_CLOEXEC = 02000000;
    int PROT_READ = 1;
    int PROT_WRITE = 2;
    int MAP_SHARED = 1;
    short POLLIN = 1;
    short POLLERR = 8;
    short POLLHUP = 16;
    short POLLNVAL = 32;

    int ENOENT = 2;
    int EINTR = 4;
    int EIO = 5;
    int ENXIO = 6;
    int EAGAIN = 11;
    int EACCES = 13;
    int EBUSY = 16;
    int ENODEV = 19;
    int EINVAL = 22;
    int ENOTTY = 25;
    int ERANGE = 34;

    /** The library's calls, bound as cheaply as JNA can ({@link DirectLibC}). */
    static LibC load(String library) {
        return DirectLibC.load(library);
    }

    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int ioctl(int fd, NativeLong request, Pointer arg) throws LastErrorException;

    Pointer mmap(Pointer addr, NativeLong length, int prot, int flags, int fd, NativeLong offset)
            throws LastErrorException;

    int munmap(Pointer addr, NativeLong length) throws LastErrorException;

    int poll(Pointer fds, NativeLong nfds, int timeoutMillis) throws LastErrorException;
}
