package dualstream.camera.v4l2.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;

import dualstream.camera.support.ConfiguredCameras;
import dualstream.camera.v4l2.V4l2Probe;
import dualstream.camera.v4l2.internal.videodev2.LibC;
import dualstream.camera.v4l2.internal.videodev2.Structs.Capability;
import dualstream.camera.v4l2.internal.videodev2.V4l2Device;
import dualstream.camera.v4l2.internal.videodev2.Videodev2;

@Component
public final class V4l2ProbeService implements V4l2Probe {

    private final Map<String, LibC> libraries = new ConcurrentHashMap<>();

    @Override
    public Device probe(String device, Map<String, ?> settings) throws IOException {
        String nativeLibrary;
        try {
            nativeLibrary = V4l2Camera.Settings.of(ConfiguredCameras.typed(V4l2Camera.Config.class, settings))
                    .nativeLibrary();
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        LibC lib;
        try {
            lib = libraries.computeIfAbsent(nativeLibrary, LibC::load);
        } catch (UnsatisfiedLinkError e) {
            throw new IOException("cannot load native library '" + nativeLibrary + "': " + e.getMessage(), e);
        }
        try (V4l2Device node = V4l2Device.open(lib, device)) {
            Capability cap = node.queryCapability();
            boolean capture = cap.streamingCapture();
            List<String> formats = new ArrayList<>();
            if (capture) {
                node.formats().keySet().forEach(code -> formats.add(Videodev2.fourccName(code)));
            }
            return new Device(cap.card(), cap.driver(), cap.busInfo(), capture, formats);
        }
    }
}
