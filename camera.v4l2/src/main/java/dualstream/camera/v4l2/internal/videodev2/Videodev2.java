package dualstream.camera.v4l2.internal.videodev2;

import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Structure;

/** Constants of {@code <linux/videodev2.h>}, and its ioctl numbers computed from the struct sizes of this platform. */
public final class Videodev2 {

    private Videodev2() {
    }

    public static final int V4L2_BUF_TYPE_VIDEO_CAPTURE = 1;
    public static final int V4L2_MEMORY_MMAP = 1;
    public static final int V4L2_FIELD_ANY = 0;

    public static final int V4L2_CAP_VIDEO_CAPTURE = 0x00000001;
    public static final int V4L2_CAP_STREAMING = 0x04000000;
    public static final int V4L2_CAP_DEVICE_CAPS = 0x80000000;

    public static final int V4L2_FRMSIZE_TYPE_DISCRETE = 1;
    public static final int V4L2_FRMSIZE_TYPE_STEPWISE = 3;
    public static final int V4L2_FRMIVAL_TYPE_DISCRETE = 1;

    public static final int V4L2_BUF_FLAG_ERROR = 0x00000040;
    public static final int V4L2_BUF_FLAG_TIMESTAMP_MASK = 0x0000e000;
    public static final int V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC = 0x00002000;

    public static final int V4L2_CTRL_FLAG_WRITE_ONLY = 0x0040;
    public static final int V4L2_CTRL_FLAG_NEXT_CTRL = 0x80000000;
    public static final int V4L2_CTRL_TYPE_MENU = 3;
    public static final int V4L2_CTRL_TYPE_CTRL_CLASS = 6;
    public static final int V4L2_CTRL_TYPE_INTEGER_MENU = 9;

    public static final int V4L2_PIX_FMT_MJPEG = fourcc("MJPG");
    public static final int V4L2_PIX_FMT_JPEG = fourcc("JPEG");

    private static final int IOC_WRITE = 1;
    private static final int IOC_READ = 2;

    public static final NativeLong VIDIOC_QUERYCAP = ior(0, new Structs.Capability());
    public static final NativeLong VIDIOC_ENUM_FMT = iowr(2, new Structs.FmtDesc());
    public static final NativeLong VIDIOC_G_FMT = iowr(4, new Structs.Format());
    public static final NativeLong VIDIOC_S_FMT = iowr(5, new Structs.Format());
    public static final NativeLong VIDIOC_REQBUFS = iowr(8, new Structs.RequestBuffers());
    public static final NativeLong VIDIOC_QUERYBUF = iowr(9, new Structs.Buffer());
    public static final NativeLong VIDIOC_QBUF = iowr(15, new Structs.Buffer());
    public static final NativeLong VIDIOC_DQBUF = iowr(17, new Structs.Buffer());
    public static final NativeLong VIDIOC_STREAMON = ioc(IOC_WRITE, 18, Integer.BYTES);
    public static final NativeLong VIDIOC_STREAMOFF = ioc(IOC_WRITE, 19, Integer.BYTES);
    public static final NativeLong VIDIOC_G_PARM = iowr(21, new Structs.StreamParm());
    public static final NativeLong VIDIOC_S_PARM = iowr(22, new Structs.StreamParm());
    public static final NativeLong VIDIOC_G_CTRL = iowr(27, new Structs.Control());
    public static final NativeLong VIDIOC_S_CTRL = iowr(28, new Structs.Control());
    public static final NativeLong VIDIOC_QUERYCTRL = iowr(36, new Structs.QueryCtrl());
    public static final NativeLong VIDIOC_QUERYMENU = iowr(37, new Structs.QueryMenu());
    public static final NativeLong VIDIOC_TRY_FMT = iowr(64, new Structs.Format());
    public static final NativeLong VIDIOC_ENUM_FRAMESIZES = iowr(74, new Structs.FrmSizeEnum());
    public static final NativeLong VIDIOC_ENUM_FRAMEINTERVALS = iowr(75, new Structs.FrmIvalEnum());

    public static int fourcc(String code) {
        return code.charAt(0) | code.charAt(1) << 8 | code.charAt(2) << 16 | code.charAt(3) << 24;
    }

    public static String fourccName(int code) {
        StringBuilder name = new StringBuilder(4);
        for (int i = 0; i < 4; i++) {
            char c = (char) ((code >>> (8 * i)) & 0xFF);
            name.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return name.toString().trim();
    }

    private static NativeLong ior(int nr, Structure argument) {
        return ioc(IOC_READ, nr, argument.size());
    }

    private static NativeLong iowr(int nr, Structure argument) {
        return ioc(IOC_READ | IOC_WRITE, nr, argument.size());
    }

    /** {@code _IOC} of the generic Linux layout (x86, ARM, aarch64): dir 2 bits, size 14, type 8, number 8. */
    static NativeLong ioc(int direction, int nr, int size) {
        long request = ((long) direction << 30) | ((long) size << 16) | ((long) 'V' << 8) | nr;
        // unsigned long: on 32-bit platforms the top bit must survive as the int's sign bit.
        return new NativeLong(Native.LONG_SIZE == 4 ? (int) request : request);
    }

}
