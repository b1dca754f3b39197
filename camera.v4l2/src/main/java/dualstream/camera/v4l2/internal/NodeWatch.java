package dualstream.camera.v4l2.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dualstream.camera.support.FolderWatch;

/**
 * A camera's device node and the link to it (as in {@code /dev/v4l/by-id}) coming and going, through inotify: an idle
 * or unplugged camera needs no periodic ioctl to notice either. The folders of both are watched, since a replugged
 * camera may get another node.
 */
final class NodeWatch implements Closeable {

    private final FolderWatch watch;
    private final Thread thread;

    private NodeWatch(FolderWatch watch, Runnable changed, String name) {
        this.watch = watch;
        this.thread = new Thread(() -> {
            try {
                while (true) {
                    watch.update();
                    watch.await();
                    changed.run();
                }
            } catch (ClosedWatchServiceException | InterruptedException | IOException closed) {
                // closed, or the folders cannot be watched: the camera's periodic look takes over
            }
        }, name);
        thread.setDaemon(true);
    }

    /**
     * Starts watching the folders of {@code device} and of what it links to; {@code changed} runs after each burst
     * of entries coming or going there.
     *
     * @throws IOException when the system cannot watch them (no inotify, or its limits reached)
     */
    static NodeWatch start(String device, Runnable changed, String name) throws IOException {
        Set<Path> folders = new LinkedHashSet<>();
        Path path = Path.of(device).toAbsolutePath().normalize();
        if (path.getParent() != null) {
            folders.add(path.getParent());
        }
        try {
            Path node = path.toRealPath();
            if (node.getParent() != null) {
                folders.add(node.getParent());
            }
        } catch (IOException dangling) {
            if (Files.isSymbolicLink(path)) {
                Path target = path.resolveSibling(Files.readSymbolicLink(path)).normalize();
                if (target.getParent() != null) {
                    folders.add(target.getParent());
                }
            }
        }
        FolderWatch watch = new FolderWatch(List.copyOf(folders));
        try {
            watch.update();
        } catch (IOException e) {
            watch.close();
            throw e;
        }
        NodeWatch nodes = new NodeWatch(watch, changed, name);
        nodes.thread.start();
        return nodes;
    }

    /** Whether events still come: false once the folders could not be watched any more. */
    boolean watching() {
        return thread.isAlive();
    }

    @Override
    public void close() throws IOException {
        watch.close();
    }
}
