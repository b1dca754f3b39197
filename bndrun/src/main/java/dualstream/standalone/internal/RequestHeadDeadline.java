package dualstream.standalone.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.felix.http.jetty.ConnectorFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Closes connections that trickle bytes without ever completing a request head (slowloris). Jetty has no deadline for
 * a whole request head, only an idle timeout that every trickled byte resets.
 * <p>
 * Felix HTTP hands its Jetty server only to a {@link ConnectorFactory}: this one adds the deadline to the HTTP
 * connectors already there and gives back a {@link LocalConnector}, which serves no network connection.
 */
// Configured by the runtime's own configuration at start: waiting for it saves a second activation.
@Component(service = ConnectorFactory.class, configurationPid = RequestHeadDeadline.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = RequestHeadDeadline.Config.class)
public final class RequestHeadDeadline implements ConnectorFactory, Connection.Listener {

    static final String PID = "dualstream.standalone.http";

    @ObjectClassDefinition(name = "dualstream request head deadline",
            description = "How long the standalone runtime's HTTP connector waits for a request head.")
    public @interface Config {
        @AttributeDefinition(name = "Request head timeout (ms)", min = "1000",
                description = "A connection that sends bytes for this long without completing a request head is"
                        + " closed (checked every half of it, so it goes within one and a half times this).")
        long requestHeadTimeoutMillis() default 10_000;
    }

    /**
     * What a connection had received at the last check, and whether bytes came then without a whole request head:
     * once may be a head in the middle of being parsed, twice running is a client that never finishes one.
     */
    private record Seen(long requests, long bytes, boolean stalled) {
    }

    private final Logger log;
    private final Map<Connection, Seen> open = new ConcurrentHashMap<>();
    private final List<ServerConnector> guarded = new CopyOnWriteArrayList<>();
    private final ScheduledThreadPoolExecutor checker;
    private final long intervalMillis;
    /** The periodic check, while connections are open: an idle server has nothing to check and is not woken. */
    private ScheduledFuture<?> checking;

    @Activate
    public RequestHeadDeadline(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.intervalMillis = Math.max(1000, config.requestHeadTimeoutMillis()) / 2;
        this.checker = new ScheduledThreadPoolExecutor(1, r -> new Thread(r, "dualstream-request-heads"));
        checker.setRemoveOnCancelPolicy(true);
    }

    @Deactivate
    void deactivate() {
        guarded.forEach(connector -> connector.removeEventListener(this));
        checker.shutdownNow();
        open.clear();
    }

    @Override
    public Connector createConnector(Server server) {
        for (Connector connector : server.getConnectors()) {
            if (connector instanceof ServerConnector http) {
                http.addEventListener(this);
                guarded.add(http);
            }
        }
        log.debug("request head deadline on {}", guarded);
        return new LocalConnector(server);
    }

    @Override
    public void onOpened(Connection connection) {
        open.put(connection, new Seen(0, 0, false));
        synchronized (this) {
            if (checking == null && !checker.isShutdown()) {
                checking = checker.scheduleWithFixedDelay(this::check, intervalMillis, intervalMillis,
                        TimeUnit.MILLISECONDS);
            }
        }
    }

    @Override
    public void onClosed(Connection connection) {
        open.remove(connection);
    }

    /** Closes every connection that twice running received bytes but no whole request head. */
    private void check() {
        open.forEach((connection, last) -> {
            long requests = connection.getMessagesIn();
            long bytes = connection.getBytesIn();
            boolean stalled = requests == last.requests() && bytes > last.bytes();
            if (stalled && last.stalled()) {
                log.debug("closing {}: bytes keep coming, but no whole request head",
                        connection.getEndPoint().getRemoteSocketAddress());
                open.remove(connection);
                connection.close();
            } else {
                open.replace(connection, last, new Seen(requests, bytes, stalled));
            }
        });
        synchronized (this) {
            if (open.isEmpty() && checking != null) {
                checking.cancel(false);
                checking = null;
            }
        }
    }
}
