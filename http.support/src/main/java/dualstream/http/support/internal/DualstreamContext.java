package dualstream.http.support.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.http.context.ServletContextHelper;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.http.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dualstream.http.support.DualstreamHttp;
import dualstream.http.support.Responses;

/**
 * The servlet context of every dualstream servlet: checks credentials and adds the CORS header before any of them
 * runs. While it is missing the servlets are not served at all, so access control fails closed.
 * <p>
 * It registers itself, with the Whiteboard's properties only: a configuration update that does not move the context
 * path (new credentials, or the file name Karaf's file install adds right after a feature writes the configuration)
 * changes no service property, so the Whiteboard does not take every servlet down and up again.
 */
@Component(service = {}, immediate = true, configurationPid = DualstreamContext.PID)
@Designate(ocd = DualstreamContext.Config.class)
@RequireHttpWhiteboard
@Capability(namespace = "osgi.service", uses = ServletContextHelper.class,
        attribute = "objectClass:List<String>=org.osgi.service.http.context.ServletContextHelper")
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

    /** What a request is checked against; replaced whole on a configuration update. */
    private record Access(String corsOrigin, byte[] basicCredentials, byte[] token) {
        static Access of(Config config) {
            boolean basic = !config.auth_user().isEmpty() && !config._auth_password().isEmpty();
            return new Access(config.cors_origin().trim(),
                    basic ? (config.auth_user() + ":" + config._auth_password()).getBytes(StandardCharsets.UTF_8) : null,
                    config._auth_token().isEmpty() ? null : config._auth_token().getBytes(StandardCharsets.UTF_8));
        }
    }

    private volatile Access access;
    private String path;
    private final ServiceRegistration<ServletContextHelper> registration;

    @Activate
    public DualstreamContext(BundleContext context, Config config) {
        this.access = Access.of(config);
        this.path = config.osgi_http_whiteboard_context_path();
        this.registration = context.registerService(ServletContextHelper.class, this, properties(path));
    }

    @Modified
    void modified(Config config) {
        access = Access.of(config);
        String newPath = config.osgi_http_whiteboard_context_path();
        if (!newPath.equals(path)) {
            path = newPath;
            registration.setProperties(properties(path));
        }
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
    }

    private static Dictionary<String, Object> properties(String path) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME, DualstreamHttp.CONTEXT_NAME);
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_PATH, path);
        properties.put(Constants.SERVICE_RANKING, 100);
        return properties;
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
        Access now = access;
        if (!now.corsOrigin().isEmpty()) {
            resp.setHeader("Access-Control-Allow-Origin", now.corsOrigin());
        }
        if (now.basicCredentials() == null && now.token() == null) {
            return true;
        }
        if (now.token() != null && matches(req.getParameter("token"), now.token())) {
            return true;
        }
        if (now.basicCredentials() != null && matches(basicCredentials(req), now.basicCredentials())) {
            return true;
        }
        if (now.basicCredentials() != null) {
            resp.setHeader("WWW-Authenticate", "Basic realm=\"dualstream\", charset=\"UTF-8\"");
        }
        Responses.text(resp, HttpServletResponse.SC_UNAUTHORIZED,
                now.basicCredentials() != null ? "Credentials required." : "A valid ?token= is required.");
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
