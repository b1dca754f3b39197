package dualstream.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A bench's command line: {@code --name value} pairs. */
record Options(Map<String, String> values) {

    static Options parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            values.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return new Options(Map.copyOf(values));
    }

    String text(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    Path path(String name, String fallback) {
        return Path.of(text(name, fallback)).toAbsolutePath();
    }

    int integer(String name, int fallback) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
    }

    /** A comma-separated list of whole numbers. */
    int[] integers(String name) {
        return java.util.Arrays.stream(values.get(name).split(",")).map(String::trim).mapToInt(Integer::parseInt)
                .toArray();
    }

    /** The standalone's launcher script: the JVM options users run it with. */
    Path launcher() {
        return path("launcher", "bndrun/target/dualstream");
    }

    Path fakecam() {
        return path("fakecam", "fakecam/target/libfakecam.so");
    }
}
