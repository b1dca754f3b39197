package dualstream.web.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.servlet.RequestDispatcher;
import javax.servlet.Servlet;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.http.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletAsyncSupported;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dualstream.camera.api.CameraService;
import dualstream.http.support.BadRequestException;
import dualstream.http.support.DualstreamHttp;
import dualstream.http.support.Requests;
import dualstream.http.support.Responses;

/**
 * {@code /}: the page, and mjpg-streamer's {@code ?action=} requests. Stream and snapshot are passed by name to their
 * own servlets, which live in bundles of their own; {@code command} sets a camera control.
 */
@Component(service = Servlet.class, configurationPid = PageServlet.PID)
@Designate(ocd = PageServlet.Config.class)
@HttpWhiteboardServletName("dualstream-page")
@HttpWhiteboardServletPattern("/")
@HttpWhiteboardServletAsyncSupported // ?action=stream is forwarded to the stream servlet, which writes asynchronously
@HttpWhiteboardContextSelect(DualstreamHttp.CONTEXT_SELECT)
@RequireHttpWhiteboard
public final class PageServlet extends HttpServlet {

    static final String PID = "dualstream.web";
    private static final long serialVersionUID = 1L;

    @ObjectClassDefinition(name = "dualstream page and mjpg-streamer actions",
            description = "The page at / and mjpg-streamer's ?action= requests (stream, snapshot, command).")
    public @interface Config {
        @AttributeDefinition(name = "Commands",
                description = "Whether ?action=command may set camera controls (Octolapse uses it).")
        boolean commands_enabled() default true;

        @AttributeDefinition(name = "Retry-After (s)", min = "1",
                description = "Retry-After sent with 503 while no camera, or the stream or snapshot bundle, is there.")
        int retryAfterSeconds() default 5;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<CameraService> cameras;

    private final transient CommandRefusals refusals;
    private final boolean commandsEnabled;
    private final int retryAfterSeconds;
    private final String page;

    private final transient Logger log;
    private final transient Set<String> unmappedReported = ConcurrentHashMap.newKeySet();

    @Activate
    public PageServlet(Config config, @Reference CommandRefusals refusals,
            @Reference(service = LoggerFactory.class) Logger log) throws IOException {
        this.refusals = refusals;
        this.log = log;
        this.commandsEnabled = config.commands_enabled();
        this.retryAfterSeconds = Math.max(1, config.retryAfterSeconds());
        try (InputStream in = PageServlet.class.getResourceAsStream("page.html")) {
            this.page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
        if (!path.isEmpty() && !path.equals("/")) {
            String owner = owner(path);
            if (owner == null) {
                Responses.text(resp, HttpServletResponse.SC_NOT_FOUND, "Not found.");
                return;
            }
            // Only "/" is ours: another dualstream servlet's path got here because the HTTP runtime maps nothing to
            // it. Either that servlet is stopped (answered 503 below), or the runtime lost its mapping while it runs
            // (Pax Web can, on a quick bundle restart): then its name still reaches it.
            if (unmappedReported.add(owner)) {
                log.warn("a request for {} reached the page: the HTTP runtime maps nothing there; forwarding it to {}"
                        + " by name", path, owner);
            }
            forward(owner, path.substring(1), req, resp);
            return;
        }
        String action = req.getParameter("action");
        try {
            if (action == null) {
                page(req, resp);
            } else if (action.equals("command")) {
                command(req, resp);
            } else if (action.startsWith("stream")) {
                Requests.index(action, "stream");
                forward(DualstreamHttp.STREAM_SERVLET, "stream", req, resp);
            } else if (action.startsWith("snapshot")) {
                Requests.index(action, "snapshot");
                forward(DualstreamHttp.SNAPSHOT_SERVLET, "snapshot", req, resp);
            } else {
                throw new BadRequestException("unknown action '" + action.replaceAll("[^\\x20-\\x7e]", "?") + "'");
            }
        } catch (BadRequestException e) {
            Responses.badRequest(resp, e.getMessage());
        }
    }

    /** A HEAD changes nothing: a command is not carried out for one (HttpServlet's HEAD would run the GET). */
    @Override
    protected void doHead(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        if ("command".equals(req.getParameter("action"))) {
            Responses.common(resp);
            resp.setContentType("text/plain;charset=utf-8");
            return;
        }
        super.doHead(req, resp);
    }

    /** The dualstream servlet that a path belongs to, if another one's. */
    private static String owner(String path) {
        if (path.equals("/stream")) {
            return DualstreamHttp.STREAM_SERVLET;
        }
        if (path.equals("/snapshot") || path.equals("/snapshot/stream")) {
            return DualstreamHttp.SNAPSHOT_SERVLET;
        }
        if (path.equals("/state")) {
            return StateServlet.NAME;
        }
        if (path.endsWith(".json") && path.indexOf('/', 1) < 0) {
            return JsonServlet.NAME;
        }
        return null;
    }

    private void page(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<CameraService> present = cameras.stream().sorted(Requests.INDEX_ORDER).toList();
        byte[] body = page.replace("<!--cameras-->", Documents.cameraList(present, req.getParameter("camera"),
                req.getParameter("token"))).getBytes(StandardCharsets.UTF_8);
        Responses.common(resp);
        resp.setContentType("text/html;charset=utf-8");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    private void forward(String servlet, String what, HttpServletRequest req, HttpServletResponse resp)
            throws IOException, ServletException {
        RequestDispatcher dispatcher = getServletContext().getNamedDispatcher(servlet);
        if (dispatcher == null) {
            Responses.unavailable(resp, retryAfterSeconds, "The " + what + " is not running.");
            return;
        }
        dispatcher.forward(req, resp);
    }

    /**
     * {@code ?action=command&dest=0&plugin=<camera>&id=<control>&group=1&value=<v>}, answered as mjpg-streamer does:
     * {@code 200 "<id>: 0"} when the camera took the value, {@code 200 "<id>: -1"} when it did not, whatever the
     * reason (Octolapse stops applying a profile at the first other status). Only a request that is no command at all
     * (no numeric id or value) is a 400. The group chooses what the id means, as in mjpg-streamer: 1 a V4L2 control,
     * 3 the JPEG quality; 0 (also when absent) and 2 (resolution) change nothing here.
     */
    private void command(HttpServletRequest req, HttpServletResponse resp) throws IOException, BadRequestException {
        if (!commandsEnabled) {
            Responses.text(resp, HttpServletResponse.SC_NOT_IMPLEMENTED, "Commands are switched off.");
            return;
        }
        long id = number(req, "id");
        // mjpg-streamer echoes the id's leading digits: a negative id is echoed as nothing (its probe, id=-1, too).
        String echoed = id < 0 ? "" : Long.toString(id);
        long value = req.getParameter("value") == null ? 0 : number(req, "value"); // optional in mjpg-streamer
        long group = lenient(req, "group", MjpgStreamer.GROUP_GENERIC);
        long plugin = lenient(req, "plugin", 0);
        List<CameraService> present = cameras;
        if (present.isEmpty()) {
            Responses.unavailable(resp, retryAfterSeconds, "No camera is available.");
            return;
        }
        Optional<CameraService> camera = plugin == (int) plugin
                ? Requests.CameraChoice.of(req, Optional.of((int) plugin)).select(present) : Optional.empty();
        MjpgStreamer.Outcome outcome = camera.isEmpty() ? MjpgStreamer.Outcome.refused("no such plugin")
                : MjpgStreamer.command(camera.get(), group, id, value);
        if (camera.isPresent() && outcome.refusal() != null) {
            refusals.refused(camera.get().info().id(), outcome.refusal());
        }
        Responses.text(resp, HttpServletResponse.SC_OK, echoed + ": " + (outcome.taken() ? 0 : -1));
    }

    /** An optional number, read as mjpg-streamer's strtol reads it: anything else is the default. */
    private static long lenient(HttpServletRequest req, String name, long absent) {
        try {
            return number(req, name);
        } catch (BadRequestException notANumber) {
            return absent;
        }
    }

    /**
     * A command's numeric parameter: without it, the request is no command at all. Digits beyond 64 bits are read as
     * mjpg-streamer's strtol reads them, clamped.
     */
    private static long number(HttpServletRequest req, String name) throws BadRequestException {
        String text = req.getParameter(name) == null ? "" : req.getParameter(name).trim();
        if (!text.matches("[-+]?[0-9]+")) {
            throw new BadRequestException(name + " must be a number");
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException beyond64Bits) {
            return text.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
