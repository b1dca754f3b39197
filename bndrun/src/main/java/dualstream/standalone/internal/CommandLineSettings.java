package dualstream.standalone.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.Properties;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The standalone's settings as ordinary configurations: one per file in {@code OSGI-INF/settings/}, named by PID,
 * whose values name system properties ({@code $[prop:dualstream.fps;default=]}) that ConfigAdmin's interpolation
 * plugin resolves when it hands them out. So {@code -Ddualstream.fps=15} and a gateway's ConfigAdmin configure the
 * same components. A service only so that the deploy folder, which starts those components, waits for it.
 */
@Component(service = CommandLineSettings.class)
public final class CommandLineSettings {

    static final String FOLDER = "OSGI-INF/settings";

    @Activate
    public CommandLineSettings(BundleContext context, @Reference ConfigurationAdmin configurationAdmin)
            throws IOException {
        Enumeration<URL> files = context.getBundle().findEntries(FOLDER, "*.properties", false);
        for (URL file : files == null ? Collections.<URL>emptyList() : Collections.list(files)) {
            String name = file.getPath().substring(file.getPath().lastIndexOf('/') + 1);
            Configuration configuration = configurationAdmin.getConfiguration(
                    name.substring(0, name.length() - ".properties".length()), "?");
            configuration.updateIfDifferent(read(file));
        }
    }

    static Dictionary<String, Object> read(URL file) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = file.openStream(); Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Dictionary<String, Object> values = new Hashtable<>();
        properties.stringPropertyNames().forEach(key -> values.put(key, properties.getProperty(key)));
        return values;
    }
}
