package dualstream.web.internal;

import java.io.IOException;
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
import dualstream.http.support.DualstreamHttp;
import dualstream.http.support.Requests;
import dualstream.http.support.Responses;
import jakarta.json.spi.JsonProvider;

/** {@code /state}: what the camera is doing, as JSON. */
@Component(service = Servlet.class)
@HttpWhiteboardServletName(StateServlet.NAME)
@HttpWhiteboardServletPattern("/state")
@HttpWhiteboardContextSelect(DualstreamHttp.CONTEXT_SELECT)
@RequireHttpWhiteboard
public final class StateServlet extends HttpServlet {

    static final String NAME = "dualstream-state";

    private static final long serialVersionUID = 1L;
    private static final int RETRY_AFTER_SECONDS = 5;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<CameraService> cameras;

    private final transient CommandRefusals refusals;
    private final transient Documents documents;

    @Activate
    public StateServlet(@Reference CommandRefusals refusals, @Reference JsonProvider json) {
        this.refusals = refusals;
        this.documents = new Documents(json);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<CameraService> present = cameras.stream().sorted(Requests.INDEX_ORDER).toList();
        Optional<CameraService> camera = Responses.cameraOrAnswer(present,
                Requests.CameraChoice.of(req, Optional.empty()), resp, RETRY_AFTER_SECONDS);
        if (camera.isPresent()) {
            JsonServlet.json(resp, documents.state(camera.get(), present, refusals.of(camera.get().info().id())));
        }
    }
}
