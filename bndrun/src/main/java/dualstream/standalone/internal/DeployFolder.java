package dualstream.standalone.internal;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.zip.CRC32;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The standalone runtime's {@code deploy/} folder: what it holds is what runs. The dualstream bundles carried in this
 * jar are placed there at start (one already there in the same or a newer version is left alone: what the user
 * dropped wins). A jar copied there is installed and started, a changed one updates its bundle in place, a deleted
 * one is uninstalled; a {@code .cfg} file is a configuration ({@code pid.cfg}, or {@code factoryPid-name.cfg} for a
 * factory configuration), removed with its file.
 * <p>
 * The folder is watched (inotify), not polled: an idle runtime does not wake up for it, and a bundle is started as
 * soon as it is there rather than a poll later.
 */
@Component(service = {})
public final class DeployFolder {

    static final String DIRECTORY_PROPERTY = "dualstream.deploy.dir";
    /** On the configurations made from files: the file's name, so that its removal, even while stopped, undoes them. */
    static final String FILE = "dualstream.deploy.file";
    /** A copy writes a file in many steps: the folder is looked at once it has been quiet this long. */
    static final long QUIET_MILLIS = 200;
    private static final String CHECKSUMS = "deployed.properties";

    private final BundleContext context;
    private final ConfigurationAdmin configurationAdmin;
    private final Logger log;
    private final Path deploy;
    private final String locationPrefix;
    private final WatchService watch;
    private final Thread thread;
    /** The content each managed bundle was installed or updated from, by location. */
    private final Map<String, Long> checksums = new HashMap<>();
    /** What was said about a file that could not be used, so that it is said once while the file stays so. */
    private final Map<String, String> told = new HashMap<>();

    @Activate
    public DeployFolder(BundleContext context, @Reference ConfigurationAdmin configurationAdmin,
            @Reference CommandLineSettings applied, @Reference(service = LoggerFactory.class) Logger log)
            throws IOException {
        // The command line's settings are configurations before the bundles that use them start.
        this.context = context;
        this.configurationAdmin = configurationAdmin;
        this.log = log;
        String configured = context.getProperty(DIRECTORY_PROPERTY);
        this.deploy = Path.of(configured == null ? "deploy" : configured).toAbsolutePath().normalize();
        Files.createDirectories(deploy);
        this.locationPrefix = deploy.toUri().toString();
        int placed = seed();
        loadChecksums();
        this.watch = FileSystems.getDefault().newWatchService();
        deploy.register(watch, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
        log.info("deploy folder {}: {} bundles placed; drop newer bundle jars or .cfg files there to update live",
                deploy, placed);
        this.thread = new Thread(this::run, "dualstream-deploy");
        thread.setDaemon(true);
        thread.start();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        try {
            watch.close(); // wakes the thread from its wait
        } catch (IOException e) {
            log.warn("cannot stop watching {}: {}", deploy, e.getMessage());
        }
        thread.interrupt();
        thread.join(10_000);
    }

    private void run() {
        try {
            while (true) {
                sync();
                WatchKey key = watch.take();
                do {
                    key.pollEvents();
                    key.reset();
                    key = watch.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS);
                } while (key != null);
            }
        } catch (ClosedWatchServiceException | InterruptedException deactivated) {
            // the thread ends
        }
    }

    /** Makes the framework and ConfigAdmin hold what the folder holds now. */
    void sync() throws InterruptedException {
        try {
            List<Path> jars = files("*.jar");
            List<Path> configurations = files("*.cfg");
            syncBundles(jars);
            syncConfigurations(configurations);
            saveChecksums();
            List<String> present = new ArrayList<>();
            jars.forEach(jar -> present.add(jar.getFileName().toString()));
            configurations.forEach(file -> present.add(file.getFileName().toString()));
            told.keySet().retainAll(present);
        } catch (IOException | RuntimeException e) {
            if (!Thread.currentThread().isInterrupted()) {
                log.error("cannot look at {}: {}", deploy, e.getMessage(), e);
            }
        }
    }

    private void syncBundles(List<Path> jars) throws InterruptedException {
        Map<String, Bundle> managed = managed();
        List<Bundle> changed = new ArrayList<>();
        Map<String, Path> files = new HashMap<>();
        jars.forEach(jar -> files.put(jar.toUri().toString(), jar));
        for (Map.Entry<String, Bundle> bundle : managed.entrySet()) {
            if (!files.containsKey(bundle.getKey())) {
                try {
                    bundle.getValue().uninstall();
                    log.info("Uninstalled bundle {}: its file is gone", bundle.getValue().getSymbolicName());
                    changed.add(bundle.getValue());
                } catch (BundleException | IllegalStateException e) {
                    log.warn("cannot uninstall {}: {}", bundle.getValue().getSymbolicName(), e.getMessage());
                }
                checksums.remove(bundle.getKey());
            }
        }
        for (Map.Entry<String, Path> file : files.entrySet()) {
            String location = file.getKey();
            String name = file.getValue().getFileName().toString();
            long checksum;
            try {
                checksum = checksum(file.getValue());
            } catch (IOException e) {
                continue; // gone meanwhile: the next event says so
            }
            Bundle bundle = managed.get(location);
            if (bundle != null && Long.valueOf(checksum).equals(checksums.get(location))) {
                continue;
            }
            try (InputStream in = Files.newInputStream(file.getValue())) {
                if (bundle == null) {
                    bundle = context.installBundle(location, in);
                    log.info("Installed bundle {} {} from {}", bundle.getSymbolicName(), bundle.getVersion(), name);
                } else {
                    bundle.update(in);
                    log.info("Updated bundle {} to {} from {}", bundle.getSymbolicName(), bundle.getVersion(), name);
                    changed.add(bundle);
                }
                checksums.put(location, checksum);
                told.remove(name);
            } catch (IOException | BundleException | IllegalStateException e) {
                // A jar still being copied fails too: its next write brings it back here.
                say(name, name + " is not a bundle that can be installed (yet): " + e.getMessage());
            }
        }
        if (!changed.isEmpty()) {
            refresh(changed);
        }
        List<Bundle> bundles = new ArrayList<>(managed().values());
        context.getBundle(0).adapt(FrameworkWiring.class).resolveBundles(bundles);
        for (Bundle bundle : bundles) {
            if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null
                    || (bundle.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0) {
                continue;
            }
            String name = Path.of(bundle.getLocation().substring(locationPrefix.length())).toString();
            try {
                bundle.start();
            } catch (BundleException | IllegalStateException e) {
                // Perhaps a bundle it needs is yet to come: tried again at the folder's next change.
                say(name, "cannot start " + bundle.getSymbolicName() + ": " + e.getMessage());
            }
        }
    }

    /** The bundles installed from this folder, by location. */
    private Map<String, Bundle> managed() {
        Map<String, Bundle> managed = new TreeMap<>();
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getLocation().startsWith(locationPrefix)) {
                managed.put(bundle.getLocation(), bundle);
            }
        }
        return managed;
    }

    /** Rewires what used the old revisions, as an update or uninstall leaves them in use until then. */
    private void refresh(List<Bundle> changed) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(changed, event -> {
            if (event.getType() == FrameworkEvent.ERROR) {
                log.warn("refreshing after a deploy: {}", String.valueOf(event.getThrowable()));
            }
            done.countDown();
        });
        if (!done.await(60, TimeUnit.SECONDS)) {
            log.warn("the framework has not finished refreshing after a deploy within 60 s");
        }
    }

    private void syncConfigurations(List<Path> files) throws IOException {
        Map<String, Path> byName = new HashMap<>();
        files.forEach(file -> byName.put(file.getFileName().toString(), file));
        for (Configuration configuration : configurations("(" + FILE + "=*)")) {
            Object file = configuration.getProperties() == null ? null : configuration.getProperties().get(FILE);
            if (!byName.containsKey(String.valueOf(file))) {
                String pid = configuration.getPid();
                configuration.delete();
                log.info("Removed configuration {}: {} is gone", pid, file);
            }
        }
        for (Map.Entry<String, Path> file : new TreeMap<>(byName).entrySet()) {
            String name = file.getKey();
            String pid = name.substring(0, name.length() - ".cfg".length());
            Dictionary<String, Object> properties = new Hashtable<>();
            try (Reader in = Files.newBufferedReader(file.getValue(), StandardCharsets.UTF_8)) {
                Properties read = new Properties();
                read.load(in);
                read.forEach((key, value) -> properties.put(key.toString(), value.toString().trim()));
            } catch (IOException | IllegalArgumentException e) {
                say(name, name + " cannot be read: " + e.getMessage());
                continue;
            }
            properties.put(FILE, name);
            int dash = pid.indexOf('-');
            try {
                Configuration configuration = dash > 0
                        ? configurationAdmin.getFactoryConfiguration(pid.substring(0, dash), pid.substring(dash + 1),
                                "?")
                        : configurationAdmin.getConfiguration(pid, "?");
                if (configuration.updateIfDifferent(properties)) {
                    log.info("Configured {} from {}", configuration.getPid(), name);
                }
                told.remove(name);
            } catch (IOException | IllegalArgumentException | IllegalStateException e) {
                say(name, name + " cannot be applied: " + e.getMessage());
            }
        }
    }

    private void say(String file, String what) {
        if (!what.equals(told.put(file, what))) {
            log.warn("{}", what);
        }
    }

    private List<Path> files(String glob) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(deploy, glob)) {
            for (Path entry : entries) {
                if (Files.isRegularFile(entry)) {
                    found.add(entry);
                }
            }
        }
        found.sort(null);
        return found;
    }

    private Configuration[] configurations(String filter) throws IOException {
        try {
            Configuration[] found = configurationAdmin.listConfigurations(filter);
            return found == null ? new Configuration[0] : found;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static long checksum(Path file) throws IOException {
        CRC32 crc = new CRC32();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[65536];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                crc.update(buffer, 0, n);
            }
        }
        return crc.getValue();
    }

    /** Where the framework's storage is kept across starts, so are the checksums: a jar changed meanwhile updates. */
    private void loadChecksums() {
        Path file = dataFile();
        if (file == null || !Files.isRegularFile(file)) {
            return;
        }
        Properties saved = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            saved.load(in);
            saved.forEach((location, checksum) -> checksums.put(location.toString(), Long.valueOf(checksum.toString())));
        } catch (IOException | IllegalArgumentException e) {
            log.warn("cannot read {}: {}; every deployed bundle is updated from its file", file, e.getMessage());
        }
    }

    private void saveChecksums() throws IOException {
        Path file = dataFile();
        if (file == null) {
            return;
        }
        Properties saved = new Properties();
        checksums.forEach((location, checksum) -> saved.setProperty(location, Long.toString(checksum)));
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            saved.store(out, null);
        }
    }

    private Path dataFile() {
        java.io.File file = context.getDataFile(CHECKSUMS);
        return file == null ? null : file.toPath();
    }

    /** Places the carried bundles; how many were copied. */
    private int seed() throws IOException {
        Map<Path, Identity> present = new HashMap<>();
        for (Path existing : files("*.jar")) {
            try (InputStream in = Files.newInputStream(existing)) {
                Identity identity = Identity.of(in);
                if (identity != null) {
                    present.put(existing, identity);
                }
            } catch (IOException unreadable) {
                // not a jar: replaced by nothing, reported when installing it fails
            }
        }
        Enumeration<URL> carried = context.getBundle().findEntries("deploy", "*.jar", false);
        int copied = 0;
        while (carried != null && carried.hasMoreElements()) {
            if (seed(carried.nextElement(), present)) {
                copied++;
            }
        }
        return copied;
    }

    private boolean seed(URL jar, Map<Path, Identity> present) throws IOException {
        Identity carried;
        try (InputStream in = jar.openStream()) {
            carried = Identity.of(in);
        }
        Path target = deploy.resolve(jar.getPath().substring(jar.getPath().lastIndexOf('/') + 1));
        for (Map.Entry<Path, Identity> other : present.entrySet()) {
            if (other.getValue().symbolicName().equals(carried.symbolicName())) {
                if (other.getValue().version().compareTo(carried.version()) >= 0) {
                    return false;
                }
                target = other.getKey();
            }
        }
        // Written beside and moved in, so the folder never holds half a jar.
        Path partial = Files.createTempFile(deploy, ".seed", ".part");
        try (InputStream in = jar.openStream()) {
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
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
