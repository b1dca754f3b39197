package dualstream.camera.v4l2;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Opens a V4L2 device node briefly and reports what it is, without taking it: no format is set, nothing streams.
 */
@ProviderType
public interface V4l2Probe {

    /** The compressed formats a camera may deliver for dualstream to serve, in order of preference. */
    List<String> SERVED_FORMATS = List.of("MJPG", "JPEG");

    /**
     * @param device the node, or a symbolic link to it (such as one in {@code /dev/v4l/by-id})
     * @param settings the settings a V4L2 camera at this node would be served with: the native library they name (the C
     *        library by default) is the one opened
     * @throws IOException when the node cannot be opened or queried (absent, no permission, not V4L2)
     */
    Device probe(String device, Map<String, ?> settings) throws IOException;

    /**
     * What a node reported.
     *
     * @param card the driver's name for the device (VIDIOC_QUERYCAP's card)
     * @param driver the kernel driver, e.g. {@code uvcvideo}
     * @param busInfo where it is attached, e.g. {@code usb-0000:01:00.0-1.2}
     * @param capture whether it is a video capture device that streams (a UVC metadata node is not)
     * @param formats the capture formats it offers, as fourcc names ({@code MJPG}, {@code YUYV})
     */
    record Device(String card, String driver, String busInfo, boolean capture, List<String> formats) {

        public Device {
            formats = List.copyOf(formats);
        }

        /** The format dualstream would stream, if any. */
        public Optional<String> servedFormat() {
            return capture ? SERVED_FORMATS.stream().filter(formats::contains).findFirst() : Optional.empty();
        }

        /** Why dualstream cannot serve it, if it cannot. */
        public Optional<String> unservable() {
            if (!capture) {
                return Optional.of("not a streaming video capture device (a UVC camera's metadata node is not)");
            }
            if (servedFormat().isEmpty()) {
                return Optional.of("offers " + (formats.isEmpty() ? "no formats" : String.join(", ", formats))
                        + ", no MJPEG or JPEG; dualstream needs a camera that encodes JPEG itself");
            }
            return Optional.empty();
        }
    }
}
