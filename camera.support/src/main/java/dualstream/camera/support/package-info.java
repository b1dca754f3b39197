/**
 * Building blocks shared by camera implementations, so every camera honours the {@code CameraService} contract the
 * same way.
 */
@Export
@Version("2.3.0")
package dualstream.camera.support;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
