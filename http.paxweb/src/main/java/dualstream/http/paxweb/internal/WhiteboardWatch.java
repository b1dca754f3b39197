package dualstream.http.paxweb.internal;

import java.io.IOException;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.service.http.runtime.dto.DTOConstants;
import org.osgi.service.http.runtime.dto.FailedServletDTO;
import org.osgi.service.http.runtime.dto.RuntimeDTO;
import org.osgi.service.http.runtime.dto.ServletContextDTO;
import org.osgi.service.http.runtime.dto.ServletDTO;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import dualstream.http.support.DualstreamHttp;

/**
 * Puts back a dualstream servlet that the HTTP runtime has lost while its service is still registered.
 * <p>
 * Pax Web 8 handles a bundle's stop on a thread of its own. When the bundle is restarted before that thread runs
 * ({@code bundle:restart}), the late stop removes the servlet the new incarnation has just registered: the service is
 * there, the Whiteboard lists it nowhere, and its URL answers 404 until the bundle restarts again. Every few seconds
 * this compares the registered dualstream servlets with the runtime's view of the dualstream context, and a servlet
 * missing from it twice running has its component disabled and enabled again, which registers it afresh.
 * <p>
 * The same late stop can go the other way: the new incarnation registers through the old bundle's stopped HTTP
 * service, and its servlet stays in the runtime after the service is gone, for good, since nothing can unregister
 * it. Being older, it shadows its successor, so the URL is answered by a deactivated servlet. Only a higher
 * {@code service.ranking} wins over it: the successor's component gets one in its configuration, twice running seen.
 * <p>
 * The race follows a servlet's registration or unregistration within seconds, so the runtime is only asked (a whole
 * runtime DTO each time) for half a minute after one, or after a runtime came, went or changed (its change count):
 * otherwise nothing is scheduled, and a gateway that runs for weeks is not woken for it.
 */
@Component(immediate = true, service = {})
public final class WhiteboardWatch {

    static final long PERIOD_SECONDS = 2;
    /** Checks in a row a servlet must be missing before it counts as lost: registration itself takes a moment. */
    static final int MISSES = 2;
    /** How long after a change the runtime is watched. */
    static final long WATCH_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final String SERVLETS = "(osgi.http.whiteboard.context.select="
            + escape(DualstreamHttp.CONTEXT_SELECT) + ")";

    private final BundleContext context;
    private final ServiceComponentRuntime scr;
    private final Logger log;
    private final List<HttpServiceRuntime> runtimes = new CopyOnWriteArrayList<>();
    private final Map<Long, Integer> misses = new HashMap<>();
    private final Map<Long, Integer> shadows = new HashMap<>();
    private final ConfigurationAdmin configurations;
    private final ServiceListener changes = event -> changed();
    private final long watchNanos;
    private final long periodSeconds;
    private volatile long watchUntil;
    /** The next check, while watching; none otherwise, so an idle gateway's thread sleeps. */
    private ScheduledFuture<?> next;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "dualstream-whiteboard-watch");
        thread.setDaemon(true);
        return thread;
    });

    @Activate
    public WhiteboardWatch(BundleContext context, @Reference ServiceComponentRuntime scr,
            @Reference ConfigurationAdmin configurations, @Reference(service = LoggerFactory.class) Logger log) {
        this(context, scr, configurations, log, WATCH_NANOS, PERIOD_SECONDS);
    }

    WhiteboardWatch(BundleContext context, ServiceComponentRuntime scr, ConfigurationAdmin configurations,
            Logger log, long watchNanos, long periodSeconds) {
        this.watchNanos = watchNanos;
        this.periodSeconds = periodSeconds;
        this.context = context;
        this.scr = scr;
        this.configurations = configurations;
        this.log = log;
        changed();
        try {
            context.addServiceListener(changes, "(&(objectClass=javax.servlet.Servlet)" + SERVLETS + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            updated = "updatedRuntime")
    void addRuntime(HttpServiceRuntime runtime) {
        runtimes.add(runtime);
        changed();
    }

    /** The runtime's change count moved: something was registered or went away there. */
    void updatedRuntime(HttpServiceRuntime runtime) {
        changed();
    }

    void removeRuntime(HttpServiceRuntime runtime) {
        runtimes.remove(runtime);
        changed();
    }

    @Deactivate
    void deactivate() {
        context.removeServiceListener(changes);
        timer.shutdownNow();
    }

    private void changed() {
        watchUntil = System.nanoTime() + watchNanos;
        arm();
    }

    private synchronized void arm() {
        if (next == null && !timer.isShutdown()) {
            next = timer.schedule(this::tick, periodSeconds, TimeUnit.SECONDS);
        }
    }

    /** Whether a check is scheduled. */
    synchronized boolean scheduled() {
        return next != null;
    }

    void tick() {
        synchronized (this) {
            next = null;
        }
        check();
        if (watching()) {
            arm();
        }
    }

    /** Whether the runtime is worth asking now: a change is recent, or a servlet is already missing or shadowed. */
    boolean watching() {
        return System.nanoTime() - watchUntil < 0 || !misses.isEmpty() || !shadows.isEmpty();
    }

    void check() {
        if (!watching()) {
            return;
        }
        try {
            Set<Long> registered = registered();
            List<RuntimeDTO> views = runtimes.stream().map(HttpServiceRuntime::getRuntimeDTO).toList();
            Set<Long> lost = new HashSet<>();
            Set<Long> shadowed = new HashSet<>();
            views.forEach(view -> {
                lost.addAll(lost(view, registered));
                shadowed.addAll(shadowedByGone(view, registered));
            });
            for (long serviceId : twiceRunning(misses, lost)) {
                register(serviceId);
            }
            for (long serviceId : twiceRunning(shadows, shadowed)) {
                outrank(serviceId);
            }
        } catch (RuntimeException e) {
            log.warn("checking the HTTP runtime for lost servlets failed: {}", e.toString());
        }
    }

    /** Those of {@code seen} that were already seen last time; the others are remembered for next time. */
    private static Set<Long> twiceRunning(Map<Long, Integer> counts, Set<Long> seen) {
        counts.keySet().retainAll(seen);
        Set<Long> again = new HashSet<>();
        for (long serviceId : seen) {
            if (counts.merge(serviceId, 1, Integer::sum) >= MISSES) {
                counts.remove(serviceId);
                again.add(serviceId);
            }
        }
        return again;
    }

    /** The service ids of the dualstream servlets registered now. */
    private Set<Long> registered() {
        Set<Long> registered = new HashSet<>();
        try {
            ServiceReference<?>[] servlets = context.getAllServiceReferences("javax.servlet.Servlet", SERVLETS);
            if (servlets != null) {
                for (ServiceReference<?> servlet : servlets) {
                    registered.add((Long) servlet.getProperty(Constants.SERVICE_ID));
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return registered;
    }

    private static ServletContextDTO ours(RuntimeDTO view) {
        for (ServletContextDTO servletContext : view.servletContextDTOs) {
            if (DualstreamHttp.CONTEXT_NAME.equals(servletContext.name)) {
                return servletContext;
            }
        }
        return null;
    }

    /** Registered dualstream servlets that a runtime serving the dualstream context does not list at all. */
    static Set<Long> lost(RuntimeDTO view, Set<Long> registered) {
        ServletContextDTO ours = ours(view);
        if (ours == null) {
            return Set.of(); // no context, so no servlet is expected there
        }
        Set<Long> known = new HashSet<>();
        for (ServletDTO servlet : ours.servletDTOs) {
            known.add(servlet.serviceId);
        }
        for (FailedServletDTO failed : view.failedServletDTOs) {
            known.add(failed.serviceId);
        }
        Set<Long> lost = new HashSet<>(registered);
        lost.removeAll(known);
        return lost;
    }

    /** Registered dualstream servlets shadowed by one of the same name whose service is gone. */
    static Set<Long> shadowedByGone(RuntimeDTO view, Set<Long> registered) {
        ServletContextDTO ours = ours(view);
        if (ours == null) {
            return Set.of();
        }
        Set<String> gone = new HashSet<>();
        for (ServletDTO servlet : ours.servletDTOs) {
            if (!registered.contains(servlet.serviceId)) {
                gone.add(servlet.name);
            }
        }
        Set<Long> shadowed = new HashSet<>();
        for (FailedServletDTO failed : view.failedServletDTOs) {
            if (failed.failureReason == DTOConstants.FAILURE_REASON_SHADOWED_BY_OTHER_SERVICE
                    && registered.contains(failed.serviceId) && gone.contains(failed.name)) {
                shadowed.add(failed.serviceId);
            }
        }
        return shadowed;
    }

    /** The servlet's service and its component, or null if it is gone or no DS component. */
    private Registered servlet(long serviceId) {
        ServiceReference<?>[] found;
        try {
            found = context.getAllServiceReferences(null, "(" + Constants.SERVICE_ID + "=" + serviceId + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (found == null || found[0].getBundle() == null) {
            return null; // gone meanwhile
        }
        String name = (String) found[0].getProperty(ComponentConstants.COMPONENT_NAME);
        ComponentDescriptionDTO component = name == null ? null
                : scr.getComponentDescriptionDTO(found[0].getBundle(), name);
        if (component == null) {
            log.warn("servlet {} is not served by the HTTP runtime as registered, and it is no DS component",
                    serviceId);
            return null;
        }
        return new Registered(found[0], component);
    }

    private record Registered(ServiceReference<?> reference, ComponentDescriptionDTO component) {
    }

    private void register(long serviceId) {
        Registered servlet = servlet(serviceId);
        if (servlet == null) {
            return;
        }
        ComponentDescriptionDTO component = servlet.component();
        String name = component.name;
        log.warn("the HTTP runtime lost servlet {} of {} while its service was registered (a Whiteboard race on a"
                + " bundle restart); registering it again", name, servlet.reference().getBundle().getSymbolicName());
        try {
            scr.disableComponent(component).getValue();
            scr.enableComponent(component).getValue();
        } catch (java.lang.reflect.InvocationTargetException e) {
            log.error("could not register {} again: {}", name, e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Gives the servlet's component a ranking above its own, so that its next registration wins over a ghost. */
    private void outrank(long serviceId) {
        Registered servlet = servlet(serviceId);
        if (servlet == null) {
            return;
        }
        ComponentDescriptionDTO component = servlet.component();
        if (component.configurationPid.length == 0
                || "ignore".equals(component.configurationPolicy)) {
            log.error("servlet {} is shadowed by a servlet whose service is gone, and its component takes no"
                    + " configuration to outrank it", component.name);
            return;
        }
        Object ranking = servlet.reference().getProperty(Constants.SERVICE_RANKING);
        int higher = (ranking instanceof Integer rank ? rank : 0) + 1;
        String pid = component.configurationPid[component.configurationPid.length - 1];
        log.warn("the HTTP runtime answers for {} of {} with an earlier instance whose service is gone (a Whiteboard"
                + " race on a bundle restart); giving {} service.ranking {} so that it wins", component.name,
                servlet.reference().getBundle().getSymbolicName(), pid, higher);
        try {
            Configuration configuration = configurations.getConfiguration(pid, "?");
            Dictionary<String, Object> properties = configuration.getProperties();
            if (properties == null) {
                properties = new Hashtable<>();
            }
            properties.put(Constants.SERVICE_RANKING, higher);
            configuration.update(properties);
        } catch (IOException e) {
            log.error("could not give {} a higher service.ranking: {}", pid, e.toString());
        }
    }

    /** A filter value with its parentheses and other specials escaped, as RFC 1960 asks. */
    static String escape(String value) {
        StringBuilder out = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c == '(' || c == ')' || c == '*' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
