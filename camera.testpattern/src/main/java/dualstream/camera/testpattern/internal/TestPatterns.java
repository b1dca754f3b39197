package dualstream.camera.testpattern.internal;

import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dualstream.camera.api.CameraProvider;
import dualstream.camera.support.ConfiguredCameras;

/** Test patterns served on request, as configurations of {@link TestPatternCamera}. */
@Component(service = CameraProvider.class, property = CameraProvider.KIND + "=TEST_PATTERN")
public final class TestPatterns extends ConfiguredCameras<TestPatternCamera.Config> {

    @Activate
    public TestPatterns(@Reference ConfigurationAdmin configurationAdmin) {
        super(TestPatternCamera.Config.class, TestPatternCamera.PID, null, TestPatternCamera.Settings::of, configurationAdmin);
    }
}
