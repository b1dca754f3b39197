package dualstream.test.support;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Programs the tests run (ffmpeg, Chromium), found as a shell finds them. */
public final class Programs {

    private Programs() {
    }

    /** The program's path on the PATH, or an error saying how a machine gets it. */
    public static String require(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return Path.of(dir, program).toString();
            }
        }
        throw new IllegalStateException(program + " is not installed (.ci/run installs it from Debian)");
    }
}
