package dualstream.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dualstream.camera.api.CameraInfo;
import dualstream.camera.api.CameraService;
import dualstream.camera.api.Orientation;
import dualstream.camera.api.Resolution;
import jakarta.json.spi.JsonProvider;

/** Registration against a stand-in Moonraker over real HTTP, which checks requests as Moonraker's docs define them. */
class MoonrakerRegistrationTest {

    /** What the stand-in received: method, path with query, body. */
    record Received(String method, String target, String body) {
    }

    final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger refuseNext = new AtomicInteger();
    final AtomicInteger uids = new AtomicInteger();
    /** The uid the stand-in gives, as JSON text, from the count of registrations; Moonraker's are UUIDs. */
    volatile java.util.function.IntFunction<String> uidText = n -> "\"uid-" + n + "\"";
    HttpServer moonraker;

    @BeforeEach
    void standIn() throws IOException {
        moonraker = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        moonraker.createContext("/server/webcams/item", this::answer);
        moonraker.start();
    }

    @AfterEach
    void stop() {
        moonraker.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(), body));
        String reply;
        int status;
        if (refuseNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            status = 503; // Moonraker starting, or down behind its proxy
            reply = "{\"error\": {\"code\": 503, \"message\": \"Service Unavailable\"}}";
        } else if (exchange.getRequestMethod().equals("POST")) {
            status = 200;
            reply = "{\"result\": {\"webcam\": {\"name\": \"x\", \"source\": \"database\", \"uid\": "
                    + uidText.apply(uids.incrementAndGet()) + "}}}";
        } else {
            status = 200;
            reply = "{\"result\": {\"webcam\": {}}}";
        }
        byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @SuppressWarnings("unchecked")
    private static <A> A proxy(Class<A> type, Map<String, Object> answers) {
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
            if (method.getName().equals("equals")) {
                return p == args[0];
            }
            if (method.getName().equals("hashCode")) {
                return System.identityHashCode(p);
            }
            if (answers.containsKey(method.getName())) {
                return answers.get(method.getName());
            }
            if (method.getReturnType() == boolean.class) {
                return false;
            }
            return method.isDefault() ? null : method.getDefaultValue();
        });
    }

    private MoonrakerRegistration registration() {
        MoonrakerRegistration.Config config = proxy(MoonrakerRegistration.Config.class, Map.of(
                "url", "http://127.0.0.1:" + moonraker.getAddress().getPort(),
                "publicUrl", "http://printer.local:8080",
                "retryMillis", 100L,
                "annotationType", MoonrakerRegistration.Config.class));
        return new MoonrakerRegistration(config, proxy(Logger.class, Map.of()), JsonProvider.provider());
    }

    private static CameraService camera(String id) {
        return camera(id, Orientation.Applied.NONE);
    }

    private static CameraService camera(String id, Orientation.Applied orientation) {
        return proxy(CameraService.class, Map.of(
                "info", new CameraInfo(id, "/dev/video0", "uvcvideo", "C920", List.of("MJPG"),
                        List.of(new Resolution(640, 480))),
                "targetFps", 30,
                "streamSize", new Resolution(640, 480),
                "orientation", orientation));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private long count(String method) {
        synchronized (received) {
            return received.stream().filter(r -> r.method().equals(method)).count();
        }
    }

    @Test
    void registersEachCameraRetriesWhileMoonrakerIsDownAndRemovesWhatGoes() throws Exception {
        refuseNext.set(2);
        MoonrakerRegistration registration = registration();
        CameraService nozzle = camera("nozzle");
        registration.addCamera(nozzle);
        await("the registration, after two refusals", () -> uids.get() == 1);
        assertThat(count("POST")).as("tries until Moonraker answers").isEqualTo(3);

        Received post;
        synchronized (received) {
            post = received.get(received.size() - 1);
        }
        assertThat(post.target()).isEqualTo("/server/webcams/item");
        assertTheWebcamEntry(post.body());

        registration.addCamera(camera("bed"));
        await("the second camera", () -> uids.get() == 2);
        registration.removeCamera(nozzle);
        await("the first camera removed", () -> count("DELETE") == 1);
        synchronized (received) {
            assertThat(received.get(received.size() - 1).target()).isEqualTo("/server/webcams/item?uid=uid-1");
        }
        registration.deactivate();
        assertThat(count("DELETE")).as("everything it registered is removed when it goes").isEqualTo(2);
        synchronized (received) {
            assertThat(received.get(received.size() - 1).target()).isEqualTo("/server/webcams/item?uid=uid-2");
        }
    }

    /** The fields Moonraker's "Add or update a webcam" takes, with the types it defines. */
    private static void assertTheWebcamEntry(String body) {
        assertThat(body).contains("\"name\":\"dualstream-nozzle\"", "\"service\":\"mjpegstreamer\"",
                "\"location\":\"printer\"", "\"enabled\":true", "\"target_fps\":30",
                "\"stream_url\":\"http://printer.local:8080/stream?camera=nozzle\"",
                "\"snapshot_url\":\"http://printer.local:8080/snapshot/stream?camera=nozzle\"",
                "\"aspect_ratio\":\"4:3\"",
                "\"extra_data\":{\"full_resolution_snapshot_url\":\"http://printer.local:8080/snapshot?camera=nozzle\"");
        assertThat(body).doesNotContain("\"uid\"");
    }

    @Test
    void aTurnedCameraIsAnnouncedUprightWithTheShapeItIsShownIn() throws Exception {
        MoonrakerRegistration registration = registration();
        Orientation quarter = new Orientation(90, true, false);
        registration.addCamera(camera("nozzle", Orientation.Applied.of(quarter, false, false)));
        await("the registration", () -> uids.get() == 1);
        String body;
        synchronized (received) {
            body = received.stream().filter(r -> r.target().equals("/server/webcams/item")).findFirst().orElseThrow()
                    .body();
        }
        assertThat(body).contains("\"rotation\":0", "\"flip_horizontal\":false", "\"flip_vertical\":false",
                "\"aspect_ratio\":\"3:4\"");
        registration.deactivate();
    }

    /** The uid as JSON defines the answer's text, escapes included: what Moonraker then finds to delete. */
    @Test
    void readsTheUidFromTheAnswerAsJson() throws Exception {
        uidText = n -> "\"a\\\"b\\u00e9/\\/" + n + "\"";
        MoonrakerRegistration registration = registration();
        registration.addCamera(camera("nozzle"));
        await("the registration", () -> uids.get() == 1);
        registration.deactivate();
        assertThat(count("DELETE")).isEqualTo(1);
        synchronized (received) {
            assertThat(received.get(received.size() - 1).target())
                    .isEqualTo("/server/webcams/item?uid=a%22b%C3%A9%2F%2F1");
        }
    }

    @Test
    void anAnswerWithoutTheUidWhereMoonrakerPutsItIsNoRegistration() throws Exception {
        // A uid elsewhere is not the webcam's: the registration is tried again, as when Moonraker is down.
        uidText = n -> n == 1 ? "null, \"previous\": {\"uid\": \"decoy\"}" : "\"uid-" + n + "\"";
        MoonrakerRegistration registration = registration();
        registration.addCamera(camera("nozzle"));
        await("the registration, tried again", () -> uids.get() == 2);
        registration.deactivate();
        synchronized (received) {
            assertThat(received.get(received.size() - 1).target()).isEqualTo("/server/webcams/item?uid=uid-2");
        }
    }
}
