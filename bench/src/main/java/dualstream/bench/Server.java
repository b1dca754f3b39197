package dualstream.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/** A server process under test, on loopback, returned once it serves. */
final class Server implements AutoCloseable {

    /** Both servers' stream and still paths (ours also has mjpg-streamer's, ustreamer has these). */
    static final String STREAM = "/stream";
    static final String SNAPSHOT = "/snapshot";
    private static final long START_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    final String name;
    final Process process;
    final int port;
    final long startedNanos;
    /** When it first served: a whole frame on its stream, or for the bare stack any HTTP answer. */
    final long readyNanos;

    private Server(String name, Process process, int port, long startedNanos, long readyNanos) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.startedNanos = startedNanos;
        this.readyNanos = readyNanos;
    }

    /** Started as users start it: the launcher, with its JVM settings, on this Java. */
    static Server dualstream(Path launcher, Path fakecam) throws Exception {
        return dualstream(launcher, fakecam, Map.of());
    }

    /** With these fake camera settings (its environment) and further settings of ours. */
    static Server dualstream(Path launcher, Path fakecam, Map<String, String> camera, String... settings)
            throws Exception {
        int port = freePort();
        Path work = Files.createTempDirectory("bench-dualstream");
        List<String> command = new ArrayList<>(List.of(launcher.toString(), "-Dorg.osgi.service.http.port=" + port,
                "-Dorg.apache.felix.http.host=127.0.0.1", "-Ddualstream.nativeLibrary=" + fakecam,
                "-Ddualstream.device=/dev/video0", "-Ddualstream.cameraDir=", "-Ddualstream.streamSize=640x480",
                "-Ddualstream.fps=30"));
        command.addAll(List.of(settings));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
        builder.environment().putAll(camera);
        return start("dualstream", onThisJava(builder), work.resolve("log"), port, Server::wholeFrame);
    }

    static Server ustreamer(Path fakecam) throws Exception {
        return ustreamer(fakecam, "/dev/video0", Map.of());
    }

    /** On this device, with these fake camera settings (its environment). */
    static Server ustreamer(Path fakecam, String device, Map<String, String> camera) throws Exception {
        int port = freePort();
        ProcessBuilder builder = new ProcessBuilder("ustreamer", "--device=" + device, "--format=MJPEG",
                "--encoder=HW", "--resolution=640x480", "--desired-fps=30", "--host=127.0.0.1", "--port=" + port);
        builder.environment().putAll(camera);
        builder.environment().put("LD_PRELOAD", fakecam.toString());
        return start("ustreamer", builder, Files.createTempFile("bench-ustreamer", ".log"), port, Server::wholeFrame);
    }

    /**
     * The bare stack's exported jar run by a copy of our launcher, so that it gets the very JVM options the standalone
     * gets: the launcher runs the {@code dualstream.jar} next to it, here a link to the bare jar.
     */
    static Server bareStack(Path launcher, Path jar) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no bare stack at " + jar + " (mvn -pl bndrun package builds it)");
        }
        int port = freePort();
        Path work = Files.createTempDirectory("bench-bare");
        Path copy = Files.copy(launcher, work.resolve("dualstream"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createSymbolicLink(work.resolve("dualstream.jar"), jar.toAbsolutePath());
        ProcessBuilder builder = new ProcessBuilder(copy.toString(), "-Dorg.osgi.service.http.port=" + port,
                "-Dorg.apache.felix.http.host=127.0.0.1").directory(work.toFile());
        return start("bare stack", onThisJava(builder), work.resolve("log"), port, Server::answers);
    }

    /** The launcher runs the Java the bench runs on, not whatever is first on the PATH. */
    private static ProcessBuilder onThisJava(ProcessBuilder builder) {
        builder.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return builder;
    }

    private static Server start(String name, ProcessBuilder builder, Path log, int port, IntPredicate serving)
            throws Exception {
        long started = System.nanoTime();
        Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            while (System.nanoTime() - started < START_LIMIT_NANOS) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
                }
                if (serving.test(port)) {
                    return new Server(name, process, port, started, System.nanoTime());
                }
                Thread.sleep(10);
            }
            throw new IllegalStateException(name + " did not serve within 60 s; see " + log);
        } catch (Exception | Error e) {
            stop(process);
            throw e;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Whether the stream gives a whole JPEG (start to end of image) now. */
    private static boolean wholeFrame(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(("GET " + STREAM + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(3000);
            InputStream in = s.getInputStream();
            StringBuilder seen = new StringBuilder();
            byte[] chunk = new byte[8192];
            for (int n; seen.length() < 200_000 && (n = in.read(chunk)) > 0;) {
                seen.append(new String(chunk, 0, n, StandardCharsets.ISO_8859_1));
                int start = seen.indexOf("\u00ff\u00d8");
                if (start >= 0 && seen.indexOf("\u00ff\u00d9", start) > 0) {
                    return true;
                }
            }
        } catch (IOException notYet) {
            // not serving yet
        }
        return false;
    }

    /** Whether HTTP answers at all: the bare stack has nothing to serve, so a 404 is its answer. */
    private static boolean answers(int port) {
        try {
            return HttpAnswer.get(port, "/").head().startsWith("HTTP/");
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    double cpuSeconds() throws IOException {
        return Proc.cpuSeconds(process.pid());
    }

    /** Starts counting the process's CPU time to the nanosecond. */
    Proc.CpuWindow cpuWindow() throws IOException {
        return new Proc.CpuWindow(process.pid());
    }

    double rssMiB() throws IOException {
        return Proc.rssMiB(process.pid());
    }

    double startupSeconds() {
        return (readyNanos - startedNanos) / 1e9;
    }

    @Override
    public void close() throws InterruptedException {
        stop(process);
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
