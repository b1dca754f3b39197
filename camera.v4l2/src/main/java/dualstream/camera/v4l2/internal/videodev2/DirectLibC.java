package dualstream.camera.v4l2.internal.videodev2;

import java.util.Map;

import com.sun.jna.FunctionMapper;
import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * {@link LibC} through JNA's direct mapping: a call is a JNI call, without the proxy, reflection and boxing of an
 * interface mapping, which took a third of the capture thread's time at one frame per 33 ms. Natives bind to one
 * library per class: the first one asked for; a process that asks for another (a fake camera next to the C library)
 * gets that one through an interface mapping.
 */
final class DirectLibC implements LibC {

    private static final DirectLibC INSTANCE = new DirectLibC();
    private static String bound;

    private DirectLibC() {
    }

    static synchronized LibC load(String library) {
        if (bound == null) {
            FunctionMapper unprefixed = (lib, method) -> {
                String name = method.getName().substring("native".length());
                return Character.toLowerCase(name.charAt(0)) + name.substring(1);
            };
            Native.register(DirectLibC.class,
                    NativeLibrary.getInstance(library, Map.of(Library.OPTION_FUNCTION_MAPPER, unprefixed)));
            bound = library;
        }
        return bound.equals(library) ? INSTANCE : Native.load(library, LibC.class);
    }

    private static native int nativeOpen(String path, int flags) throws LastErrorException;

    private static native int nativeClose(int fd) throws LastErrorException;

    private static native int nativeIoctl(int fd, NativeLong request, Pointer arg) throws LastErrorException;

    private static native Pointer nativeMmap(Pointer addr, NativeLong length, int prot, int flags, int fd,
            NativeLong offset) throws LastErrorException;

    private static native int nativeMunmap(Pointer addr, NativeLong length) throws LastErrorException;

    private static native int nativePoll(Pointer fds, NativeLong nfds, int timeoutMillis) throws LastErrorException;

    @Override
    public int open(String path, int flags) {
        return nativeOpen(path, flags);
    }

    @Override
    public int close(int fd) {
        return nativeClose(fd);
    }

    @Override
    public int ioctl(int fd, NativeLong request, Pointer arg) {
        return nativeIoctl(fd, request, arg);
    }

    @Override
    public Pointer mmap(Pointer addr, NativeLong length, int prot, int flags, int fd, NativeLong offset) {
        return nativeMmap(addr, length, prot, flags, fd, offset);
    }

    @Override
    public int munmap(Pointer addr, NativeLong length) {
        return nativeMunmap(addr, length);
    }

    @Override
    public int poll(Pointer fds, NativeLong nfds, int timeoutMillis) {
        return nativePoll(fds, nfds, timeoutMillis);
    }
}
