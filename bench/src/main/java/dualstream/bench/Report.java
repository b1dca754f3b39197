package dualstream.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiPredicate;

/** The bench's figures side by side, each with its target and verdict: a table to print and a CSV file. */
final class Report {

    /** What a figure must be: of ours alone, or of ours over ustreamer's in the same run. */
    record Target(String text, BiPredicate<Double, Double> met) {
        static final Target NONE = new Target("", null);

        static Target atMost(double limit) {
            return new Target("<= " + limit, (ours, peer) -> ours <= limit);
        }

        static Target atLeast(double limit) {
            return new Target(">= " + limit, (ours, peer) -> ours >= limit);
        }

        static Target ratioAtMost(double limit) {
            return new Target("ratio <= " + limit, (ours, peer) -> peer > 0 && ours / peer <= limit);
        }
    }

    /** One figure; {@code peer} is NaN where ustreamer has none. */
    record Row(String metric, int clients, double ours, double peer, Target target) {
        String ratio() {
            return peer == 0 || Double.isNaN(peer) || Double.isNaN(ours) ? "n/a"
                    : String.format(Locale.ROOT, "%.2f", ours / peer);
        }

        String verdict() {
            if (target.met() == null) {
                return "";
            }
            return !Double.isNaN(ours) && target.met().test(ours, peer) ? "PASS" : "FAIL";
        }
    }

    private final List<Row> rows = new ArrayList<>();

    void add(String metric, int clients, double ours, double peer, Target target) {
        rows.add(new Row(metric, clients, ours, peer, target));
    }

    /** A figure of ours that ustreamer has no counterpart for. */
    void addOurs(String metric, int clients, double ours, Target target) {
        add(metric, clients, ours, Double.NaN, target);
    }

    void print(PrintStream out) {
        out.printf("%-44s %7s %12s %12s %8s %14s %7s%n", "metric", "clients", "dualstream", "ustreamer", "ratio",
                "target", "");
        for (Row row : rows) {
            out.printf(Locale.ROOT, "%-44s %7d %12.3f %12.3f %8s %14s %7s%n", row.metric, row.clients, row.ours,
                    row.peer, row.ratio(), row.target.text(), row.verdict());
        }
    }

    void writeCsv(Path csv) throws IOException {
        StringBuilder out = new StringBuilder("metric,clients,dualstream,ustreamer,ratio,target,verdict\n");
        for (Row row : rows) {
            out.append(String.format(Locale.ROOT, "\"%s\",%d,%.4f,%.4f,%s,\"%s\",%s%n", row.metric, row.clients,
                    row.ours, row.peer, row.ratio(), row.target.text(), row.verdict()));
        }
        if (csv.getParent() != null) {
            Files.createDirectories(csv.getParent());
        }
        Files.writeString(csv, out);
    }
}
