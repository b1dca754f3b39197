package dualstream.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One stream viewer on a shared selector, parsed as bytes arrive: part headers read, JPEG bodies skipped, so that one
 * thread drives hundreds of viewers and the load costs the same for both servers.
 */
final class StreamClient {
    final SocketChannel channel;
    private final StringBuilder header = new StringBuilder();
    private final List<Long> latencies;
    private long bodyLeft;
    private long bodyLength;
    private long timestamp;
    /** Frames whole since counting began. */
    int frames;
    /** Their JPEG bytes. */
    long bytes;
    /** Whether frames count, and their latency (receipt against X-Timestamp, microseconds) goes to the list. */
    boolean counting;
    /** Every whole frame's X-Timestamp, counted or not. */
    final List<Long> stamps = new ArrayList<>();

    private StreamClient(SocketChannel channel, List<Long> latencies) {
        this.channel = channel;
        this.latencies = latencies;
    }

    /** A stream viewer connected and registered for reading on the selector; its latencies go to that list. */
    static StreamClient open(Server server, Selector selector, List<Long> latencies) throws IOException {
        SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port));
        channel.write(ByteBuffer.wrap(("GET " + Server.STREAM + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)));
        channel.configureBlocking(false);
        StreamClient client = new StreamClient(channel, latencies);
        channel.register(selector, SelectionKey.OP_READ, client);
        return client;
    }

    /** Reads whatever the selector's viewers are sent, for this long. */
    static void pump(Selector selector, ByteBuffer buffer, long nanos) throws IOException {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            for (SelectionKey key : selector.selectedKeys()) {
                StreamClient client = (StreamClient) key.attachment();
                buffer.clear();
                if (client.channel.read(buffer) < 0) {
                    key.cancel();
                    continue;
                }
                buffer.flip();
                client.consume(buffer);
            }
            selector.selectedKeys().clear();
        }
    }

    private void consume(ByteBuffer data) {
        while (data.hasRemaining()) {
            if (bodyLeft > 0) {
                int skip = (int) Math.min(bodyLeft, data.remaining());
                data.position(data.position() + skip);
                bodyLeft -= skip;
                if (bodyLeft == 0) {
                    frameEnded();
                }
                continue;
            }
            char c = (char) (data.get() & 0xFF);
            header.append(c);
            int n = header.length();
            if (c == '\n' && n >= 4 && header.charAt(n - 2) == '\r' && header.charAt(n - 3) == '\n') {
                headerEnded();
                header.setLength(0);
            }
        }
    }

    private void frameEnded() {
        long received = HttpAnswer.nowMicros();
        stamps.add(timestamp);
        if (counting) {
            frames++;
            bytes += bodyLength;
            latencies.add(received - timestamp);
        }
    }

    private void headerEnded() {
        Map<String, String> fields = HttpAnswer.headers(header.toString());
        long contentLength = fields.containsKey("content-length") ? Long.parseLong(fields.get("content-length")) : -1;
        if (fields.containsKey("x-timestamp")) {
            timestamp = (long) (Double.parseDouble(fields.get("x-timestamp")) * 1_000_000);
        }
        if (contentLength > 0 && header.indexOf("image/jpeg") >= 0) {
            bodyLeft = contentLength;
            bodyLength = contentLength;
        }
    }
}
