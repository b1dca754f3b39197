package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The standalone runtime's deploy/ folder: a newer bundle jar updates in place, a .cfg file reconfigures. */
class DeployFolderTest {

    static Gateway gateway;
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        gateway = Gateway.start();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** The gateway's log as it is now, whatever its bytes (a line of another charset must not hide the rest). */
    static String log() throws IOException {
        return new String(Files.readAllBytes(gateway.log), StandardCharsets.ISO_8859_1);
    }

    static int status(String path) {
        try {
            return CLIENT.send(HttpRequest.newBuilder(gateway.base.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    static boolean streamStarts() {
        try {
            HttpResponse<InputStream> response = CLIENT.send(HttpRequest.newBuilder(gateway.base.resolve("stream"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                return response.statusCode() == 200 && body.readNBytes(64).length == 64;
            }
        } catch (Exception e) {
            return false;
        }
    }

    /** A copy of a bundle jar with another Bundle-Version: a genuinely newer bundle. */
    static void withVersion(Path jar, String version, Path target) throws Exception {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            Manifest manifest = new Manifest(in.getManifest());
            manifest.getMainAttributes().putValue("Bundle-Version", version);
            try (OutputStream file = Files.newOutputStream(target); JarOutputStream out = new JarOutputStream(file, manifest)) {
                for (JarEntry entry = in.getNextJarEntry(); entry != null; entry = in.getNextJarEntry()) {
                    out.putNextEntry(new JarEntry(entry.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
    }

    @Test
    void theDeployFolderHoldsTheBundlesAndANewerJarUpdatesInPlace() throws Exception {
        Path deploy = gateway.work.resolve("deploy");
        assertThat(deploy.resolve("stream.mjpeg.jar")).isRegularFile();
        assertThat(deploy.resolve("camera.v4l2.jar")).isRegularFile();

        HttpResponse<InputStream> stream = CLIENT.send(HttpRequest.newBuilder(gateway.base.resolve("stream")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        CompletableFuture<Long> ended = CompletableFuture.supplyAsync(() -> {
            try (InputStream body = stream.body()) {
                long bytes = 0;
                byte[] buffer = new byte[65536];
                for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
                    bytes += n;
                }
                return bytes;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Path newer = gateway.work.resolve("stream.mjpeg-0.1.1.jar");
        withVersion(deploy.resolve("stream.mjpeg.jar"), "0.1.1", newer);
        Files.move(newer, deploy.resolve("stream.mjpeg.jar"), StandardCopyOption.REPLACE_EXISTING);

        assertThat(ended.get(20, TimeUnit.SECONDS)).as("the old stream ends when its bundle is updated").isPositive();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String log = log();
        while (!log.contains("Updated bundle dualstream.stream.mjpeg") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            log = log();
        }
        assertThat(log).as("the gateway's log").contains("Updated bundle dualstream.stream.mjpeg");
        await("the stream served again", DeployFolderTest::streamStarts);
    }

    @Test
    void aJarRemovedIsUninstalledAndOneCopiedThereStarts() throws Exception {
        Path deploy = gateway.work.resolve("deploy");
        Path kept = gateway.work.resolve("snapshot.servlet.jar");
        assertThat(status("snapshot")).isEqualTo(200);
        Files.move(deploy.resolve("snapshot.servlet.jar"), kept);
        await("/snapshot says it is not running", () -> status("snapshot") == 503);
        // the framework's log reaches the file on its own thread, after the servlet has gone
        await("the uninstall logged", () -> uncheckedLog().contains("Uninstalled bundle dualstream.snapshot.servlet"));

        Files.write(deploy.resolve("broken.jar"), new byte[] {'P', 'K', 3, 4, 0, 0});
        await("the broken jar reported", () -> uncheckedLog().contains("broken.jar is not a bundle"));
        Files.delete(deploy.resolve("broken.jar"));

        Files.copy(kept, deploy.resolve("snapshot.servlet.jar"));
        await("/snapshot back with its bundle", () -> status("snapshot") == 200);
        assertThat(status("state")).isEqualTo(200);
    }

    static String uncheckedLog() {
        try {
            return log();
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void aConfigurationFileThereReconfigures() throws Exception {
        Path config = gateway.work.resolve("deploy").resolve("dualstream.web.cfg");
        assertThat(status("?action=command&id=-1")).isEqualTo(200);
        Files.writeString(config, "commands.enabled=false\n");
        await("commands switched off by the file", () -> status("?action=command&id=-1") == 501);
        Files.delete(config);
        await("commands back on once the file is gone", () -> status("?action=command&id=-1") == 200);
    }
}
