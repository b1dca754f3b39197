package dualstream.http.support;

/** Names shared by the servlets and their servlet context. */
public final class DualstreamHttp {

    private DualstreamHttp() {
    }

    /** Name of the Whiteboard servlet context all dualstream servlets run in. */
    public static final String CONTEXT_NAME = "dualstream";

    /** Filter selecting that context, for {@code @HttpWhiteboardContextSelect}. */
    public static final String CONTEXT_SELECT = "(osgi.http.whiteboard.context.name=" + CONTEXT_NAME + ")";

    /**
     * The {@code Server} header. OctoPrint and Octolapse only drive servers that call themselves MJPG-Streamer; this
     * says so while naming what it really is.
     */
    public static final String SERVER = "MJPG-Streamer/0.2 (dualstream)";

    /** Servlet names, for dispatching between bundles by name. */
    public static final String STREAM_SERVLET = "dualstream-stream";
    public static final String SNAPSHOT_SERVLET = "dualstream-snapshot";
}
