/**
 * The camera contract shared by every camera implementation and every consumer of frames.
 */
@Export
@Version("1.9.0")
package dualstream.camera.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
