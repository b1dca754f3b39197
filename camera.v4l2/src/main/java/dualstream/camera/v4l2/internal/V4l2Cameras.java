package dualstream.camera.v4l2.internal;

import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dualstream.camera.api.CameraProvider;
import dualstream.camera.support.ConfiguredCameras;

/** V4L2 cameras served on request, as configurations of {@link V4l2Camera}. */
@Component(service = CameraProvider.class, property = CameraProvider.KIND + "=DEVICE")
public final class V4l2Cameras extends ConfiguredCameras<V4l2Camera.Config> {

    @Activate
    public V4l2Cameras(@Reference ConfigurationAdmin configurationAdmin) {
        super(V4l2Camera.Config.class, V4l2Camera.PID, "device", V4l2Camera.Settings::of, configurationAdmin);
    }
}
