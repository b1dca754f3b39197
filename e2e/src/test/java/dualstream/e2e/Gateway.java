package dualstream.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The standalone jar as users run it, on the fake camera, in a process of its own. */
final class Gateway implements AutoCloseable {

    static final Path JAR = Path.of(System.getProperty("dualstream.jar", "../bndrun/target/dualstream.jar"));
    static final Path FAKECAM = Path.of(System.getProperty("fakecam.library", "../fakecam/target/libfakecam.so"))
            .toAbsolutePath().normalize();
    static final Path OUTPUT = Path.of(System.getProperty("e2e.output", "target/e2e"));

    final URI base;
    final Path work;
    final Path log;
    private final Process process;
    /** The credentials its settings ask for, which the gateway's own requests must carry. */
    private final java.util.Map<String, String> auth;

    private Gateway(URI base, Path work, Path log, Process process, java.util.Map<String, String> auth) {
        this.base = base;
        this.work = work;
        this.log = log;
        this.process = process;
        this.auth = auth;
    }

    static Gateway start(String... settings) throws IOException, InterruptedException {
        Gateway gateway = launch(java.util.Map.of(), settings);
        gateway.awaitState("\"driver\":\"uvcvideo\"");
        return gateway;
    }

    /**
     * Started with these environment variables and settings after the defaults (which serve the fake camera as
     * /dev/video0 and look in no camera folder); returns once it listens.
     */
    static Gateway launch(java.util.Map<String, String> environment, String... settings)
            throws IOException, InterruptedException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path work = Files.createDirectories(OUTPUT.resolve("gateway-" + port));
        Path log = work.resolve("gateway.log");
        java.util.Map<String, String> auth = new java.util.HashMap<>();
        for (String setting : settings) {
            if (setting.startsWith("dualstream.auth.")) {
                auth.put(setting.substring(16, setting.indexOf('=')), setting.substring(setting.indexOf('=') + 1));
            }
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.osgi.service.http.port=" + port, "-Dorg.apache.felix.http.host=127.0.0.1",
                "-Ddualstream.nativeLibrary=" + FAKECAM, "-Ddualstream.device=/dev/video0", "-Ddualstream.cameraDir="));
        for (String setting : settings) {
            command.add("-D" + setting);
        }
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Gateway gateway = new Gateway(URI.create("http://127.0.0.1:" + port + "/"), work, log, builder.start(), auth);
        gateway.awaitState("");
        return gateway;
    }

    /** Waits until /state answers 200 with this text in it. */
    void awaitState(String text) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway exited: " + Files.readString(log));
            }
            try {
                HttpResponse<String> state = client.send(request("state").timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (state.statusCode() == 200 && state.body().contains(text)) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("gateway's /state did not show " + text + " within 60 s: "
                + Files.readString(log));
    }

    /** A request for this path (and query) with the credentials the gateway was started with. */
    HttpRequest.Builder request(String pathAndQuery) {
        String token = auth.getOrDefault("token", "");
        String query = token.isEmpty() ? "" : (pathAndQuery.contains("?") ? "&" : "?") + "token=" + token;
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(pathAndQuery + query));
        if (auth.containsKey("user")) {
            request.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (auth.get("user") + ":" + auth.get("password")).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return request;
    }

    /** What the gateway's process holds now, measured from outside as an operator would. */
    record Usage(long fds, long threads, long heapKiB) {
        @Override
        public String toString() {
            return fds + " fds, " + threads + " threads, " + heapKiB / 1024 + " MiB heap after a full GC";
        }
    }

    private static final Pattern G1_USED = Pattern.compile("heap\\s+total \\d+K, used (\\d+)K");

    Usage usage() throws IOException, InterruptedException {
        long pid = process.pid();
        long fds;
        try (var entries = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds = entries.count();
        }
        long threads = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(line -> line.startsWith("Threads:")).mapToLong(line -> Long.parseLong(line.substring(8).trim()))
                .findFirst().orElseThrow();
        jcmd("GC.run");
        Matcher used = G1_USED.matcher(jcmd("GC.heap_info"));
        if (!used.find()) {
            throw new IllegalStateException("no heap figure from jcmd");
        }
        return new Usage(fds, threads, Long.parseLong(used.group(1)));
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid()), command).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + command + " failed: " + output);
        }
        return output;
    }

    long pid() {
        return process.pid();
    }

    /** The exit status once the process has ended, or null if it still runs after the wait. */
    Integer awaitExit(Duration wait) throws InterruptedException {
        return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
