package dualstream.karaf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.sun.jdi.Bootstrap;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;

/**
 * A real Apache Karaf, as users download it, in a folder of its own: started as {@code bin/karaf server}, driven over
 * its SSH console as a user would drive it, and read through its log. This build's bundles are in its system
 * repository, where `mvn install` would put them for a user's Karaf to find.
 */
final class Karaf implements AutoCloseable {

    static final Path DIST = Path.of(System.getProperty("karaf.dist"));
    static final Path REPOSITORY = Path.of(System.getProperty("karaf.repository"));
    static final Path FEATURES = Path.of(System.getProperty("karaf.features"));
    static final String VERSION = System.getProperty("project.version");

    final Path home;
    final int httpPort;
    final int sshPort;
    /** Karaf's JVM listens here for a debugger, which lets a test hold one of its threads still. */
    final int debugPort;
    private Process process;
    private SshClient client;

    private Karaf(Path home, int httpPort, int sshPort, int debugPort) {
        this.home = home;
        this.httpPort = httpPort;
        this.sshPort = sshPort;
        this.debugPort = debugPort;
    }

    /** A fresh copy of the distribution, set up with free ports, a console user, and this build's bundles. */
    static Karaf prepare(Path home, Map<String, String> environmentFiles) throws IOException {
        if (Files.exists(home)) {
            delete(home);
        }
        copy(DIST, home);
        copy(REPOSITORY, home.resolve("system"));
        // The features repository and the configuration files it names, as `mvn install` attaches them.
        Path artifacts = home.resolve("system/dualstream/karaf/" + VERSION);
        Files.createDirectories(artifacts);
        try (Stream<Path> files = Files.list(FEATURES.getParent())) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                int dot = name.lastIndexOf('.');
                Files.copy(file, artifacts.resolve("karaf-" + VERSION + "-" + name.substring(0, dot) + name.substring(dot)));
            }
        }
        Karaf karaf = new Karaf(home, freePort(), freePort(), freePort());
        karaf.configure(environmentFiles);
        return karaf;
    }

    private void configure(Map<String, String> files) throws IOException {
        Path etc = home.resolve("etc");
        // As Karaf's docs say to change the HTTP port: before Pax Web's feature, which then keeps this file.
        Files.writeString(etc.resolve("org.ops4j.pax.web.cfg"), "org.osgi.service.http.port = " + httpPort + "\n");
        setProperty(etc.resolve("org.apache.karaf.shell.cfg"), "sshPort", Integer.toString(sshPort));
        setProperty(etc.resolve("org.apache.karaf.shell.cfg"), "sshHost", "127.0.0.1");
        setProperty(etc.resolve("org.apache.karaf.management.cfg"), "rmiRegistryPort", Integer.toString(freePort()));
        setProperty(etc.resolve("org.apache.karaf.management.cfg"), "rmiServerPort", Integer.toString(freePort()));
        Files.writeString(etc.resolve("users.properties"),
                "karaf = karaf,_g_:admingroup\n_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n");
        // Artifacts Karaf fetches itself (Pax Web, ...) land in the build's own local repository, so a warm machine
        // has them; of the distribution's remote repositories only those that serve releases are kept (the others
        // only answer for snapshots, and are out of reach here).
        Path mvn = etc.resolve("org.ops4j.pax.url.mvn.cfg");
        String repositories = readProperty(mvn, "org.ops4j.pax.url.mvn.repositories");
        String releases = Stream.of(repositories.split(",")).map(String::strip)
                .filter(r -> !r.isEmpty() && !r.contains("@noreleases")).collect(Collectors.joining(", "));
        setProperty(mvn, "org.ops4j.pax.url.mvn.repositories", releases);
        setProperty(mvn, "org.ops4j.pax.url.mvn.localRepository", System.getProperty("maven.repo.local"));
        for (Map.Entry<String, String> file : files.entrySet()) {
            Files.writeString(etc.resolve(file.getKey()), file.getValue());
        }
    }

    void start(Map<String, String> environment) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("console.out").toFile()));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(environment);
        builder.environment().put("KARAF_DEBUG", "true");
        builder.environment().put("JAVA_DEBUG_OPTS",
                "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:" + debugPort);
        process = builder.start();
        connect(Duration.ofSeconds(120));
    }

    private void connect(Duration timeout) throws IOException, InterruptedException {
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Karaf exited with " + process.exitValue() + ": " + consoleTail());
            }
            try {
                // The console answers once the shell's commands are there, a little after the SSH server.
                awaitCommand("feature:list -i", Duration.ofSeconds(60));
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw new IOException("Karaf's console did not answer on port " + sshPort + ": " + consoleTail(), last);
    }

    private void awaitCommand(String command, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Result result = null;
        while (System.nanoTime() < deadline) {
            result = execute(command);
            if (result.status == 0 && !result.out.contains("Command not found")) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IOException("'" + command + "' did not succeed: " + result);
    }

    /** What a console command printed, and its exit status (non-zero for an error). */
    record Result(int status, String out, String err) {
        @Override
        public String toString() {
            return "status " + status + ", out: " + out + (err.isEmpty() ? "" : ", err: " + err);
        }
    }

    private ClientSession login() throws IOException {
        ClientSession s = client.connect("karaf", "127.0.0.1", sshPort).verify(5, TimeUnit.SECONDS).getSession();
        s.addPasswordIdentity("karaf");
        s.auth().verify(10, TimeUnit.SECONDS);
        return s;
    }

    /** Runs one console command in a session of its own (Karaf ends the session with the command). */
    Result execute(String command) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ClientSession s = login(); ChannelExec channel = s.createExecChannel(command)) {
            channel.setOut(out);
            channel.setErr(err);
            channel.open().verify(10, TimeUnit.SECONDS);
            channel.waitFor(List.of(ClientChannelEvent.CLOSED), TimeUnit.MINUTES.toMillis(5));
            Integer status = channel.getExitStatus();
            return new Result(status == null ? -1 : status, out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8));
        }
    }

    /** Runs a command that must succeed. */
    String run(String command) throws IOException {
        Result result = execute(command);
        if (result.status != 0 || result.err.contains("Error executing command")) {
            throw new AssertionError("'" + command + "' failed: " + result);
        }
        return result.out;
    }

    /**
     * A console session as a user at the console has it: commands typed into a shell that stays open. A refresh of
     * Karaf's own shell bundles ends it.
     */
    Console console() throws IOException {
        ClientSession s = login();
        ChannelShell shell = s.createShellChannel();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PipedOutputStream typing = new PipedOutputStream();
        shell.setIn(new PipedInputStream(typing));
        shell.setOut(out);
        shell.setErr(out);
        shell.open().verify(10, TimeUnit.SECONDS);
        return new Console(s, shell, typing, out);
    }

    record Console(ClientSession session, ChannelShell shell, PipedOutputStream typing, ByteArrayOutputStream out)
            implements AutoCloseable {

        /** Types a command and waits for the text it should print; false if the session ended or it never came. */
        boolean answers(String command, String expected, Duration timeout) throws InterruptedException {
            try {
                typing.write((command + "\r").getBytes(StandardCharsets.UTF_8));
                typing.flush();
            } catch (IOException ended) {
                return false;
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && shell.isOpen()) {
                synchronized (out) {
                    if (out.toString(StandardCharsets.UTF_8).contains(expected)) {
                        return true;
                    }
                }
                Thread.sleep(100);
            }
            return false;
        }

        @Override
        public void close() throws IOException {
            shell.close();
            session.close();
        }
    }

    /** The log's lines from the given line on. */
    List<String> log(int fromLine) throws IOException {
        Path log = home.resolve("data/log/karaf.log");
        if (!Files.exists(log)) {
            return List.of();
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return new ArrayList<>(lines.subList(Math.min(fromLine, lines.size()), lines.size()));
    }

    int logLines() throws IOException {
        return log(0).size();
    }

    /** Bundles the features service refreshed in the given log lines, with its reasons. */
    static List<String> refreshed(List<String> log) {
        List<String> refreshed = new ArrayList<>();
        boolean inList = false;
        Pattern bundle = Pattern.compile("\\|\\s+(\\S+/\\S+ \\(.*\\))\\s*$");
        for (String line : log) {
            if (line.contains("| Refreshing bundles:")) {
                inList = true;
                continue;
            }
            Matcher m = bundle.matcher(line);
            if (inList && m.find()) {
                refreshed.add(m.group(1));
            } else {
                inList = false;
            }
        }
        return refreshed;
    }

    /** How often a camera's device was opened, by its log line, in the given log lines. */
    static long cameraOpens(List<String> log, String cameraId) {
        return log.stream().filter(l -> l.contains("camera " + cameraId + ": ") && l.contains(": stream ")
                && l.contains(" fps, stills ")).count();
    }

    void stop() throws InterruptedException {
        if (client != null) {
            client.stop();
        }
        if (process != null) {
            // bin/karaf runs Java as its child: SIGTERM to that JVM, whose shutdown hook stops the framework.
            List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
            all.add(process.toHandle());
            for (ProcessHandle p : all) {
                p.destroy();
            }
            for (ProcessHandle p : all) {
                try {
                    p.onExit().get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    p.destroyForcibly();
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    String consoleTail() {
        try {
            List<String> lines = Files.readAllLines(home.resolve("console.out"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no console output: " + e.getMessage() + ")";
        }
    }

    private static String readProperty(Path file, String key) throws IOException {
        String text = Files.readString(file).replaceAll("\\\\\\r?\\n", " ");
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(key) + "\\s*=(.*)$").matcher(text);
        if (!m.find()) {
            throw new IOException(file + " has no " + key);
        }
        return m.group(1).strip();
    }

    /** Sets a key in a Karaf .cfg file, replacing its (possibly continued) line or adding one. */
    static void setProperty(Path file, String key, String value) throws IOException {
        List<String> out = new ArrayList<>();
        boolean skipping = false;
        boolean found = false;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (skipping) {
                skipping = line.endsWith("\\");
                continue;
            }
            if (line.matches("\\s*" + Pattern.quote(key) + "\\s*=.*")) {
                out.add(key + " = " + value.replace("\\", "\\\\"));
                skipping = line.endsWith("\\");
                found = true;
            } else {
                out.add(line);
            }
        }
        if (!found) {
            out.add(key + " = " + value.replace("\\", "\\\\"));
        }
        Files.write(file, out, StandardCharsets.UTF_8);
    }

    /**
     * Runs {@code action} while Karaf's threads named {@code threadPrefix}... are suspended through the debugger
     * interface, so that what they would do meanwhile happens only after it; none found is an error.
     */
    void whileSuspended(String threadPrefix, Callable<?> action) throws Exception {
        AttachingConnector socket = Bootstrap.virtualMachineManager().attachingConnectors().stream()
                .filter(c -> c.transport().name().equals("dt_socket")).findFirst().orElseThrow();
        Map<String, Connector.Argument> arguments = socket.defaultArguments();
        arguments.get("hostname").setValue("127.0.0.1");
        arguments.get("port").setValue(Integer.toString(debugPort));
        VirtualMachine vm = socket.attach(arguments);
        try {
            List<ThreadReference> threads = vm.allThreads().stream().filter(t -> t.name().startsWith(threadPrefix))
                    .toList();
            if (threads.isEmpty()) {
                throw new IllegalStateException("Karaf has no thread named " + threadPrefix + "...: "
                        + vm.allThreads().stream().map(ThreadReference::name).toList());
            }
            threads.forEach(ThreadReference::suspend);
            try {
                action.call();
            } finally {
                threads.forEach(ThreadReference::resume);
            }
        } finally {
            vm.dispose();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            all.forEach(source -> {
                Path target = to.resolve(from.relativize(source).toString());
                try {
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static void delete(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
