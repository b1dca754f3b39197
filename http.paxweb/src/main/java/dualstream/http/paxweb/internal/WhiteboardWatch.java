package dualstream.http.paxweb.internal;

import java.util.HashMap;
import java.util.HashSet;
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
            @Reference(service = LoggerFactory.class) Logger log) {
        this(context, scr, log, WATCH_NANOS, PERIOD_SECONDS);
    }

    WhiteboardWatch(BundleContext context, ServiceComponentRuntime scr, Logger log, long watchNanos,
            long periodSeconds) {
        this.watchNanos = watchNanos;
        this.periodSeconds = periodSeconds;
        this.context = context;
        this.scr = scr;
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

    /** Whether the runtime is worth asking now: a change is recent, or a servlet is already missing. */
    boolean watching() {
        return System.nanoTime() - watchUntil < 0 || !misses.isEmpty();
    }

    void check() {
        if (!watching()) {
            return;
        }
        try {
            Set<Long> lost = lost();
            misses.keySet().retainAll(lost);
            for (long serviceId : lost) {
                if (misses.merge(serviceId, 1, Integer::sum) >= MISSES) {
                    misses.remove(serviceId);
                    register(serviceId);
                }
            }
        } catch (RuntimeException e) {
            log.warn("checking the HTTP runtime for lost servlets failed: {}", e.toString());
        }
    }

    /** Dualstream servlets registered as services that a runtime serving the dualstream context does not list. */
    Set<Long> lost() {
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
        Set<Long> lost = new HashSet<>();
        for (HttpServiceRuntime runtime : runtimes) {
            RuntimeDTO dto = runtime.getRuntimeDTO();
            ServletContextDTO ours = null;
            for (ServletContextDTO servletContext : dto.servletContextDTOs) {
                if (DualstreamHttp.CONTEXT_NAME.equals(servletContext.name)) {
                    ours = servletContext;
                }
            }
            if (ours == null) {
                continue; // no context, so no servlet is expected there
            }
            Set<Long> known = new HashSet<>();
            for (ServletDTO servlet : ours.servletDTOs) {
                known.add(servlet.serviceId);
            }
            for (FailedServletDTO failed : dto.failedServletDTOs) {
                known.add(failed.serviceId);
            }
            for (long id : registered) {
                if (!known.contains(id)) {
                    lost.add(id);
                }
            }
        }
        return lost;
    }

    private void register(long serviceId) {
        ServiceReference<?>[] found;
        try {
            found = context.getAllServiceReferences(null, "(" + Constants.SERVICE_ID + "=" + serviceId + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (found == null || found[0].getBundle() == null) {
            return; // gone meanwhile
        }
        String name = (String) found[0].getProperty(ComponentConstants.COMPONENT_NAME);
        ComponentDescriptionDTO component = name == null ? null
                : scr.getComponentDescriptionDTO(found[0].getBundle(), name);
        if (component == null) {
            log.warn("servlet {} is registered but the HTTP runtime does not serve it, and it is no DS component",
                    serviceId);
            return;
        }
        log.warn("the HTTP runtime lost servlet {} of {} while its service was registered (a Whiteboard race on a"
                + " bundle restart); registering it again", name, found[0].getBundle().getSymbolicName());
        try {
            scr.disableComponent(component).getValue();
            scr.enableComponent(component).getValue();
        } catch (java.lang.reflect.InvocationTargetException e) {
            log.error("could not register {} again: {}", name, e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
