package dualstream.http.support;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import javax.servlet.http.HttpServletRequest;

import dualstream.camera.api.CameraService;

/**
 * Reading our parameters. Keys that are not ours (cache busters such as {@code ?1700000000000}) are ignored; a bad
 * value of ours is a {@link BadRequestException} with a one-line reason.
 */
public final class Requests {

    /** Cameras in mjpg-streamer index order: by id, numbers in numeric order. */
    public static final Comparator<CameraService> INDEX_ORDER = Comparator.comparing(c -> c.info().id(),
            Comparator.<String, Boolean>comparing(id -> !id.chars().allMatch(Character::isDigit))
                    .thenComparingInt(String::length).thenComparing(Comparator.naturalOrder()));

    private Requests() {
    }

    /**
     * An optional integer parameter.
     *
     * @return empty when absent or empty
     * @throws BadRequestException when present but not an integer in range
     */
    public static Optional<Integer> integer(HttpServletRequest req, String name, int min, int max)
            throws BadRequestException {
        String value = req.getParameter(name);
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return Optional.of(parsed);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadRequestException(name + " must be an integer from " + min + " to " + max + ", got '"
                + shorten(value) + "'");
    }

    /**
     * The mjpg-streamer index in an action such as {@code stream_1} or a path such as {@code /input_1.json}.
     *
     * @return empty for no index ({@code stream}, {@code /input.json})
     */
    public static Optional<Integer> index(String action, String base) throws BadRequestException {
        if (action.equals(base)) {
            return Optional.empty();
        }
        String prefix = base + "_";
        String suffix = action.startsWith(prefix) ? action.substring(prefix.length()) : "";
        if (suffix.isEmpty() || suffix.length() > 3 || !suffix.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new BadRequestException("unknown action '" + shorten(action) + "'");
        }
        return Optional.of(Integer.parseInt(suffix));
    }

    /** The index in the request's {@code action} parameter ({@code stream_1}), if it has one. */
    public static Optional<Integer> actionIndex(HttpServletRequest req, String base) throws BadRequestException {
        String action = req.getParameter("action");
        return action == null ? Optional.empty() : index(action, base);
    }

    /** What a request asks for: a camera by id, by mjpg-streamer index, or the only/first one. */
    public record CameraChoice(String id, Integer index) {

        public static CameraChoice of(HttpServletRequest req, Optional<Integer> index) {
            String id = req.getParameter("camera");
            return new CameraChoice(id == null || id.isEmpty() ? null : id, index.orElse(null));
        }

        public Optional<CameraService> select(List<CameraService> cameras) {
            List<CameraService> ordered = cameras.stream().sorted(INDEX_ORDER).toList();
            if (id != null) {
                return ordered.stream().filter(c -> id.equals(c.info().id())).findFirst();
            }
            if (index != null) {
                return index >= 0 && index < ordered.size() ? Optional.of(ordered.get(index)) : Optional.empty();
            }
            return ordered.stream().findFirst();
        }

        /** For a 404: which camera was asked for. */
        public String describe() {
            return id != null ? "'" + shorten(id) + "'" : index != null ? "number " + index : "";
        }
    }

    static String shorten(String value) {
        String printable = value.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
    }
}
