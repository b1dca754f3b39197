package dualstream.camera.support;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Entries coming and going in some folders, through inotify (cameras plugged in and out, their links and nodes): a folder that does not exist is watched through its
 * nearest existing ancestor until it does (udev creates {@code /dev/v4l/by-id} with the first camera).
 * <p>
 * Not thread-safe, except {@link #close()}: one thread updates and awaits.
 */
public final class FolderWatch implements Closeable {

    /** udev adds a camera's links and nodes in a burst: one look once it is over. */
    public static final Duration QUIET = Duration.ofMillis(150);
    /** A burst that does not end is looked at anyway. */
    public static final Duration BURST_LIMIT = Duration.ofSeconds(1);

    private final List<Path> folders;
    private final WatchService service;
    private Map<Path, WatchKey> keys = new HashMap<>();

    public FolderWatch(List<Path> folders) throws IOException {
        this.folders = folders.stream().map(folder -> folder.toAbsolutePath().normalize()).toList();
        this.service = FileSystems.getDefault().newWatchService();
    }

    /**
     * Watches each folder, or its nearest existing ancestor, as they are now; to be called before looking into them,
     * so that what changes after the look comes as an event.
     */
    public void update() throws IOException {
        Map<Path, WatchKey> wanted = new HashMap<>();
        for (Path folder : folders) {
            Path watched = nearestDirectory(folder);
            WatchKey key = keys.get(watched);
            while (key == null || !key.isValid()) {
                try {
                    // Only entries: modifications in /dev would be every write to a terminal or /dev/null.
                    key = watched.register(service, ENTRY_CREATE, ENTRY_DELETE);
                } catch (NoSuchFileException | NotDirectoryException removedMeanwhile) {
                    watched = nearestDirectory(watched.getParent());
                }
            }
            wanted.put(watched, key);
        }
        for (WatchKey key : keys.values()) {
            if (!wanted.containsValue(key)) { // one key per inode: two paths to one folder share it
                key.cancel();
            }
        }
        keys = wanted;
    }

    private static Path nearestDirectory(Path folder) {
        Path path = folder;
        while (path.getParent() != null && !Files.isDirectory(path)) {
            path = path.getParent();
        }
        return path;
    }

    /**
     * Blocks, with no timeout, until an entry comes or goes in a watched folder; then until the burst is over.
     *
     * @throws ClosedWatchServiceException when closed
     */
    public void await() throws InterruptedException {
        settle(service.take());
    }

    /**
     * Like {@link #await()}, waiting at most this long.
     *
     * @return whether anything changed
     */
    public boolean await(Duration timeout) throws InterruptedException {
        WatchKey key = service.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (key == null) {
            return false;
        }
        settle(key);
        return true;
    }

    private void settle(WatchKey first) throws InterruptedException {
        long end = System.nanoTime() + BURST_LIMIT.toNanos();
        WatchKey key = first;
        do {
            // Which entry does not matter, nor an OVERFLOW: the look that follows sees them all.
            key.pollEvents();
            key.reset(); // false for a folder deleted: the next update watches its ancestor
            long left = end - System.nanoTime();
            // What comes after the limit stays queued: the next await returns at once.
            key = left > 0 ? service.poll(Math.min(left, QUIET.toNanos()), TimeUnit.NANOSECONDS) : null;
        } while (key != null);
    }

    @Override
    public void close() throws IOException {
        service.close();
    }
}
