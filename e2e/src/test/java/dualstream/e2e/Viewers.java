package dualstream.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Many stream viewers on one selector thread, as the field brings them: each counts the parts it receives by their
 * boundaries, and notices when the server ends its connection.
 */
final class Viewers implements AutoCloseable {

    private static final byte[] BOUNDARY = "--boundarydonotcross".getBytes(StandardCharsets.US_ASCII);

    /** One connection's view of its stream. */
    static final class Viewer {
        final SocketChannel channel;
        int matched;
        long boundaries;
        long bytes;
        boolean ended;

        Viewer(SocketChannel channel) {
            this.channel = channel;
        }

        /** Whole parts seen: every part is followed by a boundary, and the stream opens with one. */
        long parts() {
            return Math.max(0, boundaries - 1);
        }

        void take(ByteBuffer data) {
            bytes += data.remaining();
            while (data.hasRemaining()) {
                byte b = data.get();
                if (b == BOUNDARY[matched]) {
                    if (++matched == BOUNDARY.length) {
                        boundaries++;
                        matched = 0;
                    }
                } else {
                    matched = b == BOUNDARY[0] ? 1 : 0;
                }
            }
        }
    }

    private final Selector selector;
    private final List<Viewer> viewers = new ArrayList<>();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);

    private Viewers() throws IOException {
        this.selector = Selector.open();
    }

    /**
     * Connects {@code count} viewers to {@code path}. With {@code receiveBuffer} > 0 they get that small a receive
     * buffer; with {@code reading} false they never read (the server's writes back up).
     */
    static Viewers open(URI base, String path, int count, int receiveBuffer, boolean reading) throws IOException {
        Viewers all = new Viewers();
        byte[] request = ("GET /" + path + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < count; i++) {
            SocketChannel channel = SocketChannel.open();
            if (receiveBuffer > 0) {
                channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
            }
            channel.connect(new InetSocketAddress(base.getHost(), base.getPort()));
            channel.write(ByteBuffer.wrap(request));
            channel.configureBlocking(false);
            Viewer viewer = new Viewer(channel);
            all.viewers.add(viewer);
            if (reading) {
                channel.register(all.selector, SelectionKey.OP_READ, viewer);
            }
        }
        return all;
    }

    List<Viewer> all() {
        return viewers;
    }

    /** Reads whatever arrives for this long. */
    void pump(Duration duration) throws IOException {
        pumpUntil(duration, () -> false);
    }

    /** Reads until the condition holds or the time is up; returns whether it held. */
    boolean pumpUntil(Duration limit, BooleanSupplier condition) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            selector.select(Math.max(1, Math.min(100, left / 1_000_000)));
            for (SelectionKey key : selector.selectedKeys()) {
                read((Viewer) key.attachment(), key);
            }
            selector.selectedKeys().clear();
        }
        return true;
    }

    private void read(Viewer viewer, SelectionKey key) {
        try {
            while (true) {
                buffer.clear();
                int n = viewer.channel.read(buffer);
                if (n < 0) {
                    end(viewer, key);
                    return;
                }
                if (n == 0) {
                    return;
                }
                buffer.flip();
                viewer.take(buffer);
            }
        } catch (IOException reset) {
            end(viewer, key);
        }
    }

    private static void end(Viewer viewer, SelectionKey key) {
        viewer.ended = true;
        key.cancel();
    }

    long minParts() {
        return viewers.stream().mapToLong(Viewer::parts).min().orElse(0);
    }

    long totalParts() {
        return viewers.stream().mapToLong(Viewer::parts).sum();
    }

    /**
     * For viewers that never read: whether the server has ended each connection. Drains what was in flight (bounded
     * by the socket buffers) and looks for the end.
     */
    long endedByServer(Duration wait) throws IOException {
        long ended = 0;
        for (Viewer viewer : viewers) {
            if (viewer.ended || drainsToEnd(viewer, wait)) {
                ended++;
            }
        }
        return ended;
    }

    private boolean drainsToEnd(Viewer viewer, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                buffer.clear();
                int n = viewer.channel.read(buffer);
                if (n < 0) {
                    return true;
                }
                if (n == 0) {
                    LockSupport.parkNanos(10_000_000);
                }
            }
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** Connects, reads one whole part, and leaves: by closing, or (every other time) by resetting the connection. */
    static void viewOnePart(URI base, String path, boolean reset) throws IOException {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            Viewers.Viewer counter = new Viewer(null);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            while (counter.parts() < 1) {
                int n = in.read(buffer);
                if (n < 0) {
                    throw new IOException(path + ": the stream ended before its first part");
                }
                counter.take(ByteBuffer.wrap(buffer, 0, n));
            }
            if (reset) {
                socket.setSoLinger(true, 0);
            }
        }
    }

    @Override
    public void close() throws IOException {
        for (Viewer viewer : viewers) {
            viewer.channel.close();
        }
        selector.close();
    }
}
