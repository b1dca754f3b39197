package dualstream.http.support.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.http.context.ServletContextHelper;
import org.osgi.service.http.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContext;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dualstream.http.support.DualstreamHttp;
import dualstream.http.support.Responses;

/**
 * The servlet context of every dualstream servlet: checks credentials and adds the CORS header before any of them
 * runs. While it is missing the servlets are not served at all, so access control fails closed.
 */
@Component(service = ServletContextHelper.class, configurationPid = DualstreamContext.PID,
        property = "service.ranking:Integer=100")
@HttpWhiteboardContext(name = DualstreamHttp.CONTEXT_NAME, path = "/")
@Designate(ocd = DualstreamContext.Config.class)
@RequireHttpWhiteboard
public final class DualstreamContext extends ServletContextHelper {

    static final String PID = "dualstream.http";

    /** GET and HEAD are all dualstream serves; OPTIONS for CORS preflights. TRACE would echo credentials back. */
    static final List<String> ALLOWED_METHODS = List.of("GET", "HEAD", "OPTIONS");

    @ObjectClassDefinition(name = "dualstream HTTP access",
            description = "Where dualstream answers and who may use it. Credentials all empty: anyone on the network.")
    public @interface Config {
        @AttributeDefinition(name = "Context path",
                description = "Path all dualstream URLs live under: / standalone; in a gateway that serves its own"
                        + " pages at / use e.g. /webcam (OctoPrint's default).")
        String osgi_http_whiteboard_context_path() default "/";

        @AttributeDefinition(name = "CORS origin", required = false,
                description = "Origin allowed to read responses from scripts (e.g. https://printer.local); empty for"
                        + " none, * for any.")
        String cors_origin() default "";

        @AttributeDefinition(name = "User", required = false,
                description = "With a password: HTTP Basic authentication is required.")
        String auth_user() default "";

        // Leading dots keep the secrets out of the service registry's properties.
        @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, required = false)
        String _auth_password() default "";

        @AttributeDefinition(name = "Token", type = AttributeType.PASSWORD, required = false,
                description = "Accepted as ?token=<token> (for clients that cannot send credentials).")
        String _auth_token() default "";
    }

    private final String corsOrigin;
    private final byte[] basicCredentials;
    private final byte[] token;

    @Activate
    public DualstreamContext(Config config) {
        this.corsOrigin = config.cors_origin().trim();
        boolean basic = !config.auth_user().isEmpty() && !config._auth_password().isEmpty();
        this.basicCredentials = basic
                ? (config.auth_user() + ":" + config._auth_password()).getBytes(StandardCharsets.UTF_8) : null;
        this.token = config._auth_token().isEmpty() ? null : config._auth_token().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean handleSecurity(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!ALLOWED_METHODS.contains(req.getMethod())) {
            resp.setHeader("Allow", String.join(", ", ALLOWED_METHODS));
            Responses.text(resp, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "Only GET and HEAD are served.");
            return false;
        }
        if (!queryDecodes(req)) {
            Responses.text(resp, HttpServletResponse.SC_BAD_REQUEST, "The query string is not valid %-encoded UTF-8.");
            return false;
        }
        if (!corsOrigin.isEmpty()) {
            resp.setHeader("Access-Control-Allow-Origin", corsOrigin);
        }
        if (basicCredentials == null && token == null) {
            return true;
        }
        if (token != null && matches(req.getParameter("token"), token)) {
            return true;
        }
        if (basicCredentials != null && matches(basicCredentials(req), basicCredentials)) {
            return true;
        }
        if (basicCredentials != null) {
            resp.setHeader("WWW-Authenticate", "Basic realm=\"dualstream\", charset=\"UTF-8\"");
        }
        Responses.text(resp, HttpServletResponse.SC_UNAUTHORIZED,
                basicCredentials != null ? "Credentials required." : "A valid ?token= is required.");
        return false;
    }

    /**
     * Whether the container can read the query's parameters. It throws on a bad %-escape when a servlet first asks
     * for one, which would turn the client's mistake into a 500; asked here, before any servlet, it is a 400.
     */
    private static boolean queryDecodes(HttpServletRequest req) {
        try {
            req.getParameterMap();
            return true;
        } catch (RuntimeException malformed) {
            return false;
        }
    }

    private static String basicCredentials(HttpServletRequest req) {
        String header = req.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            return new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Constant-time comparison, so response timing does not reveal how much of a secret was right. */
    static boolean matches(String offered, byte[] expected) {
        if (offered == null) {
            return false;
        }
        return MessageDigest.isEqual(offered.getBytes(StandardCharsets.UTF_8), expected);
    }
}
