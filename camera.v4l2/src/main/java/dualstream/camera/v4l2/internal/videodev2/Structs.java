package dualstream.camera.v4l2.internal.videodev2;

import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.Structure.FieldOrder;
import com.sun.jna.Union;

/** The structs of {@code <linux/videodev2.h>} the camera uses, field for field. */
public final class Structs {

    private Structs() {
    }

    @FieldOrder({"driver", "card", "bus_info", "version", "capabilities", "device_caps", "reserved"})
    public static class Capability extends V4l2Struct {
        public byte[] driver = new byte[16];
        public byte[] card = new byte[32];
        public byte[] bus_info = new byte[32];
        public int version;
        public int capabilities;
        public int device_caps;
        public int[] reserved = new int[3];

        public String driver() {
            return text(driver);
        }

        public String card() {
            return text(card);
        }

        public String busInfo() {
            return text(bus_info);
        }

        /** Whether the node captures video by streaming: a UVC camera's metadata node, or an encoder, does not. */
        public boolean streamingCapture() {
            int caps = (capabilities & Videodev2.V4L2_CAP_DEVICE_CAPS) != 0 ? device_caps : capabilities;
            return (caps & Videodev2.V4L2_CAP_VIDEO_CAPTURE) != 0 && (caps & Videodev2.V4L2_CAP_STREAMING) != 0;
        }
    }

    @FieldOrder({"index", "type", "flags", "description", "pixelformat", "mbus_code", "reserved"})
    public static class FmtDesc extends V4l2Struct {
        public int index;
        public int type;
        public int flags;
        public byte[] description = new byte[32];
        public int pixelformat;
        public int mbus_code;
        public int[] reserved = new int[3];

        public String description() {
            return text(description);
        }
    }

    @FieldOrder({"width", "height"})
    public static class FrmSizeDiscrete extends V4l2Struct {
        public int width;
        public int height;
    }

    @FieldOrder({"min_width", "max_width", "step_width", "min_height", "max_height", "step_height"})
    public static class FrmSizeStepwise extends V4l2Struct {
        public int min_width;
        public int max_width;
        public int step_width;
        public int min_height;
        public int max_height;
        public int step_height;
    }

    public static class FrmSizeUnion extends Union {
        public FrmSizeDiscrete discrete;
        public FrmSizeStepwise stepwise;
    }

    @FieldOrder({"index", "pixel_format", "type", "size", "reserved"})
    public static class FrmSizeEnum extends V4l2Struct {
        public int index;
        public int pixel_format;
        public int type;
        public FrmSizeUnion size;
        public int[] reserved = new int[2];

        @Override
        public void read() {
            super.read();
            size.setType(type == Videodev2.V4L2_FRMSIZE_TYPE_DISCRETE ? FrmSizeDiscrete.class : FrmSizeStepwise.class);
            size.read();
        }
    }

    @FieldOrder({"numerator", "denominator"})
    public static class Fract extends V4l2Struct {
        public int numerator;
        public int denominator;
    }

    @FieldOrder({"min", "max", "step"})
    public static class FrmIvalStepwise extends V4l2Struct {
        public Fract min;
        public Fract max;
        public Fract step;
    }

    public static class FrmIvalUnion extends Union {
        public Fract discrete;
        public FrmIvalStepwise stepwise;
    }

    @FieldOrder({"index", "pixel_format", "width", "height", "type", "interval", "reserved"})
    public static class FrmIvalEnum extends V4l2Struct {
        public int index;
        public int pixel_format;
        public int width;
        public int height;
        public int type;
        public FrmIvalUnion interval;
        public int[] reserved = new int[2];

        @Override
        public void read() {
            super.read();
            interval.setType(type == Videodev2.V4L2_FRMIVAL_TYPE_DISCRETE ? Fract.class : FrmIvalStepwise.class);
            interval.read();
        }
    }

    @FieldOrder({"width", "height", "pixelformat", "field", "bytesperline", "sizeimage", "colorspace", "priv",
            "flags", "ycbcr_enc", "quantization", "xfer_func"})
    public static class PixFormat extends V4l2Struct {
        public int width;
        public int height;
        public int pixelformat;
        public int field;
        public int bytesperline;
        public int sizeimage;
        public int colorspace;
        public int priv;
        public int flags;
        public int ycbcr_enc;
        public int quantization;
        public int xfer_func;
    }

    /** The union's alignment is its widest member's: pointers in {@code v4l2_window}, hence {@code alignment}. */
    public static class FormatUnion extends Union {
        public PixFormat pix;
        public byte[] raw_data = new byte[200];
        public Pointer alignment;
    }

    @FieldOrder({"type", "fmt"})
    public static class Format extends V4l2Struct {
        public int type;
        public FormatUnion fmt;

        public Format() {
            fmt.setType(PixFormat.class);
        }

        public PixFormat pix() {
            return fmt.pix;
        }

        @Override
        public void read() {
            super.read();
            fmt.setType(PixFormat.class);
            fmt.read();
        }
    }

    @FieldOrder({"capability", "capturemode", "timeperframe", "extendedmode", "readbuffers", "reserved"})
    public static class CaptureParm extends V4l2Struct {
        public int capability;
        public int capturemode;
        public Fract timeperframe;
        public int extendedmode;
        public int readbuffers;
        public int[] reserved = new int[4];
    }

    public static class StreamParmUnion extends Union {
        public CaptureParm capture;
        public byte[] raw_data = new byte[200];
    }

    @FieldOrder({"type", "parm"})
    public static class StreamParm extends V4l2Struct {
        public int type;
        public StreamParmUnion parm;

        public StreamParm() {
            parm.setType(CaptureParm.class);
        }

        public CaptureParm capture() {
            return parm.capture;
        }

        @Override
        public void read() {
            super.read();
            parm.setType(CaptureParm.class);
            parm.read();
        }
    }

    @FieldOrder({"count", "type", "memory", "capabilities", "flags", "reserved"})
    public static class RequestBuffers extends V4l2Struct {
        public int count;
        public int type;
        public int memory;
        public int capabilities;
        public byte flags;
        public byte[] reserved = new byte[3];
    }

    /** {@code struct timeval}: two native longs (32-bit ARM with its default 32-bit {@code time_t} included). */
    @FieldOrder({"tv_sec", "tv_usec"})
    public static class TimeVal extends V4l2Struct {
        public NativeLong tv_sec;
        public NativeLong tv_usec;
    }

    @FieldOrder({"type", "flags", "frames", "seconds", "minutes", "hours", "userbits"})
    public static class TimeCode extends V4l2Struct {
        public int type;
        public int flags;
        public byte frames;
        public byte seconds;
        public byte minutes;
        public byte hours;
        public byte[] userbits = new byte[4];
    }

    public static class BufferLocation extends Union {
        public int offset;
        public NativeLong userptr;
        public Pointer planes;
        public int fd;
    }

    public static class BufferTail extends Union {
        public int request_fd;
        public int reserved;
    }

    @FieldOrder({"index", "type", "bytesused", "flags", "field", "timestamp", "timecode", "sequence", "memory", "m",
            "length", "reserved2", "tail"})
    public static class Buffer extends V4l2Struct {
        public int index;
        public int type;
        public int bytesused;
        public int flags;
        public int field;
        public TimeVal timestamp;
        public TimeCode timecode;
        public int sequence;
        public int memory;
        public BufferLocation m;
        public int length;
        public int reserved2;
        public BufferTail tail;

        public Buffer() {
            m.setType(int.class);
            tail.setType(int.class);
        }

        public int offset() {
            return m.offset;
        }

        @Override
        public void read() {
            super.read();
            m.setType(int.class);
            m.read();
        }
    }

    @FieldOrder({"id", "type", "name", "minimum", "maximum", "step", "default_value", "flags", "reserved"})
    public static class QueryCtrl extends V4l2Struct {
        public int id;
        public int type;
        public byte[] name = new byte[32];
        public int minimum;
        public int maximum;
        public int step;
        public int default_value;
        public int flags;
        public int[] reserved = new int[2];

        public String name() {
            return text(name);
        }
    }

    /** Packed in the header: no padding anywhere, whatever the platform. */
    @FieldOrder({"id", "index", "name", "reserved"})
    public static class QueryMenu extends V4l2Struct {
        public int id;
        public int index;
        public byte[] name = new byte[32];
        public int reserved;

        public QueryMenu() {
            super(ALIGN_NONE);
        }

        public String name() {
            return text(name);
        }
    }

    @FieldOrder({"id", "value"})
    public static class Control extends V4l2Struct {
        public int id;
        public int value;
    }

    @FieldOrder({"fd", "events", "revents"})
    public static class PollFd extends V4l2Struct {
        public int fd;
        public short events;
        public short revents;
    }
}
