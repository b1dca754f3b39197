package dualstream.web.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import javax.servlet.Servlet;
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
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import dualstream.camera.api.CameraService;
import dualstream.http.support.BadRequestException;
import dualstream.http.support.DualstreamHttp;
import dualstream.http.support.Requests;
import dualstream.http.support.Responses;
import jakarta.json.spi.JsonProvider;

/** mjpg-streamer's documents: {@code /input.json}, {@code /input_N.json}, {@code /program.json}. */
@Component(service = Servlet.class)
@HttpWhiteboardServletName(JsonServlet.NAME)
@HttpWhiteboardServletPattern("*.json")
@HttpWhiteboardContextSelect(DualstreamHttp.CONTEXT_SELECT)
@RequireHttpWhiteboard
public final class JsonServlet extends HttpServlet {

    static final String NAME = "dualstream-json";

    private static final long serialVersionUID = 1L;
    private static final int RETRY_AFTER_SECONDS = 5;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<CameraService> cameras;

    private final transient Documents documents;

    @Activate
    public JsonServlet(@Reference JsonProvider json) {
        this.documents = new Documents(json);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String name = req.getServletPath();
        name = name.substring(name.lastIndexOf('/') + 1, name.length() - ".json".length());
        List<CameraService> present = cameras;
        if (name.equals("program")) {
            json(resp, documents.program(present.stream().sorted(Requests.INDEX_ORDER).toList()));
            return;
        }
        if (!name.equals("input") && !name.startsWith("input_")) {
            Responses.text(resp, HttpServletResponse.SC_NOT_FOUND, "Not found.");
            return;
        }
        Optional<Integer> index;
        try {
            index = Requests.index(name, "input");
        } catch (BadRequestException e) {
            Responses.text(resp, HttpServletResponse.SC_NOT_FOUND, "Not found.");
            return;
        }
        Optional<CameraService> camera = Responses.cameraOrAnswer(present, Requests.CameraChoice.of(req, index),
                resp, RETRY_AFTER_SECONDS);
        if (camera.isPresent()) {
            json(resp, documents.input(camera.get()));
        }
    }

    static void json(HttpServletResponse resp, String document) throws IOException {
        byte[] bytes = document.getBytes(StandardCharsets.UTF_8);
        Responses.common(resp);
        resp.setContentType("application/json;charset=utf-8");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }
}
