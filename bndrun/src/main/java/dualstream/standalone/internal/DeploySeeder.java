package dualstream.standalone.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Puts the dualstream bundles carried in this jar into the {@code deploy/} folder that File Install watches, so that
 * File Install owns them and a newer jar dropped there later updates one in place. A bundle already there in the
 * same or a newer version is left alone: what the user dropped wins.
 */
@Component(service = {})
public final class DeploySeeder {

    static final String DIRECTORY_PROPERTY = "felix.fileinstall.dir";

    @Activate
    public DeploySeeder(BundleContext context, @Reference(service = LoggerFactory.class) Logger log)
            throws IOException {
        String configured = context.getProperty(DIRECTORY_PROPERTY);
        Path deploy = Path.of(configured == null ? "deploy" : configured).toAbsolutePath();
        Files.createDirectories(deploy);
        Enumeration<URL> carried = context.getBundle().findEntries("deploy", "*.jar", false);
        int copied = 0;
        while (carried != null && carried.hasMoreElements()) {
            URL jar = carried.nextElement();
            if (seed(jar, deploy)) {
                copied++;
            }
        }
        log.info("deploy folder {}: {} bundles placed; drop newer bundle jars or .cfg files there to update live",
                deploy, copied);
    }

    private static boolean seed(URL jar, Path deploy) throws IOException {
        Identity carried;
        try (InputStream in = jar.openStream()) {
            carried = Identity.of(in);
        }
        Path target = deploy.resolve(jar.getPath().substring(jar.getPath().lastIndexOf('/') + 1));
        try (DirectoryStream<Path> present = Files.newDirectoryStream(deploy, "*.jar")) {
            for (Path existing : present) {
                Identity other;
                try (InputStream in = Files.newInputStream(existing)) {
                    other = Identity.of(in);
                }
                if (other != null && other.symbolicName().equals(carried.symbolicName())) {
                    if (other.version().compareTo(carried.version()) >= 0) {
                        return false;
                    }
                    target = existing;
                }
            }
        }
        try (InputStream in = jar.openStream()) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return true;
    }

    record Identity(String symbolicName, Version version) {
        static Identity of(InputStream jar) throws IOException {
            try (JarInputStream in = new JarInputStream(jar)) {
                Manifest manifest = in.getManifest();
                String name = manifest == null ? null : manifest.getMainAttributes().getValue("Bundle-SymbolicName");
                if (name == null) {
                    return null;
                }
                String version = manifest.getMainAttributes().getValue("Bundle-Version");
                return new Identity(name.split(";")[0].trim(), Version.parseVersion(version));
            }
        }
    }
}
