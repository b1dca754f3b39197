/* Prints the C compiler's view of every videodev2 struct, field, ioctl number and constant the Java side uses. */
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>

#define SIZE(s) printf("sizeof %s %zu\n", #s, sizeof(struct s))
#define OFF(s, f) printf("offsetof %s.%s %zu\n", #s, #f, offsetof(struct s, f))
#define NUM(n) printf("value %s %lu\n", #n, (unsigned long) (n))

int main(void) {
    SIZE(v4l2_capability); OFF(v4l2_capability, card); OFF(v4l2_capability, version);
    OFF(v4l2_capability, device_caps);
    SIZE(v4l2_fmtdesc); OFF(v4l2_fmtdesc, description); OFF(v4l2_fmtdesc, pixelformat);
    SIZE(v4l2_frmsizeenum); OFF(v4l2_frmsizeenum, type); OFF(v4l2_frmsizeenum, discrete);
    SIZE(v4l2_frmivalenum); OFF(v4l2_frmivalenum, type); OFF(v4l2_frmivalenum, discrete);
    SIZE(v4l2_pix_format); OFF(v4l2_pix_format, sizeimage); OFF(v4l2_pix_format, xfer_func);
    SIZE(v4l2_format); OFF(v4l2_format, fmt);
    SIZE(v4l2_captureparm); OFF(v4l2_captureparm, timeperframe);
    SIZE(v4l2_streamparm); OFF(v4l2_streamparm, parm);
    SIZE(v4l2_requestbuffers); OFF(v4l2_requestbuffers, capabilities);
    SIZE(v4l2_buffer); OFF(v4l2_buffer, timestamp); OFF(v4l2_buffer, timecode); OFF(v4l2_buffer, sequence);
    OFF(v4l2_buffer, memory); OFF(v4l2_buffer, m); OFF(v4l2_buffer, length);
    SIZE(v4l2_queryctrl); OFF(v4l2_queryctrl, minimum); OFF(v4l2_queryctrl, flags);
    SIZE(v4l2_querymenu); OFF(v4l2_querymenu, name); OFF(v4l2_querymenu, reserved);
    SIZE(v4l2_control); OFF(v4l2_control, value);
    SIZE(pollfd); OFF(pollfd, revents);

    NUM(VIDIOC_QUERYCAP); NUM(VIDIOC_ENUM_FMT); NUM(VIDIOC_G_FMT); NUM(VIDIOC_S_FMT); NUM(VIDIOC_TRY_FMT);
    NUM(VIDIOC_REQBUFS); NUM(VIDIOC_QUERYBUF); NUM(VIDIOC_QBUF); NUM(VIDIOC_DQBUF); NUM(VIDIOC_STREAMON);
    NUM(VIDIOC_STREAMOFF); NUM(VIDIOC_G_PARM); NUM(VIDIOC_S_PARM); NUM(VIDIOC_G_CTRL); NUM(VIDIOC_S_CTRL);
    NUM(VIDIOC_QUERYCTRL); NUM(VIDIOC_QUERYMENU); NUM(VIDIOC_ENUM_FRAMESIZES); NUM(VIDIOC_ENUM_FRAMEINTERVALS);

    NUM(V4L2_PIX_FMT_MJPEG); NUM(V4L2_PIX_FMT_JPEG); NUM(V4L2_BUF_FLAG_ERROR); NUM(V4L2_BUF_FLAG_TIMESTAMP_MASK);
    NUM(V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC); NUM(V4L2_CTRL_FLAG_NEXT_CTRL); NUM(V4L2_CAP_VIDEO_CAPTURE);
    NUM(V4L2_CAP_STREAMING); NUM(V4L2_CAP_DEVICE_CAPS);
    NUM(O_RDWR); NUM(O_NONBLOCK); NUM(O_CLOEXEC); NUM(PROT_READ); NUM(PROT_WRITE); NUM(MAP_SHARED);
    NUM(POLLIN); NUM(POLLERR); NUM(POLLHUP); NUM(POLLNVAL);
    NUM(ENOENT); NUM(EINTR); NUM(EIO); NUM(ENXIO); NUM(EAGAIN); NUM(EACCES); NUM(EBUSY); NUM(ENODEV); NUM(EINVAL);
    NUM(ENOTTY); NUM(ERANGE);
    return 0;
}
