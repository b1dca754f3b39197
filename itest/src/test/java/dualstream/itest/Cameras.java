package dualstream.itest;

import java.io.IOException;
import java.time.Duration;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.service.ServiceAware;

import dualstream.camera.api.CameraService;
import dualstream.test.support.Await;

/** The cameras a test configures: found by id, and removed afterwards. */
final class Cameras {

    private Cameras() {
    }

    /** The camera with this id now, or {@code null}: a service on its way out may already be gone from the tracker. */
    static CameraService byId(ServiceAware<CameraService> cameras, String id) {
        return cameras.getServices().stream().filter(c -> c != null && c.info().id().equals(id)).findFirst()
                .orElse(null);
    }

    /** Whether the camera is there and has probed its device; looks once, as it may go away between two looks. */
    static boolean probed(ServiceAware<CameraService> cameras, String id) {
        CameraService camera = byId(cameras, id);
        return camera != null && !camera.info().sizes().isEmpty();
    }

    /**
     * Deletes the standalone chooser's configuration and every camera configuration, and waits until no camera is
     * left. The chooser, switched off, deletes the cameras it made itself: those may be gone before their turn.
     */
    static void removeAll(ConfigurationAdmin configurationAdmin, ServiceAware<CameraService> cameras)
            throws IOException, InvalidSyntaxException {
        for (String filter : new String[] {"(service.pid=dualstream.camera.standalone)",
                "(service.factoryPid=dualstream.camera.v4l2)", "(service.factoryPid=dualstream.camera.testpattern)"}) {
            Configuration[] configurations = configurationAdmin.listConfigurations(filter);
            for (Configuration configuration : configurations == null ? new Configuration[0] : configurations) {
                try {
                    configuration.delete();
                } catch (IllegalStateException alreadyDeleted) {
                    // by the chooser
                }
            }
        }
        Await.until("cameras gone", Duration.ofSeconds(10), () -> cameras.isEmpty());
    }
}
