/**
 * What every dualstream servlet shares: the servlet context they select, request parsing and response headers.
 */
@Export
@Version("1.0.0")
package dualstream.http.support;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
