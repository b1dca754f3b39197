/*
 * fakecam: an emulated UVC MJPEG camera behind open/close/ioctl/mmap/munmap/poll.
 *
 * One device path (FAKECAM_DEVICE, default /dev/video0), and every file in FAKECAM_NODES, behaves like a uvcvideo
 * camera: several MJPEG sizes, real JPEG frames (libjpeg), MMAP streaming, the EBUSY rules of videobuf2/uvcvideo,
 * controls, unplugging. A symbolic link to a device path (as in /dev/v4l/by-id) opens that device. Every other path
 * and fd goes to the real C library. Each open returns the read end of a real pipe that the frame thread writes a byte
 * to per frame, so poll and select work natively (and, like a capture device, it is never writable). Loaded as a library (JNA) or with LD_PRELOAD under an unmodified program.
 *
 * Settings and fault switches come from FAKECAM_* environment variables at load time and from fakecam_set() at run
 * time; see apply_setting() for the keys; fakecam_get_on() reads another device's counters.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jpeglib.h>

#define EXPORT __attribute__((visibility("default")))
#define MAX_FDS 16
#define MAX_BUFS 32
#define MAX_SIZES 16
#define CACHE_FRAMES 30
#define LEVELS 24   /* brightness steps of an unsettled frame, per settled brightness */

/* ---- the real C library ---------------------------------------------------------------------------------------- */

static int (*real_open)(const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static void *(*real_mmap64)(void *, size_t, int, int, int, off64_t);
static int (*real_munmap)(void *, size_t);
static int (*real_poll)(struct pollfd *, nfds_t, int);
static int (*real_access)(const char *, int);

static void bind_real(void) {
    if (real_open) return;
    real_close = dlsym(RTLD_NEXT, "close");
    real_ioctl = dlsym(RTLD_NEXT, "ioctl");
    real_mmap = dlsym(RTLD_NEXT, "mmap");
    real_mmap64 = dlsym(RTLD_NEXT, "mmap64");
    real_munmap = dlsym(RTLD_NEXT, "munmap");
    real_poll = dlsym(RTLD_NEXT, "poll");
    real_access = dlsym(RTLD_NEXT, "access");
    real_open = dlsym(RTLD_NEXT, "open");
}

/* ---- device state ---------------------------------------------------------------------------------------------- */

struct size { uint32_t w, h; };

struct buffer {
    uint8_t *mem;
    size_t length;
    int mapped;
    int queued;              /* owned by the driver, waiting to be filled */
    int done;                /* filled, waiting for DQBUF */
    uint32_t bytesused, flags, sequence;
    struct timeval timestamp;
};

struct device;

struct handle {
    int fd;                  /* the pipe's read end, handed out */
    int wfd;                 /* its write end: one byte per filled buffer */
    int nonblocking;
    unsigned generation;     /* device instance it was opened on; a replug makes old handles dead */
    int sfmt_tainted;        /* ebusy_until_reopen: S_FMT refused until closed */
    struct device *dev;
};

struct control {
    uint32_t id;
    const char *name;
    uint32_t type;
    int32_t min, max, step, def, value;
    uint32_t flags;
    const char *menu[8];
    uint32_t master;         /* an automatic mode that makes this control inactive, unless it is set to manual */
    int32_t manual;
};

struct cached { uint8_t *jpeg; size_t len; };

#define MAX_DEVICES 8
#define MAX_CONTROLS 24

/* One emulated camera: the first, and one for each file under FAKECAM_NODES. */
struct device {
    int present;             /* the slot is in use */
    char device_path[256];
    struct size sizes[MAX_SIZES];
    int nsizes;
    int offer_mjpeg, offer_jpeg, offer_yuyv;
    int stepwise;            /* report compressed sizes as one stepwise range instead of a discrete list */
    int quality;             /* 30: about 17 KB at 640x480, like the frames of the mjpg-streamer reference run */

    struct buffer bufs[MAX_BUFS];
    int nbufs;
    size_t buf_length;
    int buf_owner;           /* fd of the handle that requested buffers */
    int streaming, stream_owner, stream_signal;
    uint32_t sequence;
    uint32_t cur_w, cur_h, cur_fmt;
    uint32_t fps;
    unsigned generation;
    int unplugged;
    int held;                /* unplugged until its node is back, not for replug_after_ms */
    int metadata;            /* a UVC metadata node (video-index1): no video capture */
    int node_backed;         /* a file under FAKECAM_NODES: present while the file exists */
    struct timespec node_checked;
    struct timespec replug_at;

    /* fault switches */
    int strip_huffman;
    int broken_every;
    char broken_kind[16];
    long unplug_after, replug_after_ms;
    int dark_warmup;
    int ebusy_until_reopen;
    long stall_after, stall_ms;
    int slow_fps;
    long first_frame_ms;   /* the first frame after each STREAMON comes this much later (a large size's start) */
    long open_ms;          /* each open takes this long (a camera still enumerating or loading its firmware) */
    int first_frame_delayed;
    /* An automatic exposure that re-converges over settle_frames frames after every STREAMON, as UVC and Pi cameras
     * do after a size change. Full-sensor sizes (wider than half the largest) need another exposure than binned ones. */
    int settle_frames;
    int exposure_binned, exposure_full;
    double ae_exposure, ae_start;
    long ae_frames;          /* frames since the automatic exposure started converging */
    int last_bright;         /* percent of the settled brightness, of the last frame */
    int stale_frames, tiny_frames;   /* after STREAMON: tiny corrupt frames, then frames of the size before S_FMT */
    int stale_left, tiny_left, size_changed;
    uint32_t prev_w, prev_h;

    /* counters, readable with fakecam_get() */
    long stat_opens, stat_closes, stat_streamons, stat_sfmts, stat_frames, stat_ebusy, stat_dropped, stat_ioctls;
    long frames_since_streamon, frames_since_fault;

    struct control controls[MAX_CONTROLS];
    int ncontrols;
    int cached_flips;      /* the HFLIP/VFLIP the cached pictures were encoded with */
    struct cached cache[MAX_SIZES][CACHE_FRAMES];
    struct cached dark_cache[MAX_SIZES];
    struct cached level_cache[MAX_SIZES][LEVELS + LEVELS / 2 + 1];
    pthread_t frame_thread;
    int frame_thread_started;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct device devices[MAX_DEVICES];
static char nodes_dir[256];   /* FAKECAM_NODES: every file in it is a camera, plugged while the file exists */
static struct handle handles[MAX_FDS];

#define CLASS_FLAGS (V4L2_CTRL_FLAG_READ_ONLY | V4L2_CTRL_FLAG_WRITE_ONLY)

/* Models (the "model" setting): each a driver's control list as VIDIOC_QUERYCTRL reports it. */
static struct control uvc_controls[] = {      /* "uvc": a UVC camera on a current kernel, the default */
    {V4L2_CID_BRIGHTNESS, "Brightness", V4L2_CTRL_TYPE_INTEGER, -64, 64, 1, 0, 0, 0, {0}, 0, 0},
    {V4L2_CID_CONTRAST, "Contrast", V4L2_CTRL_TYPE_INTEGER, 0, 64, 1, 32, 32, 0, {0}, 0, 0},
    {V4L2_CID_SATURATION, "Saturation", V4L2_CTRL_TYPE_INTEGER, 0, 128, 1, 64, 64, 0, {0}, 0, 0},
    {V4L2_CID_AUTO_WHITE_BALANCE, "White Balance, Automatic", V4L2_CTRL_TYPE_BOOLEAN, 0, 1, 1, 1, 1, 0, {0}, 0, 0},
    {V4L2_CID_POWER_LINE_FREQUENCY, "Power Line Frequency", V4L2_CTRL_TYPE_MENU, 0, 2, 1, 1, 1, 0,
     {"Disabled", "50 Hz", "60 Hz"}, 0, 0},
    {V4L2_CID_EXPOSURE_AUTO, "Auto Exposure", V4L2_CTRL_TYPE_MENU, 0, 3, 1, 3, 3, 0,
     {NULL, "Manual Mode", NULL, "Aperture Priority Mode"}, 0, 0},
    {V4L2_CID_EXPOSURE_ABSOLUTE, "Exposure Time, Absolute", V4L2_CTRL_TYPE_INTEGER, 3, 2047, 1, 250, 250, 0, {0},
     V4L2_CID_EXPOSURE_AUTO, V4L2_EXPOSURE_MANUAL},
};

static struct control reference_controls[] = {   /* "reference": the camera of the mjpg-streamer reference run */
    {V4L2_CID_BRIGHTNESS, "Brightness", V4L2_CTRL_TYPE_INTEGER, -64, 64, 1, 0, 0, 0, {0}, 0, 0},
    {V4L2_CID_CONTRAST, "Contrast", V4L2_CTRL_TYPE_INTEGER, 0, 64, 1, 32, 32, 0, {0}, 0, 0},
    {V4L2_CID_EXPOSURE_AUTO, "Auto Exposure", V4L2_CTRL_TYPE_MENU, 0, 3, 1, 3, 3, 0,
     {NULL, "Manual Mode", NULL, "Aperture Priority Mode"}, 0, 0},
    {V4L2_CID_FOCUS_ABSOLUTE, "Focus, Absolute", V4L2_CTRL_TYPE_INTEGER, 0, 250, 5, 0, 0, 0, {0}, 0, 0},
};

/* "c920": a Logitech C920 as uvcvideo named its controls before kernels took V4L2's standard names. */
static struct control c920_controls[] = {
    {V4L2_CID_BRIGHTNESS, "Brightness", V4L2_CTRL_TYPE_INTEGER, 0, 255, 1, 128, 128, 0, {0}, 0, 0},
    {V4L2_CID_CONTRAST, "Contrast", V4L2_CTRL_TYPE_INTEGER, 0, 255, 1, 128, 128, 0, {0}, 0, 0},
    {V4L2_CID_SATURATION, "Saturation", V4L2_CTRL_TYPE_INTEGER, 0, 255, 1, 128, 128, 0, {0}, 0, 0},
    {V4L2_CID_AUTO_WHITE_BALANCE, "White Balance Temperature, Auto", V4L2_CTRL_TYPE_BOOLEAN, 0, 1, 1, 1, 1, 0, {0},
     0, 0},
    {V4L2_CID_GAIN, "Gain", V4L2_CTRL_TYPE_INTEGER, 0, 255, 1, 0, 0, 0, {0}, 0, 0},
    {V4L2_CID_POWER_LINE_FREQUENCY, "Power Line Frequency", V4L2_CTRL_TYPE_MENU, 0, 2, 1, 2, 2, 0,
     {"Disabled", "50 Hz", "60 Hz"}, 0, 0},
    {V4L2_CID_WHITE_BALANCE_TEMPERATURE, "White Balance Temperature", V4L2_CTRL_TYPE_INTEGER, 2000, 6500, 1, 4000,
     4000, 0, {0}, V4L2_CID_AUTO_WHITE_BALANCE, 0},
    {V4L2_CID_SHARPNESS, "Sharpness", V4L2_CTRL_TYPE_INTEGER, 0, 255, 1, 128, 128, 0, {0}, 0, 0},
    {V4L2_CID_BACKLIGHT_COMPENSATION, "Backlight Compensation", V4L2_CTRL_TYPE_INTEGER, 0, 1, 1, 0, 0, 0, {0}, 0, 0},
    {V4L2_CID_EXPOSURE_AUTO, "Exposure, Auto", V4L2_CTRL_TYPE_MENU, 0, 3, 1, 3, 3, 0,
     {NULL, "Manual Mode", NULL, "Aperture Priority Mode"}, 0, 0},
    {V4L2_CID_EXPOSURE_ABSOLUTE, "Exposure (Absolute)", V4L2_CTRL_TYPE_INTEGER, 3, 2047, 1, 250, 250, 0, {0},
     V4L2_CID_EXPOSURE_AUTO, V4L2_EXPOSURE_MANUAL},
    {V4L2_CID_EXPOSURE_AUTO_PRIORITY, "Exposure, Auto Priority", V4L2_CTRL_TYPE_BOOLEAN, 0, 1, 1, 0, 0, 0, {0}, 0, 0},
    {V4L2_CID_PAN_ABSOLUTE, "Pan (Absolute)", V4L2_CTRL_TYPE_INTEGER, -36000, 36000, 3600, 0, 0, 0, {0}, 0, 0},
    {V4L2_CID_TILT_ABSOLUTE, "Tilt (Absolute)", V4L2_CTRL_TYPE_INTEGER, -36000, 36000, 3600, 0, 0, 0, {0}, 0, 0},
    {V4L2_CID_FOCUS_ABSOLUTE, "Focus (absolute)", V4L2_CTRL_TYPE_INTEGER, 0, 250, 5, 0, 0, 0, {0},
     V4L2_CID_FOCUS_AUTO, 0},
    {V4L2_CID_FOCUS_AUTO, "Focus, Auto", V4L2_CTRL_TYPE_BOOLEAN, 0, 1, 1, 1, 1, 0, {0}, 0, 0},
    {V4L2_CID_ZOOM_ABSOLUTE, "Zoom, Absolute", V4L2_CTRL_TYPE_INTEGER, 100, 500, 1, 100, 100, 0, {0}, 0, 0},
};

/* "picam": a camera on the V4L2 control framework (bcm2835-v4l2): class headings, and a JPEG quality control. */
static struct control picam_controls[] = {
    {V4L2_CID_USER_CLASS, "User Controls", V4L2_CTRL_TYPE_CTRL_CLASS, 0, 0, 0, 0, 0, CLASS_FLAGS, {0}, 0, 0},
    {V4L2_CID_BRIGHTNESS, "Brightness", V4L2_CTRL_TYPE_INTEGER, 0, 100, 1, 50, 50, V4L2_CTRL_FLAG_SLIDER, {0}, 0, 0},
    {V4L2_CID_POWER_LINE_FREQUENCY, "Power Line Frequency", V4L2_CTRL_TYPE_MENU, 0, 3, 1, 1, 1, 0,
     {"Disabled", "50 Hz", "60 Hz", "Auto"}, 0, 0},
    {V4L2_CID_HFLIP, "Horizontal Flip", V4L2_CTRL_TYPE_BOOLEAN, 0, 1, 1, 0, 0, 0, {0}, 0, 0},
    {V4L2_CID_VFLIP, "Vertical Flip", V4L2_CTRL_TYPE_BOOLEAN, 0, 1, 1, 0, 0, 0, {0}, 0, 0},
    {V4L2_CID_CAMERA_CLASS, "Camera Controls", V4L2_CTRL_TYPE_CTRL_CLASS, 0, 0, 0, 0, 0, CLASS_FLAGS, {0}, 0, 0},
    {V4L2_CID_EXPOSURE_AUTO, "Auto Exposure", V4L2_CTRL_TYPE_MENU, 0, 3, 1, 0, 0, 0, {"Auto Mode", "Manual Mode"},
     0, 0},
    {V4L2_CID_JPEG_CLASS, "JPEG Compression Controls", V4L2_CTRL_TYPE_CTRL_CLASS, 0, 0, 0, 0, 0, CLASS_FLAGS, {0},
     0, 0},
    {V4L2_CID_JPEG_COMPRESSION_QUALITY, "Compression Quality", V4L2_CTRL_TYPE_INTEGER, 1, 100, 1, 30, 30, 0, {0},
     0, 0},
};

#define MODEL(name, table) {name, table, (int) (sizeof table / sizeof table[0])}
static const struct model { const char *name; struct control *controls; int count; } models[] = {
    MODEL("uvc", uvc_controls), MODEL("reference", reference_controls), MODEL("c920", c920_controls),
    MODEL("picam", picam_controls),
};
static int choose_model(struct device *d, const char *name) {
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        if (name && !strcmp(name, models[i].name)) {
            memcpy(d->controls, models[i].controls, sizeof d->controls[0] * (size_t) models[i].count);
            d->ncontrols = models[i].count;
            for (int c = 0; c < d->ncontrols; c++) d->controls[c].value = d->controls[c].def;
            return 0;
        }
    }
    return -1;
}

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- settings -------------------------------------------------------------------------------------------------- */

static void parse_sizes(struct device *d, const char *text) {
    d->nsizes = 0;
    const char *p = text;
    while (*p && d->nsizes < MAX_SIZES) {
        unsigned w, h;
        int n;
        if (sscanf(p, "%ux%u%n", &w, &h, &n) != 2) break;
        d->sizes[d->nsizes].w = w;
        d->sizes[d->nsizes].h = h;
        d->nsizes++;
        p += n;
        while (*p == ',' || *p == ' ') p++;
    }
}

static void free_caches_locked(struct device *d) {
    for (int s = 0; s < MAX_SIZES; s++) {
        for (int i = 0; i < CACHE_FRAMES; i++) {
            free(d->cache[s][i].jpeg);
            d->cache[s][i].jpeg = NULL;
        }
        free(d->dark_cache[s].jpeg);
        d->dark_cache[s].jpeg = NULL;
        for (int l = 0; l < LEVELS + LEVELS / 2 + 1; l++) {
            free(d->level_cache[s][l].jpeg);
            d->level_cache[s][l].jpeg = NULL;
        }
    }
}

static void free_caches(struct device *d) {
    pthread_mutex_lock(&cache_lock);
    free_caches_locked(d);
    pthread_mutex_unlock(&cache_lock);
}

/* Keys: device (its path), sizes, formats (any of mjpeg, jpeg (V4L2_PIX_FMT_JPEG), yuyv), quality, fps,
 * strip_huffman, broken_every, broken_kind (truncate|garbage|error|tiny|mixed), unplug_after (frames),
 * replug_after_ms, dark_warmup (frames after each STREAMON), ebusy_until_reopen,
 * stall_after (frames), stall_ms, slow_fps, first_frame_ms, open_ms, settle_frames, exposure_binned, exposure_full,
 * stale_frames, tiny_frames, stepwise, metadata (a UVC metadata node, no video), model (uvc|reference|c920|picam, values back to their
 * defaults), reset. Called with the lock held. */
static int has_word(const char *list, const char *word) {
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n) {
        if ((p == list || p[-1] == ',' || p[-1] == ' ') && (p[n] == '\0' || p[n] == ',' || p[n] == ' ')) return 1;
    }
    return 0;
}

static int apply_setting(struct device *d, const char *key, const char *value) {
    long v = value ? strtol(value, NULL, 10) : 0;
    if (!strcmp(key, "device")) snprintf(d->device_path, sizeof d->device_path, "%s", value);
    else if (!strcmp(key, "sizes")) { parse_sizes(d, value); free_caches(d); }
    else if (!strcmp(key, "formats")) {
        d->offer_mjpeg = has_word(value, "mjpeg");
        d->offer_jpeg = has_word(value, "jpeg");
        d->offer_yuyv = has_word(value, "yuyv");
        d->cur_fmt = d->offer_mjpeg ? V4L2_PIX_FMT_MJPEG : d->offer_jpeg ? V4L2_PIX_FMT_JPEG : V4L2_PIX_FMT_YUYV;
    }
    else if (!strcmp(key, "quality")) { d->quality = (int) v; free_caches(d); }
    else if (!strcmp(key, "fps")) d->fps = v > 0 ? (uint32_t) v : 30;
    else if (!strcmp(key, "strip_huffman")) d->strip_huffman = (int) v;
    else if (!strcmp(key, "broken_every")) d->broken_every = (int) v;
    else if (!strcmp(key, "broken_kind")) snprintf(d->broken_kind, sizeof d->broken_kind, "%s", value);
    else if (!strcmp(key, "unplug_after")) { d->unplug_after = v; d->frames_since_fault = 0; }
    else if (!strcmp(key, "replug_after_ms")) d->replug_after_ms = v;
    else if (!strcmp(key, "dark_warmup")) d->dark_warmup = (int) v;
    else if (!strcmp(key, "ebusy_until_reopen")) d->ebusy_until_reopen = (int) v;
    else if (!strcmp(key, "stall_after")) { d->stall_after = v; d->frames_since_fault = 0; }
    else if (!strcmp(key, "stall_ms")) d->stall_ms = v;
    else if (!strcmp(key, "slow_fps")) d->slow_fps = (int) v;
    else if (!strcmp(key, "first_frame_ms")) d->first_frame_ms = v;
    else if (!strcmp(key, "open_ms")) d->open_ms = v;
    else if (!strcmp(key, "settle_frames")) d->settle_frames = (int) v;
    else if (!strcmp(key, "exposure_binned")) d->exposure_binned = (int) v;
    else if (!strcmp(key, "exposure_full")) d->exposure_full = (int) v;
    else if (!strcmp(key, "stale_frames")) d->stale_frames = (int) v;
    else if (!strcmp(key, "tiny_frames")) d->tiny_frames = (int) v;
    else if (!strcmp(key, "stepwise")) d->stepwise = (int) v;
    else if (!strcmp(key, "metadata")) d->metadata = (int) v;
    else if (!strcmp(key, "model")) return choose_model(d, value);
    else if (!strcmp(key, "reset")) {
        d->strip_huffman = d->broken_every = d->dark_warmup = d->ebusy_until_reopen = d->slow_fps = d->stepwise = 0;
        d->unplug_after = d->stall_after = -1;
        d->stall_ms = d->first_frame_ms = d->open_ms = 0;
        d->settle_frames = d->stale_frames = d->tiny_frames = d->stale_left = d->tiny_left = d->size_changed = 0;
        d->exposure_binned = 250;
        d->exposure_full = 500;
        d->ae_exposure = d->ae_start = 250;
        d->ae_frames = 0;
        d->last_bright = 100;
        d->replug_after_ms = 1000;
        snprintf(d->broken_kind, sizeof d->broken_kind, "mixed");
        choose_model(d, "uvc");
        d->offer_mjpeg = d->offer_yuyv = 1;
        d->offer_jpeg = d->metadata = 0;
        d->cur_fmt = V4L2_PIX_FMT_MJPEG;
        d->fps = 30;
        d->unplugged = d->held = 0;
        d->stat_opens = d->stat_closes = d->stat_streamons = d->stat_sfmts = d->stat_frames = d->stat_ebusy = 0;
        d->stat_ioctls = 0;
        d->stat_dropped = 0;
    } else return -1;
    return 0;
}

static void device_init(struct device *d, const char *path) {
    int thread_started = d->frame_thread_started;   /* a reused slot keeps its frame thread */
    pthread_t thread = d->frame_thread;
    if (d->present) free_caches(d);
    memset(d, 0, sizeof *d);
    d->frame_thread_started = thread_started;
    d->frame_thread = thread;
    d->present = 1;
    snprintf(d->device_path, sizeof d->device_path, "%s", path);
    parse_sizes(d, "640x480,320x240,800x600,1280x720,1920x1080,2592x1944,3264x2448");
    d->quality = 30;
    d->buf_owner = d->stream_owner = d->stream_signal = -1;
    d->cur_w = 640;
    d->cur_h = 480;
    d->generation = 1;
    apply_setting(d, "reset", "");
}

__attribute__((constructor)) static void init(void) {
    bind_real();
    device_init(&devices[0], "/dev/video0");
    static const char *keys[] = {"device", "sizes", "formats", "quality", "fps", "strip_huffman", "broken_every",
        "broken_kind", "unplug_after", "replug_after_ms", "dark_warmup", "ebusy_until_reopen", "stall_after",
        "stall_ms", "slow_fps", "first_frame_ms", "open_ms", "settle_frames", "exposure_binned", "exposure_full", "stale_frames",
        "tiny_frames", "stepwise", "model"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "FAKECAM_%s", keys[i]);
        for (char *c = name; *c; c++) if (*c >= 'a' && *c <= 'z') *c -= 32;
        const char *value = getenv(name);
        if (value) apply_setting(&devices[0], keys[i], value);
    }
    const char *nodes = getenv("FAKECAM_NODES");
    if (nodes && *nodes && !realpath(nodes, nodes_dir)) nodes_dir[0] = 0;
    for (int i = 0; i < MAX_FDS; i++) handles[i].fd = handles[i].wfd = -1;
}

static int has_handles(const struct device *d) {
    for (int i = 0; i < MAX_FDS; i++) if (handles[i].fd >= 0 && handles[i].dev == d) return 1;
    return 0;
}

/* A file that appeared under FAKECAM_NODES: a camera just plugged in. Its lines of key=value are its settings.
 * Takes a free slot, or one whose node is gone and which nobody holds open. Called with the lock held. */
static struct device *add_node(const char *real) {
    struct device *d = NULL;
    for (int i = 0; i < MAX_DEVICES && !d; i++) if (!devices[i].present) d = &devices[i];
    for (int i = 0; i < MAX_DEVICES && !d; i++) {
        if (devices[i].node_backed && devices[i].unplugged && !has_handles(&devices[i])) d = &devices[i];
    }
    if (!d) return NULL;
    device_init(d, real);
    d->node_backed = 1;
    int fd = real_open(real, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char text[1024];
        ssize_t n = read(fd, text, sizeof text - 1);
        real_close(fd);
        text[n > 0 ? n : 0] = 0;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
            char *eq = strchr(line, '=');
            if (eq) { *eq = 0; apply_setting(d, line, eq + 1); }
        }
    }
    return d;
}

/* The device at this path exactly (its name in the settings); called with the lock held. */
static struct device *device_named(const char *path) {
    for (int i = 0; i < MAX_DEVICES; i++) {
        if (devices[i].present && !strcmp(devices[i].device_path, path)) return &devices[i];
    }
    return NULL;
}

/* The device a path opens: its own name, or a symbolic link to it (/dev/v4l/by-id/...), as the kernel resolves it.
 * Called without the lock: resolving touches the file system. Returns the device's slot, or -1. */
static int device_for_path(const char *path) {
    char resolved[PATH_MAX];
    const char *real = realpath(path, resolved);
    pthread_mutex_lock(&lock);
    size_t dirlen = strlen(nodes_dir);
    struct device *d = device_named(path);
    if (!d && real) d = device_named(real);
    if (!d && real && dirlen && !strncmp(real, nodes_dir, dirlen) && real[dirlen] == '/') d = add_node(real);
    pthread_mutex_unlock(&lock);
    return d ? (int) (d - devices) : -1;
}

/* Settings of the first device (FAKECAM_DEVICE, /dev/video0 unless set); "nodes" sets FAKECAM_NODES. */
EXPORT int fakecam_set(const char *key, const char *value) {
    if (!strcmp(key, "nodes")) {
        char resolved[PATH_MAX];
        if (!realpath(value, resolved) || strlen(resolved) >= sizeof nodes_dir) return -1;
        pthread_mutex_lock(&lock);
        memcpy(nodes_dir, resolved, strlen(resolved) + 1);
        pthread_mutex_unlock(&lock);
        return 0;
    }
    pthread_mutex_lock(&lock);
    int r = apply_setting(&devices[0], key, value);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
    return r;
}

static struct control *find_control(struct device *d, uint32_t id);

static long rounded(double x) { return (long) (x < 0 ? x - 0.5 : x + 0.5); }

/* Automatic unless the model has an exposure mode and it is set to manual. */
static int exposure_auto(struct device *d) {
    struct control *mode = find_control(d, V4L2_CID_EXPOSURE_AUTO);
    return !mode || mode->value != V4L2_EXPOSURE_MANUAL;
}

static double exposure_target(struct device *d, uint32_t w) {
    uint32_t widest = 0;
    for (int i = 0; i < d->nsizes; i++) if (d->sizes[i].w > widest) widest = d->sizes[i].w;
    return w * 2 > widest ? d->exposure_full : d->exposure_binned;
}

/* The exposure of the frame-th frame since convergence began: linear from where it started to the size's target
 * while automatic, the control's value while manual. */
static double exposure_at(struct device *d, long frame) {
    if (!exposure_auto(d)) {
        struct control *absolute = find_control(d, V4L2_CID_EXPOSURE_ABSOLUTE);
        return absolute ? absolute->value : exposure_target(d, d->cur_w);
    }
    double target = exposure_target(d, d->cur_w);
    double done = (double) frame / d->settle_frames;
    return d->ae_start + (target - d->ae_start) * (done > 1 ? 1 : done);
}

static long exposure_now(struct device *d) {
    if (d->settle_frames > 0) return rounded(d->ae_exposure);
    struct control *absolute = find_control(d, V4L2_CID_EXPOSURE_ABSOLUTE);
    return absolute ? absolute->value : -1;
}

/* What the next frame will be: its size (the previous one for a stale frame), brightness level (LEVELS: settled),
 * whether it is tiny. Changes nothing: the frame loop asks ahead, to encode outside the lock. */
struct plan { uint32_t w, h; int level, tiny; };
static struct plan next_plan(struct device *d) {
    struct plan p = {d->cur_w, d->cur_h, LEVELS, d->tiny_left > 0};
    if (!p.tiny && d->stale_left > 0) { p.w = d->prev_w; p.h = d->prev_h; }
    if (d->settle_frames > 0) {
        double b = exposure_at(d, d->ae_frames) / exposure_target(d, d->cur_w);
        if (b < 0) b = 0;
        if (b > 1.5) b = 1.5;
        p.level = (int) rounded(b * LEVELS);
    }
    return p;
}

static long counter(struct device *d, const char *key) {
    long r = -1;
    if (!strcmp(key, "opens")) r = d->stat_opens;
    else if (!strcmp(key, "closes")) r = d->stat_closes;
    else if (!strcmp(key, "open_fds")) { r = 0; for (int i = 0; i < MAX_FDS; i++) r += handles[i].fd >= 0 && handles[i].dev == d; }
    else if (!strcmp(key, "streamons")) r = d->stat_streamons;
    else if (!strcmp(key, "streaming")) r = d->streaming;
    else if (!strcmp(key, "sfmts")) r = d->stat_sfmts;
    else if (!strcmp(key, "frames")) r = d->stat_frames;
    else if (!strcmp(key, "dropped")) r = d->stat_dropped;
    else if (!strcmp(key, "ebusy")) r = d->stat_ebusy;
    else if (!strcmp(key, "ioctls")) r = d->stat_ioctls;
    else if (!strcmp(key, "unplugged")) r = d->unplugged;
    else if (!strcmp(key, "mapped")) { r = 0; for (int i = 0; i < d->nbufs; i++) r += d->bufs[i].mapped; }
    else if (!strcmp(key, "buffers")) r = d->nbufs;
    else if (!strcmp(key, "width")) r = d->cur_w;
    else if (!strcmp(key, "height")) r = d->cur_h;
    else if (!strcmp(key, "exposure")) r = exposure_now(d);
    else if (!strcmp(key, "auto")) r = exposure_auto(d);
    else if (!strcmp(key, "bright")) r = d->last_bright;
    return r;
}

EXPORT long fakecam_get(const char *key) {
    pthread_mutex_lock(&lock);
    long r = counter(&devices[0], key);
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT long fakecam_get_on(const char *path, const char *key) {
    pthread_mutex_lock(&lock);
    struct device *d = device_named(path);
    long r = d ? counter(d, key) : -1;
    pthread_mutex_unlock(&lock);
    return r;
}

/* ---- JPEG frames ----------------------------------------------------------------------------------------------- */

static int size_index(struct device *d, uint32_t w, uint32_t h) {
    for (int i = 0; i < d->nsizes; i++) if (d->sizes[i].w == w && d->sizes[i].h == h) return i;
    return -1;
}

static uint32_t hash(uint32_t x) {
    x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16;
    return x;
}

/* A moving picture with some texture, so that frames compress like a real scene (about 17 KB at 640x480). */
/* Red grows to the right and green downwards, so that a mirrored or turned picture shows as such.
 * flips: bit 0 mirrors left to right, bit 1 top to bottom, as the sensor would with HFLIP and VFLIP. */
static void encode(int quality, uint32_t w, uint32_t h, int frame, int dark, int level, int flips, struct cached *out) {
    uint8_t *rgb = malloc((size_t) w * h * 3);
    uint32_t bar = (uint32_t) ((uint64_t) frame * w / CACHE_FRAMES);
    for (uint32_t row = 0; row < h; row++) {
        for (uint32_t column = 0; column < w; column++) {
            uint8_t *p = rgb + ((size_t) row * w + column) * 3;
            uint32_t x = flips & 1 ? w - 1 - column : column, y = flips & 2 ? h - 1 - row : row;
            if (dark) { p[0] = p[1] = p[2] = 4; continue; }
            uint32_t noise = hash((x / 4) * 7919 + (y / 4) * 104729 + (uint32_t) frame * 31) & 31;
            int inbar = x >= bar && x < bar + w / 16;
            uint32_t r = inbar ? 240 : (x * 200 / w) + noise, g = inbar ? 240 : (y * 200 / h) + noise,
                     bl = inbar ? 240 : 120 + noise;
            if (level != LEVELS) {
                r = r * (uint32_t) level / LEVELS; g = g * (uint32_t) level / LEVELS; bl = bl * (uint32_t) level / LEVELS;
            }
            p[0] = (uint8_t) (r > 255 ? 255 : r);
            p[1] = (uint8_t) (g > 255 ? 255 : g);
            p[2] = (uint8_t) (bl > 255 ? 255 : bl);
        }
    }
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr jerr;
    unsigned char *mem = NULL;
    unsigned long memlen = 0;
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &mem, &memlen);
    cinfo.image_width = w;
    cinfo.image_height = h;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    cinfo.optimize_coding = FALSE; /* the standard Annex K tables, as UVC cameras use */
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = rgb + (size_t) cinfo.next_scanline * w * 3;
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    free(rgb);
    out->jpeg = malloc(memlen);
    memcpy(out->jpeg, mem, memlen);
    out->len = memlen;
    free(mem);
}

/* Encoding a large frame takes a while: the frame thread does it ahead of time, outside the device lock. */
static int compressed(uint32_t fmt) {
    return fmt == V4L2_PIX_FMT_MJPEG || fmt == V4L2_PIX_FMT_JPEG;
}

static int flips(struct device *d) {
    struct control *h = find_control(d, V4L2_CID_HFLIP), *v = find_control(d, V4L2_CID_VFLIP);
    return (h && h->value ? 1 : 0) | (v && v->value ? 2 : 0);
}

static struct cached *frame_for(struct device *d, uint32_t w, uint32_t h, uint32_t seq, int dark, int level) {
    pthread_mutex_lock(&cache_lock);
    int mirrored = flips(d);
    if (mirrored != d->cached_flips) {   /* the sensor reads out the other way now: every picture changes */
        free_caches_locked(d);
        d->cached_flips = mirrored;
    }
    int s = size_index(d, w, h);
    struct cached *c = NULL;
    if (s >= 0) {
        /* An unsettled frame is the first picture at its brightness: encoded once per size and level. */
        int animated = !dark && level == LEVELS;
        c = dark ? &d->dark_cache[s] : animated ? &d->cache[s][seq % CACHE_FRAMES] : &d->level_cache[s][level];
        if (!c->jpeg) encode(d->quality, w, h, animated ? (int) (seq % CACHE_FRAMES) : 0, dark, level, mirrored, c);
    }
    pthread_mutex_unlock(&cache_lock);
    return c;
}

/* Copies the JPEG into dst: SOI, a COM segment naming the frame, then the rest without DHT if stripping.
 * Returns the bytes written; if dst is too small the frame is cut short (the caller flags it). */
static size_t render(struct device *d, uint8_t *dst, size_t cap, const struct cached *c, uint32_t seq, int dark,
                     uint32_t w, uint32_t h, int bright, int *cut) {
    char note[112];
    int notelen = snprintf(note, sizeof note, "fakecam seq=%u size=%ux%u dark=%d bright=%d", seq, w, h, dark, bright);
    uint8_t head[128];
    size_t n = 0;
    head[n++] = 0xFF; head[n++] = 0xD8;
    head[n++] = 0xFF; head[n++] = 0xFE;
    head[n++] = (uint8_t) ((notelen + 2) >> 8); head[n++] = (uint8_t) (notelen + 2);
    memcpy(head + n, note, (size_t) notelen); n += (size_t) notelen;
    size_t out = 0;
    *cut = 0;
#define EMIT(src, len) do { size_t l_ = (len); if (out + l_ > cap) { l_ = cap - out; *cut = 1; } \
        memcpy(dst + out, (src), l_); out += l_; } while (0)
    EMIT(head, n);
    size_t i = 2;
    const uint8_t *j = c->jpeg;
    while (i + 4 <= c->len && j[i] == 0xFF && j[i + 1] != 0xDA) {
        size_t seglen = 2 + ((size_t) j[i + 2] << 8 | j[i + 3]);
        if (!(d->strip_huffman && j[i + 1] == 0xC4)) EMIT(j + i, seglen);
        i += seglen;
    }
    EMIT(j + i, c->len - i);
#undef EMIT
    return out;
}

static long ms_between(const struct timespec *a, const struct timespec *b) {
    return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void add_ms(struct timespec *t, long ms) {
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000;
    if (t->tv_nsec >= 1000000000) { t->tv_sec++; t->tv_nsec -= 1000000000; }
}

static struct handle *find_handle(int fd) {
    for (int i = 0; i < MAX_FDS; i++) if (handles[i].fd == fd && fd >= 0) return &handles[i];
    return NULL;
}

static void signal_fd(int wfd) {
    char one = 1;
    if (write(wfd, &one, 1) < 0) { /* pipe full: the reader is far behind, nothing to add */ }
}

static void do_unplug(struct device *d) {
    d->unplugged = 1;
    d->generation++;
    d->streaming = 0;
    clock_gettime(CLOCK_MONOTONIC, &d->replug_at);
    add_ms(&d->replug_at, d->replug_after_ms);
    for (int i = 0; i < MAX_FDS; i++) if (handles[i].fd >= 0 && handles[i].dev == d) signal_fd(handles[i].wfd);
}

static void fill_one(struct device *d) {
    d->frames_since_streamon++;
    d->frames_since_fault++;
    uint32_t seq = d->sequence++;
    int b = -1;
    for (int i = 0; i < d->nbufs; i++) if (d->bufs[i].queued) { b = i; break; }
    if (b < 0) { d->stat_dropped++; return; }   /* no buffer: the frame is lost, as in a real driver */
    struct buffer *buf = &d->bufs[b];
    int dark = d->frames_since_streamon <= d->dark_warmup;
    int cut = 0;
    struct plan plan = next_plan(d);
    if (d->settle_frames > 0) d->ae_exposure = exposure_at(d, d->ae_frames++);
    int bright = (int) rounded(plan.level * 100.0 / LEVELS);
    d->last_bright = bright;
    if (plan.tiny) d->tiny_left--;
    else if (d->stale_left > 0) d->stale_left--;
    struct cached *c = compressed(d->cur_fmt) && !plan.tiny ? frame_for(d, plan.w, plan.h, seq, dark, plan.level) : NULL;
    if (plan.tiny && compressed(d->cur_fmt)) {
        /* A few hundred bytes that start and end like a JPEG, with nothing of a picture between. */
        int n = snprintf((char *) buf->mem + 6, buf->length > 160 ? 100 : 0, "fakecam seq=%u size=%ux%u dark=%d bright=0",
                         seq, d->cur_w, d->cur_h, dark);
        buf->mem[0] = 0xFF; buf->mem[1] = 0xD8; buf->mem[2] = 0xFF; buf->mem[3] = 0xFE;
        buf->mem[4] = (uint8_t) ((n + 2) >> 8); buf->mem[5] = (uint8_t) (n + 2);
        size_t at = 6 + (size_t) n;
        for (int k = 0; k < 24; k++) buf->mem[at++] = (uint8_t) (hash((uint32_t) k + seq) | 1);
        buf->mem[at++] = 0xFF; buf->mem[at++] = 0xD9;
        buf->bytesused = (uint32_t) at;
    } else if (c) {
        buf->bytesused = (uint32_t) render(d, buf->mem, buf->length, c, seq, dark, plan.w, plan.h, bright, &cut);
    } else {
        memset(buf->mem, 0x80, buf->length);
        buf->bytesused = (uint32_t) buf->length;
    }
    buf->flags = V4L2_BUF_FLAG_MAPPED | V4L2_BUF_FLAG_DONE | V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
    if (cut) buf->flags |= V4L2_BUF_FLAG_ERROR;
    if (d->broken_every > 0 && seq % (uint32_t) d->broken_every == (uint32_t) d->broken_every - 1) {
        static const char *kinds[] = {"truncate", "garbage", "error", "tiny"};
        const char *kind = strcmp(d->broken_kind, "mixed") ? d->broken_kind : kinds[(seq / (uint32_t) d->broken_every) % 4];
        if (!strcmp(kind, "truncate")) buf->bytesused /= 2;
        else if (!strcmp(kind, "garbage")) for (uint32_t k = 0; k < buf->bytesused; k++) buf->mem[k] = (uint8_t) hash(k + seq);
        else if (!strcmp(kind, "error")) { buf->flags |= V4L2_BUF_FLAG_ERROR; buf->bytesused /= 3; }
        else if (!strcmp(kind, "tiny")) buf->bytesused = 20;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    buf->timestamp.tv_sec = now.tv_sec;
    buf->timestamp.tv_usec = now.tv_nsec / 1000;
    buf->sequence = seq;
    buf->queued = 0;
    buf->done = 1;
    d->stat_frames++;
    signal_fd(d->stream_signal);
    pthread_cond_broadcast(&wake);
}

/* A node's file removed is the camera unplugged; the file back, the camera back. Checked at most every 50 ms;
 * called with the lock held. */
static void follow_node(struct device *d) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (ms_between(&d->node_checked, &now) < 50) return;
    d->node_checked = now;
    char path[sizeof d->device_path];
    memcpy(path, d->device_path, sizeof path);
    pthread_mutex_unlock(&lock);
    int exists = real_access(path, F_OK) == 0;
    pthread_mutex_lock(&lock);
    if (strcmp(path, d->device_path)) return;
    if (!exists && !d->unplugged) { do_unplug(d); d->held = 1; }
    else if (exists && d->unplugged && d->held) { d->unplugged = d->held = 0; d->frames_since_fault = 0; }
}

static void *frame_loop(void *arg) {
    struct device *d = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&lock);
    for (;;) {
        if (d->node_backed) follow_node(d);
        if (d->unplugged && d->held) {
            if (d->node_backed) {
                struct timespec soon;
                clock_gettime(CLOCK_REALTIME, &soon);
                add_ms(&soon, 50);
                pthread_cond_timedwait(&wake, &lock, &soon);
                continue;
            }
            pthread_cond_wait(&wake, &lock);
            continue;
        }
        if (d->unplugged) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (ms_between(&now, &d->replug_at) <= 0) {
                d->unplugged = 0;
                d->frames_since_fault = 0;
                d->unplug_after = -1;
            } else {
                struct timespec until;   /* the condition variable waits on the real-time clock */
                clock_gettime(CLOCK_REALTIME, &until);
                add_ms(&until, ms_between(&now, &d->replug_at));
                pthread_cond_timedwait(&wake, &lock, &until);
                continue;
            }
        }
        if (!d->streaming) {
            if (d->node_backed) {
                struct timespec soon;
                clock_gettime(CLOCK_REALTIME, &soon);
                add_ms(&soon, 50);
                pthread_cond_timedwait(&wake, &lock, &soon);
            } else {
                pthread_cond_wait(&wake, &lock);
            }
            clock_gettime(CLOCK_MONOTONIC, &next);
            continue;
        }
        uint32_t rate = d->slow_fps > 0 ? (uint32_t) d->slow_fps : d->fps;
        long period_ns = 1000000000L / (rate ? rate : 1);
        next.tv_nsec += period_ns;
        while (next.tv_nsec >= 1000000000) { next.tv_sec++; next.tv_nsec -= 1000000000; }
        if (d->frames_since_streamon == 0 && d->first_frame_ms > 0 && !d->first_frame_delayed) {
            add_ms(&next, d->first_frame_ms);
            d->first_frame_delayed = 1;
        }
        if (d->stall_after >= 0 && d->frames_since_fault == d->stall_after) {
            add_ms(&next, d->stall_ms);
            d->stall_after = -1;
        }
        struct plan plan = next_plan(d);
        uint32_t seq = d->sequence;
        int dark = d->frames_since_streamon + 1 <= d->dark_warmup, mjpeg = compressed(d->cur_fmt) && !plan.tiny;
        pthread_mutex_unlock(&lock);
        if (mjpeg) frame_for(d, plan.w, plan.h, seq, dark, plan.level);
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        pthread_mutex_lock(&lock);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        /* Behind by more than a frame (a large frame was being encoded, the machine is busy): a sensor does not deliver
         * the frames it missed in a burst, it goes on from now. */
        if (ms_between(&next, &now) * 1000000L > period_ns) next = now;
        if (!d->streaming || d->unplugged) continue;
        fill_one(d);
        if (d->unplug_after >= 0 && d->frames_since_fault >= d->unplug_after) do_unplug(d);
    }
    return NULL;
}

/* ---- the six calls --------------------------------------------------------------------------------------------- */

static int fail(int e) { errno = e; return -1; }

EXPORT int open(const char *path, int flags, ...) {
    bind_real();
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    int slot = device_for_path(path);
    if (slot < 0) return real_open(path, flags, mode);
    pthread_mutex_lock(&lock);
    struct device *d = &devices[slot];
    long open_ms = d->open_ms;
    if (open_ms > 0) {
        pthread_mutex_unlock(&lock);
        struct timespec wait = {open_ms / 1000, (open_ms % 1000) * 1000000L};
        nanosleep(&wait, NULL);
        pthread_mutex_lock(&lock);
    }
    int r;
    if (d->unplugged) {
        r = fail(ENOENT);
    } else {
        struct handle *h = NULL;
        for (int i = 0; i < MAX_FDS && !h; i++) if (handles[i].fd < 0) h = &handles[i];
        int ends[2] = {-1, -1};
        int ok = h && pipe2(ends, O_NONBLOCK | ((flags & O_CLOEXEC) ? O_CLOEXEC : 0)) == 0;
        if (!h) r = fail(EMFILE);
        else if (!ok) r = -1;
        else {
            int fd = ends[0];
            h->fd = fd;
            h->wfd = ends[1];
            h->nonblocking = (flags & O_NONBLOCK) != 0;
            h->generation = d->generation;
            h->dev = d;
            h->sfmt_tainted = 0;
            d->stat_opens++;
            errno = 0;
            if (!d->frame_thread_started) {
                pthread_create(&d->frame_thread, NULL, frame_loop, d);
                /* Tests count the first device's: one, however often the library is loaded and unloaded. */
                pthread_setname_np(d->frame_thread, d == devices ? "fakecam-frames" : "fakecam-more");
                pthread_detach(d->frame_thread);
                d->frame_thread_started = 1;
            }
            r = fd;
        }
    }
    pthread_mutex_unlock(&lock);
    return r;
}
EXPORT int open64(const char *path, int flags, ...) __attribute__((alias("open")));

/* Programs such as ustreamer check the device node with access() before opening it. */
EXPORT int access(const char *path, int mode) {
    bind_real();
    int slot = device_for_path(path);
    if (slot < 0) return real_access(path, mode);
    pthread_mutex_lock(&lock);
    struct device *d = &devices[slot];
    int gone = d->unplugged;
    pthread_mutex_unlock(&lock);
    return gone ? fail(ENOENT) : 0;
}

static void release_buffers(struct device *d) {
    for (int i = 0; i < d->nbufs; i++) {
        if (!d->bufs[i].mapped) real_munmap(d->bufs[i].mem, d->bufs[i].length);
        d->bufs[i].mem = NULL;
    }
    d->nbufs = 0;
    d->buf_owner = -1;
}

EXPORT int close(int fd) {
    bind_real();
    pthread_mutex_lock(&lock);
    struct handle *h = find_handle(fd);
    if (h) {
        struct device *d = h->dev;
        if (d->stream_owner == fd) { d->streaming = 0; d->stream_owner = -1; d->stream_signal = -1; }
        if (d->buf_owner == fd) release_buffers(d);
        real_close(h->wfd);
        h->fd = -1;
        h->wfd = -1;
        d->stat_closes++;
    }
    pthread_mutex_unlock(&lock);
    return real_close(fd);
}

static void fill_format(struct device *d, struct v4l2_format *f) {
    memset(&f->fmt.pix, 0, sizeof f->fmt.pix);
    f->fmt.pix.width = d->cur_w;
    f->fmt.pix.height = d->cur_h;
    f->fmt.pix.pixelformat = d->cur_fmt;
    f->fmt.pix.field = V4L2_FIELD_NONE;
    f->fmt.pix.bytesperline = d->cur_fmt == V4L2_PIX_FMT_YUYV ? d->cur_w * 2 : 0;
    f->fmt.pix.sizeimage = d->cur_w * d->cur_h * 2;
    f->fmt.pix.colorspace = V4L2_COLORSPACE_SRGB;
}

static int format_offered(struct device *d, uint32_t fmt) {
    return (fmt == V4L2_PIX_FMT_MJPEG && d->offer_mjpeg) || (fmt == V4L2_PIX_FMT_JPEG && d->offer_jpeg)
        || (fmt == V4L2_PIX_FMT_YUYV && d->offer_yuyv);
}

static int sizes_for(struct device *d, uint32_t fmt, struct size *out) {
    if (compressed(fmt)) { memcpy(out, d->sizes, sizeof d->sizes); return d->nsizes; }
    out[0] = (struct size) {640, 480};
    out[1] = (struct size) {320, 240};
    return 2;
}

/* uvcvideo's choice of the closest frame size. */
static void snap(struct device *d, uint32_t fmt, uint32_t *w, uint32_t *h) {
    struct size list[MAX_SIZES];
    int n = sizes_for(d, fmt, list);
    uint64_t best = UINT64_MAX;
    struct size chosen = list[0];
    for (int i = 0; i < n; i++) {
        uint64_t mw = list[i].w < *w ? list[i].w : *w, mh = list[i].h < *h ? list[i].h : *h;
        uint64_t dist = (uint64_t) list[i].w * list[i].h + (uint64_t) *w * *h - 2 * mw * mh;
        if (dist < best) { best = dist; chosen = list[i]; }
    }
    *w = chosen.w;
    *h = chosen.h;
}

static struct control *find_control(struct device *d, uint32_t id) {
    for (int i = 0; i < d->ncontrols; i++) if (d->controls[i].id == id) return &d->controls[i];
    return NULL;
}

static int inactive(struct device *d, const struct control *c) {
    const struct control *master = c->master ? find_control(d, c->master) : NULL;
    return master && master->value != c->manual;
}

static int device_ioctl(struct handle *h, unsigned long request, void *arg) {
    struct device *d = h->dev;
    if (h->generation != d->generation || d->unplugged) return fail(ENODEV);
    switch (request) {
    case VIDIOC_QUERYCAP: {
        struct v4l2_capability *c = arg;
        memset(c, 0, sizeof *c);
        snprintf((char *) c->driver, sizeof c->driver, "uvcvideo");
        snprintf((char *) c->card, sizeof c->card, "Fake Camera (dualstream)");
        snprintf((char *) c->bus_info, sizeof c->bus_info, "usb-fakecam-1");
        c->version = (6 << 16) | (1 << 8);
        c->device_caps = (d->metadata ? V4L2_CAP_META_CAPTURE : V4L2_CAP_VIDEO_CAPTURE) | V4L2_CAP_STREAMING;
        c->capabilities = c->device_caps | V4L2_CAP_DEVICE_CAPS;
        return 0;
    }
    case VIDIOC_ENUM_FMT: {
        struct v4l2_fmtdesc *desc = arg;
        if (desc->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || d->metadata) return fail(EINVAL);
        uint32_t list[3];
        int n = 0;
        if (d->offer_mjpeg) list[n++] = V4L2_PIX_FMT_MJPEG;
        if (d->offer_jpeg) list[n++] = V4L2_PIX_FMT_JPEG;
        if (d->offer_yuyv) list[n++] = V4L2_PIX_FMT_YUYV;
        if (desc->index >= (uint32_t) n) return fail(EINVAL);
        uint32_t index = desc->index;
        memset(desc, 0, sizeof *desc);
        desc->index = index;
        desc->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        desc->pixelformat = list[index];
        desc->flags = compressed(list[index]) ? V4L2_FMT_FLAG_COMPRESSED : 0;
        snprintf((char *) desc->description, sizeof desc->description, "%s",
                 list[index] == V4L2_PIX_FMT_MJPEG ? "Motion-JPEG" : list[index] == V4L2_PIX_FMT_JPEG ? "JFIF JPEG"
                 : "YUYV 4:2:2");
        return 0;
    }
    case VIDIOC_ENUM_FRAMESIZES: {
        struct v4l2_frmsizeenum *s = arg;
        struct size list[MAX_SIZES];
        if (!format_offered(d, s->pixel_format)) return fail(EINVAL);
        if (d->stepwise && compressed(s->pixel_format)) {
            if (s->index > 0) return fail(EINVAL);
            s->type = V4L2_FRMSIZE_TYPE_STEPWISE;
            s->stepwise.min_width = 160;
            s->stepwise.max_width = 3264;
            s->stepwise.step_width = 16;
            s->stepwise.min_height = 120;
            s->stepwise.max_height = 2448;
            s->stepwise.step_height = 8;
            return 0;
        }
        int n = sizes_for(d, s->pixel_format, list);
        if (s->index >= (uint32_t) n) return fail(EINVAL);
        s->type = V4L2_FRMSIZE_TYPE_DISCRETE;
        s->discrete.width = list[s->index].w;
        s->discrete.height = list[s->index].h;
        return 0;
    }
    case VIDIOC_ENUM_FRAMEINTERVALS: {
        struct v4l2_frmivalenum *v = arg;
        static const uint32_t rates[] = {30, 15, 5};
        if (!format_offered(d, v->pixel_format) || v->index >= 3) return fail(EINVAL);
        v->type = V4L2_FRMIVAL_TYPE_DISCRETE;
        v->discrete.numerator = 1;
        v->discrete.denominator = rates[v->index];
        return 0;
    }
    case VIDIOC_G_FMT: {
        struct v4l2_format *f = arg;
        if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return fail(EINVAL);
        fill_format(d, f);
        return 0;
    }
    case VIDIOC_TRY_FMT:
    case VIDIOC_S_FMT: {
        struct v4l2_format *f = arg;
        if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return fail(EINVAL);
        if (request == VIDIOC_S_FMT) {
            if (d->nbufs > 0 || d->streaming || h->sfmt_tainted) { d->stat_ebusy++; return fail(EBUSY); }
            d->stat_sfmts++;
        }
        uint32_t fmt = format_offered(d, f->fmt.pix.pixelformat) ? f->fmt.pix.pixelformat
                     : d->offer_mjpeg ? V4L2_PIX_FMT_MJPEG : d->offer_jpeg ? V4L2_PIX_FMT_JPEG : V4L2_PIX_FMT_YUYV;
        uint32_t w = f->fmt.pix.width, hh = f->fmt.pix.height;
        snap(d, fmt, &w, &hh);
        if (request == VIDIOC_S_FMT) {
            if (w != d->cur_w || hh != d->cur_h) { d->prev_w = d->cur_w; d->prev_h = d->cur_h; d->size_changed = 1; }
            d->cur_w = w; d->cur_h = hh; d->cur_fmt = fmt; fill_format(d, f);
        }
        else {
            uint32_t ow = d->cur_w, oh = d->cur_h, of = d->cur_fmt;
            d->cur_w = w; d->cur_h = hh; d->cur_fmt = fmt;
            fill_format(d, f);
            d->cur_w = ow; d->cur_h = oh; d->cur_fmt = of;
        }
        return 0;
    }
    case VIDIOC_G_PARM:
    case VIDIOC_S_PARM: {
        struct v4l2_streamparm *p = arg;
        if (p->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return fail(EINVAL);
        if (request == VIDIOC_S_PARM) {
            struct v4l2_fract *t = &p->parm.capture.timeperframe;
            if (t->numerator && t->denominator) {
                uint32_t want = t->denominator / t->numerator;
                d->fps = want >= 23 ? 30 : want >= 10 ? 15 : 5;
            }
        }
        memset(&p->parm, 0, sizeof p->parm);
        p->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
        p->parm.capture.timeperframe.numerator = 1;
        p->parm.capture.timeperframe.denominator = d->fps;
        p->parm.capture.readbuffers = 0;
        return 0;
    }
    case VIDIOC_ENUMINPUT: {
        struct v4l2_input *in = arg;
        if (in->index != 0) return fail(EINVAL);
        memset(in, 0, sizeof *in);
        snprintf((char *) in->name, sizeof in->name, "Camera 1");
        in->type = V4L2_INPUT_TYPE_CAMERA;
        return 0;
    }
    case VIDIOC_G_INPUT: *(int *) arg = 0; return 0;
    case VIDIOC_S_INPUT: return *(int *) arg == 0 ? 0 : fail(EINVAL);
    case VIDIOC_REQBUFS: {
        struct v4l2_requestbuffers *r = arg;
        if (r->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || r->memory != V4L2_MEMORY_MMAP) return fail(EINVAL);
        if (d->streaming || (d->buf_owner >= 0 && d->buf_owner != h->fd)) { d->stat_ebusy++; return fail(EBUSY); }
        for (int i = 0; i < d->nbufs; i++) if (d->bufs[i].mapped) { d->stat_ebusy++; return fail(EBUSY); }
        release_buffers(d);
        uint32_t count = r->count > MAX_BUFS ? MAX_BUFS : r->count;
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        d->buf_length = ((size_t) d->cur_w * d->cur_h * 2 + page - 1) / page * page;
        for (uint32_t i = 0; i < count; i++) {
            memset(&d->bufs[i], 0, sizeof d->bufs[i]);
            d->bufs[i].mem = real_mmap(NULL, d->buf_length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            d->bufs[i].length = d->buf_length;
        }
        d->nbufs = (int) count;
        d->buf_owner = count ? h->fd : -1;
        r->count = count;
        r->capabilities = V4L2_BUF_CAP_SUPPORTS_MMAP;
        return 0;
    }
    case VIDIOC_QUERYBUF:
    case VIDIOC_QBUF:
    case VIDIOC_DQBUF: {
        struct v4l2_buffer *b = arg;
        if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return fail(EINVAL);
        if (request == VIDIOC_DQBUF) {
            for (;;) {
                if (h->generation != d->generation || d->unplugged) return fail(ENODEV);
                int found = -1;
                uint32_t oldest = UINT32_MAX;
                for (int i = 0; i < d->nbufs; i++) {
                    if (d->bufs[i].done && d->bufs[i].sequence < oldest) { oldest = d->bufs[i].sequence; found = i; }
                }
                if (found >= 0) {
                    char dummy;
                    if (read(h->fd, &dummy, 1) < 0) { /* nothing signalled: nothing to take back */ }
                    b->index = (uint32_t) found;
                    break;
                }
                if (!d->streaming) return fail(EINVAL);
                if (h->nonblocking) return fail(EAGAIN);
                pthread_cond_wait(&wake, &lock);
            }
        }
        if (b->index >= (uint32_t) d->nbufs) return fail(EINVAL);
        struct buffer *buf = &d->bufs[b->index];
        if (request == VIDIOC_QBUF) {
            if (b->memory != V4L2_MEMORY_MMAP || buf->queued || buf->done) return fail(EINVAL);
            buf->queued = 1;
        }
        uint32_t index = b->index;
        memset(b, 0, sizeof *b);
        b->index = index;
        b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        b->memory = V4L2_MEMORY_MMAP;
        b->m.offset = (uint32_t) (index * d->buf_length);
        b->length = (uint32_t) buf->length;
        b->field = V4L2_FIELD_NONE;
        if (request == VIDIOC_DQBUF) {
            buf->done = 0;
            b->bytesused = buf->bytesused;
            b->flags = buf->flags;
            b->timestamp = buf->timestamp;
            b->sequence = buf->sequence;
        } else {
            b->flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC | (buf->mapped ? V4L2_BUF_FLAG_MAPPED : 0)
                     | (buf->queued ? V4L2_BUF_FLAG_QUEUED : 0) | (buf->done ? V4L2_BUF_FLAG_DONE : 0);
        }
        return 0;
    }
    case VIDIOC_STREAMON:
    case VIDIOC_STREAMOFF: {
        if (*(int *) arg != V4L2_BUF_TYPE_VIDEO_CAPTURE) return fail(EINVAL);
        if (d->buf_owner >= 0 && d->buf_owner != h->fd) { d->stat_ebusy++; return fail(EBUSY); }
        if (d->nbufs == 0) return request == VIDIOC_STREAMON ? fail(EINVAL) : 0;
        if (request == VIDIOC_STREAMON) {
            if (!d->streaming) {
                d->streaming = 1;
                d->stream_owner = h->fd;
                d->stream_signal = h->wfd;
                d->sequence = 0;
                d->frames_since_streamon = 0;
                d->first_frame_delayed = 0;
                d->tiny_left = d->tiny_frames;
                d->stale_left = d->size_changed && size_index(d, d->prev_w, d->prev_h) >= 0 ? d->stale_frames : 0;
                d->size_changed = 0;
                if (d->settle_frames > 0 && exposure_auto(d)) {
                    /* A start, or a new size: the automatic exposure converges again from dark. */
                    d->ae_start = d->ae_exposure = 0.1 * exposure_target(d, d->cur_w);
                    d->ae_frames = 0;
                }
                d->stat_streamons++;
                pthread_cond_broadcast(&wake);
            }
        } else {
            d->streaming = 0;
            d->stream_owner = -1;
            d->stream_signal = -1;
            for (int i = 0; i < d->nbufs; i++) d->bufs[i].queued = d->bufs[i].done = 0;
            char drain[64];
            while (read(h->fd, drain, sizeof drain) > 0) { /* forget signalled frames */ }
            if (d->ebusy_until_reopen) h->sfmt_tainted = 1;
        }
        return 0;
    }
    case VIDIOC_QUERYCTRL: {
        struct v4l2_queryctrl *q = arg;
        struct control *c = NULL;
        if (q->id & V4L2_CTRL_FLAG_NEXT_CTRL) {
            uint32_t after = q->id & ~(V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND);
            for (int i = 0; i < d->ncontrols; i++) {
                if (d->controls[i].id > after && (!c || d->controls[i].id < c->id)) c = &d->controls[i];
            }
        } else {
            c = find_control(d, q->id);
        }
        if (!c) return fail(EINVAL);
        memset(q, 0, sizeof *q);
        q->id = c->id;
        q->type = c->type;
        snprintf((char *) q->name, sizeof q->name, "%s", c->name);
        q->minimum = c->min;
        q->maximum = c->max;
        q->step = c->step;
        q->default_value = c->def;
        q->flags = c->flags | (inactive(d, c) ? V4L2_CTRL_FLAG_INACTIVE : 0);
        return 0;
    }
    case VIDIOC_QUERYMENU: {
        struct v4l2_querymenu *m = arg;
        struct control *c = find_control(d, m->id);
        if (!c || c->type != V4L2_CTRL_TYPE_MENU || m->index > (uint32_t) c->max || m->index >= 8
            || !c->menu[m->index]) return fail(EINVAL);
        uint32_t id = m->id, index = m->index;
        memset(m, 0, sizeof *m);
        m->id = id;
        m->index = index;
        snprintf((char *) m->name, sizeof m->name, "%s", c->menu[index]);
        return 0;
    }
    case VIDIOC_G_CTRL:
    case VIDIOC_S_CTRL: {
        struct v4l2_control *v = arg;
        struct control *c = find_control(d, v->id);
        if (!c) return fail(EINVAL);
        /* As the control framework: class headings can be neither read nor written. */
        if (c->type == V4L2_CTRL_TYPE_CTRL_CLASS) return fail(EACCES);
        if (request == VIDIOC_S_CTRL) {
            if (c->type == V4L2_CTRL_TYPE_MENU) {
                if (v->value < c->min || v->value > c->max) return fail(ERANGE);
                if (v->value >= 8 || !c->menu[v->value]) return fail(EINVAL);
            }
            /* As uvcvideo: a manual setting is refused while its automatic mode is on. */
            if (inactive(d, c)) return fail(EACCES);
            if (c->type == V4L2_CTRL_TYPE_INTEGER || c->type == V4L2_CTRL_TYPE_BOOLEAN) {
                /* uvcvideo rounds to the step and clamps rather than refusing. */
                int64_t step = c->step > 0 ? c->step : 1;
                int64_t value = (int64_t) c->min + ((int64_t) v->value - c->min + step / 2) / step * step;
                if ((int64_t) v->value < c->min) value = c->min;
                v->value = (int32_t) (value > c->max ? c->max : value < c->min ? c->min : value);
            }
            int was_auto = exposure_auto(d);
            c->value = v->value;
            if (d->settle_frames > 0 && c->id == V4L2_CID_EXPOSURE_AUTO && was_auto != exposure_auto(d)) {
                struct control *absolute = find_control(d, V4L2_CID_EXPOSURE_ABSOLUTE);
                if (!was_auto) {             /* automatic again: it goes on from the exposure it has */
                    d->ae_start = d->ae_exposure;
                    d->ae_frames = 0;
                } else if (absolute) {       /* manual: the exposure stays where the automatic mode had it */
                    long e = rounded(d->ae_exposure);
                    absolute->value = (int32_t) (e < absolute->min ? absolute->min : e > absolute->max ? absolute->max : e);
                }
            }
        }
        /* As uvcvideo's auto-update controls: read while automatic, the exposure comes from the camera. */
        if (request == VIDIOC_G_CTRL && d->settle_frames > 0 && c->id == V4L2_CID_EXPOSURE_ABSOLUTE && exposure_auto(d)) {
            v->value = (int32_t) rounded(d->ae_exposure);
            return 0;
        }
        v->value = c->value;
        return 0;
    }
    default:
        return fail(ENOTTY);
    }
}

EXPORT int ioctl(int fd, unsigned long request, ...) {
    bind_real();
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    pthread_mutex_lock(&lock);
    struct handle *h = find_handle(fd);
    if (!h) {
        pthread_mutex_unlock(&lock);
        return real_ioctl(fd, request, arg);
    }
    h->dev->stat_ioctls++;
    /* The kernel takes the command as 32 bits; programs that pass it through an int sign-extend it. */
    int r = device_ioctl(h, (uint32_t) request, arg);
    int saved = r < 0 ? errno : 0; /* callers such as JNA read errno even after success */
    pthread_mutex_unlock(&lock);
    errno = saved;
    return r;
}

/* A buffer of ours, by the offset QUERYBUF gave; called with the lock held. */
static void *device_mmap(struct handle *h, size_t length, int64_t offset) {
    struct device *d = h->dev;
    int e = 0;
    void *r = MAP_FAILED;
    if (h->generation != d->generation || d->unplugged) e = ENODEV;
    else if (d->buf_length == 0 || offset < 0 || offset % (int64_t) d->buf_length || offset / (int64_t) d->buf_length >= d->nbufs
             || length > d->buf_length) e = EINVAL;
    else {
        struct buffer *b = &d->bufs[offset / (int64_t) d->buf_length];
        b->mapped++;
        r = b->mem;
    }
    if (e) errno = e;
    return r;
}

EXPORT void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset) {
    bind_real();
    pthread_mutex_lock(&lock);
    struct handle *h = find_handle(fd);
    if (!h) {
        pthread_mutex_unlock(&lock);
        return real_mmap(addr, length, prot, flags, fd, offset);
    }
    void *r = device_mmap(h, length, offset);
    int saved = errno;
    pthread_mutex_unlock(&lock);
    errno = saved;
    return r;
}

/* Its own function, not an alias of mmap: where off_t has 32 bits (armhf, i386) the offset here has 64. */
EXPORT void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off64_t offset) {
    bind_real();
    pthread_mutex_lock(&lock);
    struct handle *h = find_handle(fd);
    if (!h) {
        pthread_mutex_unlock(&lock);
        return real_mmap64(addr, length, prot, flags, fd, offset);
    }
    void *r = device_mmap(h, length, offset);
    int saved = errno;
    pthread_mutex_unlock(&lock);
    errno = saved;
    return r;
}

EXPORT int munmap(void *addr, size_t length) {
    bind_real();
    pthread_mutex_lock(&lock);
    for (int k = 0; k < MAX_DEVICES; k++) {
        struct device *d = &devices[k];
        for (int i = 0; d->present && i < d->nbufs; i++) {
            if (d->bufs[i].mem == addr && d->bufs[i].mapped > 0) {
                d->bufs[i].mapped--;
                pthread_mutex_unlock(&lock);
                return 0;
            }
        }
    }
    pthread_mutex_unlock(&lock);
    return real_munmap(addr, length);
}

EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout) {
    bind_real();
    pthread_mutex_lock(&lock);
    int dead = 0;
    for (nfds_t i = 0; i < nfds; i++) {
        struct handle *h = find_handle(fds[i].fd);
        fds[i].revents = 0;
        if (h && (h->generation != h->dev->generation || h->dev->unplugged)) {
            fds[i].revents = POLLERR | POLLHUP;
            dead++;
        }
    }
    pthread_mutex_unlock(&lock);
    if (dead) return dead;
    return real_poll(fds, nfds, timeout);
}
