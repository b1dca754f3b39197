/**
 * Finding out what a V4L2 device node is, for runtimes that choose which cameras to serve.
 */
@Export
@Version("2.0.0")
package dualstream.camera.v4l2;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
