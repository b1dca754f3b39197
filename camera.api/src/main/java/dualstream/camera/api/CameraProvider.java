package dualstream.camera.api;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Serves cameras of one kind from {@link CameraSetup}s: the one place that knows how that kind of camera is configured,
 * so that a runtime choosing cameras (the standalone's hotplug) never writes another bundle's configuration.
 * <p>
 * Registered with the service property {@value #KIND}, the name of the {@link CameraKind} it serves.
 */
@ProviderType
public interface CameraProvider {

    /** Service property: the {@link CameraKind#name()} of the cameras a provider serves. */
    String KIND = "dualstream.camera.kind";

    /**
     * Serves the camera, or brings the one served under its id up to date, marked as set up by {@code owner}. Settings
     * this kind of camera does not declare are left out: see {@link #refusals(Map)}.
     *
     * @throws IOException when the camera's configuration cannot be stored
     */
    void serve(String owner, CameraSetup setup) throws IOException;

    /** Stops serving the camera {@code owner} set up under this id; nothing when there is none. */
    void withdraw(String owner, String id) throws IOException;

    /** The cameras {@code owner} set up that are still served, with their settings: to take back after a restart. */
    List<CameraSetup> setups(String owner) throws IOException;

    /**
     * Why this kind of camera would refuse each of these settings, by name: one it does not have, or a value it does
     * not accept. Empty when it takes them all.
     */
    Map<String, String> refusals(Map<String, ?> settings);
}
