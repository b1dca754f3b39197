package dualstream.camera.v4l2.internal.videodev2;

import static dualstream.camera.v4l2.internal.videodev2.Videodev2.*;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

import dualstream.camera.api.CameraControl;
import dualstream.camera.api.ControlType;
import dualstream.camera.api.Resolution;
import dualstream.camera.v4l2.internal.videodev2.Structs.Buffer;
import dualstream.camera.v4l2.internal.videodev2.Structs.Capability;
import dualstream.camera.v4l2.internal.videodev2.Structs.Control;
import dualstream.camera.v4l2.internal.videodev2.Structs.FmtDesc;
import dualstream.camera.v4l2.internal.videodev2.Structs.Format;
import dualstream.camera.v4l2.internal.videodev2.Structs.FrmSizeEnum;
import dualstream.camera.v4l2.internal.videodev2.Structs.PollFd;
import dualstream.camera.v4l2.internal.videodev2.Structs.QueryCtrl;
import dualstream.camera.v4l2.internal.videodev2.Structs.QueryMenu;
import dualstream.camera.v4l2.internal.videodev2.Structs.RequestBuffers;
import dualstream.camera.v4l2.internal.videodev2.Structs.StreamParm;

/** One open V4L2 capture device: typed calls over {@code ioctl}, each failure a {@link V4l2Exception}. */
public final class V4l2Device implements Closeable {

    /** Sizes offered for stepwise or continuous frame sizes, where the driver lists none. */
    private static final Resolution[] COMMON_SIZES = {new Resolution(320, 240), new Resolution(640, 480),
            new Resolution(800, 600), new Resolution(1024, 768), new Resolution(1280, 720), new Resolution(1280, 960),
            new Resolution(1600, 1200), new Resolution(1920, 1080), new Resolution(2592, 1944),
            new Resolution(3264, 2448), new Resolution(3840, 2160)};

    /** Where the per-frame calls read and write v4l2_buffer fields: JNA's layout, taken once. */
    private static final BufferLayout BUFFER = new BufferLayout(new Buffer());

    private record BufferLayout(int size, int index, int type, int bytesused, int flags, int timestamp, int sequence,
            int memory) {
        BufferLayout(Buffer b) {
            this(b.size(), b.offsetOf("index"), b.offsetOf("type"), b.offsetOf("bytesused"), b.offsetOf("flags"),
                    b.offsetOf("timestamp"), b.offsetOf("sequence"), b.offsetOf("memory"));
        }
    }

    /** A buffer the driver filled: what the capture loop needs of {@code v4l2_buffer}. */
    public record Dequeued(int index, int bytesused, int flags, long sequence, long timestampMicros) {
    }

    private static final NativeLong ONE = new NativeLong(1);

    private final LibC c;
    private final String path;
    private final int fd;
    // The per-frame calls use raw memory at the struct's offsets: no reflection, no allocation per frame.
    private final Memory frameArg = new Memory(BUFFER.size());
    private final Memory pollArg = new Memory(new PollFd().size());
    private final Memory intArg = new Memory(Integer.BYTES);
    private boolean closed;

    private V4l2Device(LibC c, String path, int fd) {
        this.c = c;
        this.path = path;
        this.fd = fd;
    }

    public static V4l2Device open(LibC c, String path) throws V4l2Exception {
        try {
            return new V4l2Device(c, path, c.open(path, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC));
        } catch (LastErrorException e) {
            throw new V4l2Exception("open", path, e.getErrorCode());
        }
    }

    public String path() {
        return path;
    }

    private void ioctl(String name, NativeLong request, Structure arg) throws V4l2Exception {
        arg.write();
        ioctl(name, request, arg.getPointer());
        arg.read();
    }

    private void ioctl(String name, NativeLong request, Pointer arg) throws V4l2Exception {
        while (true) {
            try {
                c.ioctl(fd, request, arg);
                return;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != LibC.EINTR) {
                    throw new V4l2Exception(name, path, e.getErrorCode());
                }
            }
        }
    }

    public Capability queryCapability() throws V4l2Exception {
        Capability cap = new Capability();
        ioctl("VIDIOC_QUERYCAP", VIDIOC_QUERYCAP, cap);
        return cap;
    }

    /** Pixel formats by fourcc name, e.g. {@code MJPG -> Motion-JPEG}. */
    public Map<Integer, String> formats() throws V4l2Exception {
        Map<Integer, String> formats = new LinkedHashMap<>();
        for (int index = 0;; index++) {
            FmtDesc desc = new FmtDesc();
            desc.index = index;
            desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
            try {
                ioctl("VIDIOC_ENUM_FMT", VIDIOC_ENUM_FMT, desc);
            } catch (V4l2Exception e) {
                if (e.errno() == LibC.EINVAL) {
                    return formats;
                }
                throw e;
            }
            formats.put(desc.pixelformat, desc.description());
        }
    }

    /** Frame sizes offered for a pixel format, smallest first; stepwise ranges are sampled at common sizes. */
    public List<Resolution> frameSizes(int pixelFormat) throws V4l2Exception {
        TreeSet<Resolution> sizes = new TreeSet<>();
        for (int index = 0;; index++) {
            FrmSizeEnum e = new FrmSizeEnum();
            e.index = index;
            e.pixel_format = pixelFormat;
            try {
                ioctl("VIDIOC_ENUM_FRAMESIZES", VIDIOC_ENUM_FRAMESIZES, e);
            } catch (V4l2Exception ex) {
                if (ex.errno() == LibC.EINVAL || ex.errno() == LibC.ENOTTY) {
                    break;
                }
                throw ex;
            }
            if (e.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
                sizes.add(new Resolution(e.size.discrete.width, e.size.discrete.height));
            } else {
                Structs.FrmSizeStepwise s = e.size.stepwise;
                sizes.add(new Resolution(s.min_width, s.min_height));
                sizes.add(new Resolution(s.max_width, s.max_height));
                for (Resolution common : COMMON_SIZES) {
                    if (fits(common.width(), s.min_width, s.max_width, s.step_width)
                            && fits(common.height(), s.min_height, s.max_height, s.step_height)) {
                        sizes.add(common);
                    }
                }
                break;
            }
        }
        return new ArrayList<>(sizes);
    }

    private static boolean fits(int value, int min, int max, int step) {
        return value >= min && value <= max && (step <= 1 || (value - min) % step == 0);
    }

    /** Asks for a format; the driver may choose a nearby size, which the returned format tells. */
    public Format setFormat(int pixelFormat, Resolution size) throws V4l2Exception {
        Format format = new Format();
        format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        format.fmt.pix.width = size.width();
        format.fmt.pix.height = size.height();
        format.fmt.pix.pixelformat = pixelFormat;
        format.fmt.pix.field = V4L2_FIELD_ANY;
        ioctl("VIDIOC_S_FMT", VIDIOC_S_FMT, format);
        return format;
    }

    /**
     * Asks for a frame rate.
     *
     * @return the rate the driver chose, or 0 if it does not support setting one
     */
    public double setFrameRate(int fps) throws V4l2Exception {
        StreamParm parm = new StreamParm();
        parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        parm.parm.capture.timeperframe.numerator = 1;
        parm.parm.capture.timeperframe.denominator = fps;
        try {
            ioctl("VIDIOC_S_PARM", VIDIOC_S_PARM, parm);
        } catch (V4l2Exception e) {
            if (e.errno() == LibC.EINVAL || e.errno() == LibC.ENOTTY) {
                return 0;
            }
            throw e;
        }
        Structs.Fract t = parm.parm.capture.timeperframe;
        return t.numerator == 0 ? 0 : (double) t.denominator / t.numerator;
    }

    /** Allocates driver buffers and maps them; the returned buffers are not queued yet. */
    public MappedBuffers requestBuffers(int count) throws V4l2Exception {
        RequestBuffers req = new RequestBuffers();
        req.count = count;
        req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        req.memory = V4L2_MEMORY_MMAP;
        ioctl("VIDIOC_REQBUFS", VIDIOC_REQBUFS, req);
        if (req.count < 2) {
            releaseBuffers();
            throw new V4l2Exception("VIDIOC_REQBUFS on " + path + " gave " + req.count + " buffers, need 2",
                    LibC.EINVAL);
        }
        MappedBuffers buffers = new MappedBuffers(this, req.count);
        try {
            for (int i = 0; i < req.count; i++) {
                Buffer b = new Buffer();
                b.index = i;
                b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
                b.memory = V4L2_MEMORY_MMAP;
                ioctl("VIDIOC_QUERYBUF", VIDIOC_QUERYBUF, b);
                Pointer mem;
                try {
                    mem = c.mmap(null, new NativeLong(b.length), LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED,
                            fd, new NativeLong(Integer.toUnsignedLong(b.offset())));
                } catch (LastErrorException e) {
                    throw new V4l2Exception("mmap", path, e.getErrorCode());
                }
                buffers.add(i, mem, b.length);
            }
        } catch (V4l2Exception e) {
            buffers.close();
            throw e;
        }
        return buffers;
    }

    void unmap(Pointer mem, int length) {
        try {
            c.munmap(mem, new NativeLong(length));
        } catch (LastErrorException e) {
            // The mapping is gone either way; nothing is left to release.
        }
    }

    /** Frees the driver's buffers (all must be unmapped). */
    public void releaseBuffers() throws V4l2Exception {
        RequestBuffers req = new RequestBuffers();
        req.count = 0;
        req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        req.memory = V4L2_MEMORY_MMAP;
        ioctl("VIDIOC_REQBUFS", VIDIOC_REQBUFS, req);
    }

    public void queue(int index) throws V4l2Exception {
        frameArg.clear();
        frameArg.setInt(BUFFER.index(), index);
        frameArg.setInt(BUFFER.type(), V4L2_BUF_TYPE_VIDEO_CAPTURE);
        frameArg.setInt(BUFFER.memory(), V4L2_MEMORY_MMAP);
        ioctl("VIDIOC_QBUF", VIDIOC_QBUF, frameArg);
    }

    /**
     * Takes a filled buffer from the driver.
     *
     * @return the buffer, or {@code null} if none is ready
     */
    public Dequeued dequeue() throws V4l2Exception {
        frameArg.clear();
        frameArg.setInt(BUFFER.type(), V4L2_BUF_TYPE_VIDEO_CAPTURE);
        frameArg.setInt(BUFFER.memory(), V4L2_MEMORY_MMAP);
        try {
            ioctl("VIDIOC_DQBUF", VIDIOC_DQBUF, frameArg);
        } catch (V4l2Exception e) {
            if (e.errno() == LibC.EAGAIN) {
                return null;
            }
            throw e;
        }
        long seconds = frameArg.getNativeLong(BUFFER.timestamp()).longValue();
        long micros = frameArg.getNativeLong(BUFFER.timestamp() + com.sun.jna.Native.LONG_SIZE).longValue();
        return new Dequeued(frameArg.getInt(BUFFER.index()), frameArg.getInt(BUFFER.bytesused()),
                frameArg.getInt(BUFFER.flags()), Integer.toUnsignedLong(frameArg.getInt(BUFFER.sequence())),
                seconds * 1_000_000L + micros);
    }

    public void streamOn() throws V4l2Exception {
        intArg.setInt(0, V4L2_BUF_TYPE_VIDEO_CAPTURE);
        ioctl("VIDIOC_STREAMON", VIDIOC_STREAMON, intArg);
    }

    public void streamOff() throws V4l2Exception {
        intArg.setInt(0, V4L2_BUF_TYPE_VIDEO_CAPTURE);
        ioctl("VIDIOC_STREAMOFF", VIDIOC_STREAMOFF, intArg);
    }

    /**
     * Waits until a frame is ready.
     *
     * @return true if one is, false on timeout
     * @throws V4l2Exception with ENODEV when the device reports an error or hang-up (unplugged)
     */
    public boolean awaitFrame(int timeoutMillis) throws V4l2Exception {
        pollArg.setInt(0, fd);
        pollArg.setShort(Integer.BYTES, LibC.POLLIN);
        pollArg.setShort(Integer.BYTES + Short.BYTES, (short) 0);
        int ready;
        try {
            ready = c.poll(pollArg, ONE, timeoutMillis);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.EINTR) {
                return false;
            }
            throw new V4l2Exception("poll", path, e.getErrorCode());
        }
        if (ready <= 0) {
            return false;
        }
        short revents = pollArg.getShort(Integer.BYTES + Short.BYTES);
        if ((revents & (LibC.POLLERR | LibC.POLLHUP | LibC.POLLNVAL)) != 0) {
            throw new V4l2Exception("poll on " + path + " reported an error or hang-up (device gone)", LibC.ENODEV);
        }
        return (revents & LibC.POLLIN) != 0;
    }

    /** Menus are a handful of entries; a driver reporting millions is not asked about each. */
    private static final int MENU_LIMIT = 1024;

    /**
     * Every control the driver lists, in its order, class headings and disabled ones included (as mjpg-streamer lists
     * them, and clients such as Octolapse compare the whole list), with menus and current values. A value the driver
     * will not read out (class headings, write-only controls) is 0.
     */
    public List<CameraControl> controls() throws V4l2Exception {
        List<CameraControl> controls = new ArrayList<>();
        int id = V4L2_CTRL_FLAG_NEXT_CTRL;
        while (true) {
            QueryCtrl q = new QueryCtrl();
            q.id = id;
            try {
                ioctl("VIDIOC_QUERYCTRL", VIDIOC_QUERYCTRL, q);
            } catch (V4l2Exception e) {
                if (e.errno() == LibC.EINVAL || e.errno() == LibC.ENOTTY) {
                    return controls;
                }
                throw e;
            }
            id = q.id | V4L2_CTRL_FLAG_NEXT_CTRL;
            ControlType type = ControlType.ofCode(q.type);
            Map<Integer, String> menu = new LinkedHashMap<>();
            if (q.type == V4L2_CTRL_TYPE_MENU || q.type == V4L2_CTRL_TYPE_INTEGER_MENU) {
                int first = Math.max(0, q.minimum);
                for (int index = first; index <= q.maximum && index - first < MENU_LIMIT; index++) {
                    QueryMenu m = new QueryMenu();
                    m.id = q.id;
                    m.index = index;
                    try {
                        ioctl("VIDIOC_QUERYMENU", VIDIOC_QUERYMENU, m);
                    } catch (V4l2Exception e) {
                        if (e.errno() == LibC.EINVAL) {
                            continue; // menus may be sparse
                        }
                        throw e;
                    }
                    menu.put(index, q.type == V4L2_CTRL_TYPE_MENU ? m.name() : Long.toString(menuValue(m)));
                }
            }
            int value = 0;
            if (type != ControlType.BUTTON && type != ControlType.CTRL_CLASS
                    && (q.flags & V4L2_CTRL_FLAG_WRITE_ONLY) == 0) {
                try {
                    value = getControl(q.id);
                } catch (V4l2Exception e) {
                    if (e.isDeviceLost()) {
                        throw e;
                    }
                }
            }
            controls.add(new CameraControl(q.id, q.name(), type, q.minimum, q.maximum, q.step, q.default_value, value,
                    q.flags, menu));
        }
    }

    private static long menuValue(QueryMenu m) {
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = (value << 8) | (m.name[i] & 0xFF);
        }
        return value;
    }

    public int getControl(int id) throws V4l2Exception {
        Control control = new Control();
        control.id = id;
        ioctl("VIDIOC_G_CTRL", VIDIOC_G_CTRL, control);
        return control.value;
    }

    public int setControl(int id, int value) throws V4l2Exception {
        Control control = new Control();
        control.id = id;
        control.value = value;
        ioctl("VIDIOC_S_CTRL", VIDIOC_S_CTRL, control);
        return control.value;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                c.close(fd);
            } catch (LastErrorException e) {
                // The descriptor is released even when close reports an error.
            }
        }
    }
}
