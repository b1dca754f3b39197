package dualstream.web.internal;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dualstream.camera.api.CameraService;
import dualstream.camera.api.Resolution;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonPointer;
import jakarta.json.JsonReader;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonString;
import jakarta.json.JsonStructure;
import jakarta.json.JsonWriter;
import jakarta.json.JsonWriterFactory;
import jakarta.json.spi.JsonProvider;

/**
 * Registers every camera with Moonraker (Klipper's API server) as a webcam, so that Mainsail and Fluidd show it
 * without hand-written configuration; retried while Moonraker is down, removed when the camera or this goes.
 */
@Component(service = {}, configurationPid = MoonrakerRegistration.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = MoonrakerRegistration.Config.class)
public final class MoonrakerRegistration {

    static final String PID = "dualstream.moonraker";

    @ObjectClassDefinition(name = "dualstream in Moonraker",
            description = "Registers the cameras as Moonraker webcams (POST /server/webcams/item).")
    public @interface Config {
        @AttributeDefinition(name = "Moonraker URL", description = "e.g. http://127.0.0.1:7125")
        String url() default "http://127.0.0.1:7125";

        @AttributeDefinition(name = "dualstream's URL",
                description = "How the frontends' browsers reach dualstream, e.g. http://printer.local:8080/")
        String publicUrl();

        @AttributeDefinition(name = "Name prefix", description = "Webcams are named <prefix>-<camera id>.")
        String namePrefix() default "dualstream";

        // The leading dot keeps the key out of the service registry's properties.
        @AttributeDefinition(name = "API key", type = AttributeType.PASSWORD, required = false,
                description = "Moonraker's API key, when it requires one.")
        String _apiKey() default "";

        @AttributeDefinition(name = "Retry interval (ms)", min = "100",
                description = "How often to try again while Moonraker does not answer.")
        long retryMillis() default 5000;
    }

    private final Logger log;
    private final JsonProvider json;
    private final JsonWriterFactory writers;
    private final JsonReaderFactory readers;
    /** Where Moonraker's answer to a registration has the uid it gave the webcam. */
    private final JsonPointer uid;
    private final URI moonraker;
    private final String publicUrl;
    private final String namePrefix;
    private final String apiKey;
    private final long retryMillis;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<CameraService> cameras = new CopyOnWriteArrayList<>();
    /** Camera id to the uid Moonraker gave its webcam; touched only on the worker thread. */
    private final Map<String, String> registered = new HashMap<>();
    private final ScheduledExecutorService worker;
    private ScheduledFuture<?> retry;
    private boolean reportedDown;

    @Activate
    public MoonrakerRegistration(Config config, @Reference(service = LoggerFactory.class) Logger log,
            @Reference JsonProvider json) {
        this.log = log;
        this.json = json;
        this.writers = json.createWriterFactory(Map.of());
        this.readers = json.createReaderFactory(Map.of());
        this.uid = json.createPointer("/result/webcam/uid");
        String url = config.url().trim();
        this.moonraker = URI.create(url.endsWith("/") ? url : url + "/");
        String base = config.publicUrl() == null ? "" : config.publicUrl().trim();
        if (base.isEmpty()) {
            throw new IllegalArgumentException(PID + ": publicUrl is required (how browsers reach dualstream)");
        }
        this.publicUrl = base.endsWith("/") ? base : base + "/";
        this.namePrefix = config.namePrefix().trim();
        this.apiKey = config._apiKey();
        this.retryMillis = Math.max(100, config.retryMillis());
        ScheduledThreadPoolExecutor executor =
                new ScheduledThreadPoolExecutor(1, r -> new Thread(r, "dualstream-moonraker"));
        // Once deactivated, the last sync runs, but no retry waits to run after it.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.worker = executor;
        onWorker(this::sync);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeCamera")
    void addCamera(CameraService camera) {
        cameras.add(camera);
        onWorker(this::sync);
    }

    void removeCamera(CameraService camera) {
        cameras.remove(camera);
        onWorker(this::sync);
    }

    /** Removes what it registered, within a few seconds at most, so that frontends do not show dead cameras. */
    @Deactivate
    void deactivate() throws InterruptedException {
        cameras.clear();
        onWorker(this::sync);
        worker.shutdown();
        if (!worker.awaitTermination(5, TimeUnit.SECONDS)) {
            worker.shutdownNow();
        }
    }

    private void onWorker(Runnable task) {
        try {
            worker.execute(task);
        } catch (RejectedExecutionException stopped) {
            // deactivated: the last sync has run
        }
    }

    /** Brings Moonraker's list in line with the cameras present; tries again later if Moonraker does not answer. */
    private void sync() {
        try {
            Map<String, CameraService> present = new HashMap<>();
            cameras.forEach(camera -> present.put(camera.info().id(), camera));
            for (String id : List.copyOf(registered.keySet())) {
                if (!present.containsKey(id)) {
                    delete(registered.get(id));
                    registered.remove(id);
                }
            }
            for (CameraService camera : present.values()) {
                if (!registered.containsKey(camera.info().id())) {
                    registered.put(camera.info().id(), post(camera));
                }
            }
            if (reportedDown) {
                log.info("Moonraker at {} answers again: {} cameras registered", moonraker, registered.size());
                reportedDown = false;
            }
        } catch (IOException e) {
            if (!reportedDown) {
                log.warn("Moonraker at {}: {}; trying again every {} ms", moonraker, e.getMessage(), retryMillis);
                reportedDown = true;
            }
            if (retry == null && !worker.isShutdown()) {
                retry = worker.schedule(() -> {
                    retry = null;
                    sync();
                }, retryMillis, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The webcam entry as Moonraker's API defines it; returns the uid Moonraker assigned. */
    private String post(CameraService camera) throws IOException, InterruptedException {
        String id = camera.info().id();
        String query = "camera=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
        JsonObject entry = json.createObjectBuilder()
                .add("name", namePrefix + "-" + id)
                .add("location", "printer")
                .add("service", "mjpegstreamer")
                .add("enabled", true)
                .add("target_fps", camera.targetFps())
                .add("stream_url", publicUrl + "stream?" + query)
                // The still at the stream's size: frontends that poll it must not switch the camera's resolution.
                .add("snapshot_url", publicUrl + "snapshot/stream?" + query)
                .add("aspect_ratio", aspectRatio(camera))
                // The frames come turned already (by the camera or their EXIF orientation): a frontend that turned
                // them again would show them wrong.
                .add("rotation", 0).add("flip_horizontal", false).add("flip_vertical", false)
                .add("extra_data", json.createObjectBuilder()
                        .add("full_resolution_snapshot_url", publicUrl + "snapshot?" + query)
                        .add("source", "dualstream"))
                .build();
        StringWriter body = new StringWriter();
        try (JsonWriter writer = writers.createWriter(body)) {
            writer.write(entry);
        }
        HttpResponse<String> answer = send(HttpRequest.newBuilder(moonraker.resolve("server/webcams/item"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
        return uidIn(answer.body(), id);
    }

    private String uidIn(String answer, String camera) throws IOException {
        try (JsonReader reader = readers.createReader(new StringReader(answer))) {
            JsonStructure reply = reader.read();
            if (uid.containsValue(reply) && uid.getValue(reply) instanceof JsonString text) {
                return text.getString();
            }
        } catch (JsonException e) {
            throw new IOException("Moonraker's answer to the registration of camera " + camera + ": "
                    + e.getMessage(), e);
        }
        throw new IOException("no result.webcam.uid in Moonraker's answer to the registration of camera " + camera);
    }

    /** Removes a webcam entry; one Moonraker no longer has (a user deleted it) is gone as wanted. */
    private void delete(String uid) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(moonraker.resolve("server/webcams/item?uid="
                + URLEncoder.encode(uid, StandardCharsets.UTF_8))).DELETE(), 404);
    }

    private HttpResponse<String> send(HttpRequest.Builder request, int... alsoFine)
            throws IOException, InterruptedException {
        if (!apiKey.isEmpty()) {
            request.header("X-Api-Key", apiKey);
        }
        HttpResponse<String> answer = http.send(request.timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        boolean fine = answer.statusCode() / 100 == 2
                || java.util.Arrays.stream(alsoFine).anyMatch(s -> s == answer.statusCode());
        if (!fine) {
            throw new IOException("HTTP " + answer.statusCode() + " for " + answer.request().method() + " "
                    + answer.request().uri().getPath());
        }
        return answer;
    }

    /** Of the picture as shown, turned. */
    static String aspectRatio(CameraService camera) {
        Resolution shown = camera.orientation().wanted().shown(camera.streamSize());
        int w = shown.width();
        int h = shown.height();
        int gcd = java.math.BigInteger.valueOf(w).gcd(java.math.BigInteger.valueOf(h)).intValue();
        return w / gcd + ":" + h / gcd;
    }
}
