package dualstream.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.annotation.Property;
import org.osgi.test.common.annotation.config.WithFactoryConfiguration;
import org.osgi.test.common.service.ServiceAware;
import org.osgi.test.junit5.cm.ConfigurationExtension;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

import dualstream.camera.api.CameraService;
import dualstream.test.support.Await;

/**
 * How stream connections end, over raw sockets: whatever way a viewer goes, or stops reading, its socket and its
 * request are released; nothing a client sends makes the server answer 5xx.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class, ConfigurationExtension.class})
@WithFactoryConfiguration(factoryPid = "dualstream.camera.testpattern", name = "connections", location = "?",
        properties = {
                @Property(key = "camera.id", value = "0"),
                // Parts of some size: a viewer that takes nothing fills the socket buffers sooner.
                @Property(key = "streamSize", value = "640x480"),
                @Property(key = "stillSize", value = "800x600"),
                @Property(key = "fps", value = "30")})
class ConnectionsTest {

    static final int VIEWERS = 100;

    @InjectBundleContext
    BundleContext context;

    @InjectService
    ConfigurationAdmin configurationAdmin;

    @InjectService(timeout = 10_000)
    ServiceAware<CameraService> cameras;

    @InjectService(timeout = 10_000)
    ServiceAware<HttpServiceRuntime> runtime;

    URI base;

    @BeforeEach
    void servletsAreUp() {
        base = Http.ready(runtime, "dualstream-stream", "dualstream-snapshot", "dualstream-page", "dualstream-state");
    }

    private Socket connect(String path) throws IOException {
        Socket socket = new Socket(base.getHost(), base.getPort());
        socket.setSoTimeout(20_000);
        socket.getOutputStream().write(("GET /" + path + " HTTP/1.1\r\nHost: " + base.getHost()
                + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    /** Reads until the first part's JPEG has begun: the stream is established and writing. */
    private static void readIntoFirstPart(InputStream in) throws IOException {
        byte[] marker = "image/jpeg".getBytes(StandardCharsets.US_ASCII);
        int matched = 0;
        int seen = 0;
        while (matched < marker.length) {
            int b = in.read();
            if (b < 0 || ++seen > 1_000_000) {
                throw new IOException("no part in the stream");
            }
            matched = b == marker[matched] ? matched + 1 : (b == marker[0] ? 1 : 0);
        }
    }

    private static long openFds() throws IOException {
        try (var entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.count();
        }
    }

    private int clients() {
        return cameras.getService().statistics().clients();
    }

    @Test
    void viewersThatLeaveReleaseTheirSocketsHoweverTheyLeave() throws Exception {
        long baseline = openFds();
        for (String path : new String[] {"stream", "?action=stream"}) {
            for (int i = 0; i < VIEWERS; i++) {
                try (Socket socket = connect(path)) {
                    readIntoFirstPart(socket.getInputStream());
                    if (i % 2 == 0) {
                        socket.setSoLinger(true, 0); // half of them reset the connection instead of closing it
                    }
                }
            }
        }
        // A stream held open by the server keeps its socket: 2 x 100 of them would show here.
        Await.until("every stream released (fds back to " + baseline + ")", Duration.ofSeconds(20),
                () -> fdsAtMost(baseline + 10) && clients() == 0);
    }

    private static boolean fdsAtMost(long limit) {
        try {
            return openFds() <= limit;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aViewerThatTakesNothingIsCutWhileAReadingOneStreamsOn() throws Exception {
        Configuration stream = configurationAdmin.getConfiguration("dualstream.stream", "?");
        Dictionary<String, Object> settings = new Hashtable<>();
        settings.put("clientTimeoutMillis", 1000L);
        stream.update(settings);
        List<Socket> stuck = new ArrayList<>();
        try {
            Await.until("the reconfigured stream servlet in service", Duration.ofSeconds(10),
                    () -> servesStreamWith("(clientTimeoutMillis=1000)"));
            for (int i = 0; i < 5; i++) {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(4096); // fills at once: the server's writes back up quickly
                socket.connect(new InetSocketAddress(base.getHost(), base.getPort()));
                socket.getOutputStream().write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                stuck.add(socket);
            }
            try (Socket reader = connect("stream")) {
                InputStream in = reader.getInputStream();
                readIntoFirstPart(in);
                Await.until("only the reading viewer left", Duration.ofSeconds(60), () -> clients() == 1);
                for (Socket socket : stuck) {
                    assertThat(endsWithin(socket)).as("the stuck viewer's connection was closed").isTrue();
                }
                readIntoFirstPart(in); // the reading one still gets parts
            }
        } finally {
            for (Socket socket : stuck) {
                socket.close();
            }
            stream.delete();
        }
        // Back means streaming again, on both routes: the runtime DTO can list a servlet a moment before it serves.
        Await.until("the stream servlet back to its defaults", Duration.ofSeconds(10),
                () -> servesStreamWith("(!(clientTimeoutMillis=1000))") && streams("stream")
                        && streams("?action=stream"));
    }

    private boolean streams(String path) {
        try (Socket socket = connect(path)) {
            socket.setSoTimeout(2000);
            readIntoFirstPart(socket.getInputStream());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether the Whiteboard serves the stream servlet registered with these properties (and only that one). */
    private boolean servesStreamWith(String filter) {
        try {
            ServiceReference<?>[] servlets = context.getServiceReferences("javax.servlet.Servlet",
                    "(&(osgi.http.whiteboard.servlet.name=dualstream-stream)" + filter + ")");
            if (servlets == null) {
                return false;
            }
            long id = (Long) servlets[0].getProperty(Constants.SERVICE_ID);
            return Arrays.stream(runtime.getService().getRuntimeDTO().servletContextDTOs)
                    .flatMap(c -> Arrays.stream(c.servletDTOs)).filter(s -> "dualstream-stream".equals(s.name))
                    .allMatch(s -> s.serviceId == id)
                    && Http.serves(runtime.getService(), "dualstream-stream");
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Drains what the server had sent: true if the connection then ends (closed or reset), not if it stays open. */
    private static boolean endsWithin(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        byte[] buffer = new byte[65536];
        try {
            while (socket.getInputStream().read(buffer) >= 0) {
                // what was in flight before the cut
            }
            return true;
        } catch (SocketException reset) {
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        }
    }

    @Test
    void malformedRequestsAre4xxWithOneLineAndNoTrace() throws Exception {
        String[] paths = {"snapshot?action=x", "stream?action=x", "stream?action=", "snapshot?action=stream",
                "?action=%zz", "stream?fps=%", "snapshot?camera=%G0", "?action=%ff%fe", "state?x=%zz",
                "?action=command&id=%", "input_1x.json", "stream?fps=99999999999999999999", "stream?camera=%00"};
        for (String path : paths) {
            try (Socket socket = connect(path)) {
                String response = new String(socket.getInputStream().readNBytes(4096), StandardCharsets.ISO_8859_1);
                int status = Integer.parseInt(response.substring(9, 12));
                assertThat(status).as(path).isBetween(400, 499);
                String body = response.substring(response.indexOf("\r\n\r\n") + 4).strip();
                assertThat(body).as(path + ": a one-line reason").isNotEmpty().doesNotContain("\n")
                        .doesNotContain("Exception").doesNotContain("\tat ");
            } catch (SocketTimeoutException e) {
                throw new AssertionError(path + ": no answer", e);
            }
        }
        for (String method : new String[] {"TRACE", "PUT", "DELETE", "FOO", "POST"}) {
            HttpResponse<String> response = Http.CLIENT.send(HttpRequest
                    .newBuilder(base.resolve("state")).method(method, HttpRequest.BodyPublishers.noBody())
                    .header("X-Secret", "echo-me").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(method).isEqualTo(405);
            assertThat(response.body()).as(method).doesNotContain("echo-me");
        }
    }

    @Test
    void headOfTheSnapshotTakesNoStill() throws Exception {
        long stills = cameras.getService().statistics().stills();
        for (String path : new String[] {"snapshot", "?action=snapshot"}) {
            HttpResponse<byte[]> head = Http.CLIENT.send(HttpRequest
                    .newBuilder(base.resolve(path)).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(head.statusCode()).as(path).isEqualTo(200);
            assertThat(head.headers().firstValue("Content-Type")).as(path).hasValue("image/jpeg");
        }
        assertThat(Http.get(base.resolve("snapshot")).statusCode()).isEqualTo(200);
        assertThat(cameras.getService().statistics().stills()).as("stills: the GET's only").isEqualTo(stills + 1);
    }
}
