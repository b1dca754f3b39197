package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;

import com.sun.tools.attach.VirtualMachine;

/** A thread of the standalone process dies of an Error: the process ends, loudly, so that its service restarts it. */
class FatalErrorTest {

    /** A jar that makes {@link ThreadKiller} an agent, to load into the running gateway. */
    static Path agentJar(Path folder) throws Exception {
        Path jar = folder.resolve("thread-killer.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Agent-Class", ThreadKiller.class.getName());
        String entry = ThreadKiller.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest);
                InputStream in = ThreadKiller.class.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }

    @Test
    void aThreadKilledByOutOfMemoryEndsTheProcessWithAFatalLine() throws Exception {
        try (Gateway gateway = Gateway.start()) {
            Path agent = agentJar(gateway.work);
            VirtualMachine vm = VirtualMachine.attach(Long.toString(gateway.pid()));
            try {
                vm.loadAgent(agent.toString(), "dualstream-v4l2-0");
            } finally {
                vm.detach();
            }
            Integer exit = gateway.awaitExit(Duration.ofSeconds(20));
            String log = Files.readString(gateway.log);
            assertThat(exit).as("exit status of the gateway after its thread died").isEqualTo(70);
            assertThat(log).contains("FATAL: thread 'dualstream-v4l2-0' died of java.lang.OutOfMemoryError");
        }
    }
}
