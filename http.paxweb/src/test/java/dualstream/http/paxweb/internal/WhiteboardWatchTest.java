package dualstream.http.paxweb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.http.runtime.dto.DTOConstants;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.service.http.runtime.dto.FailedServletDTO;
import org.osgi.service.http.runtime.dto.RuntimeDTO;
import org.osgi.service.http.runtime.dto.ServletContextDTO;
import org.osgi.service.http.runtime.dto.ServletDTO;
import org.osgi.service.log.Logger;

import dualstream.http.support.DualstreamHttp;

class WhiteboardWatchTest {

    private final AtomicReference<ServiceListener> listener = new AtomicReference<>();
    private final AtomicInteger asked = new AtomicInteger();
    private final BundleContext context = stub(BundleContext.class, (name, args) -> {
        if (name.equals("addServiceListener")) {
            listener.set((ServiceListener) args[0]);
        }
        return null;
    });
    private final HttpServiceRuntime runtime = stub(HttpServiceRuntime.class, (name, args) -> {
        if (!name.equals("getRuntimeDTO")) {
            return null;
        }
        asked.incrementAndGet();
        RuntimeDTO dto = new RuntimeDTO();
        dto.servletContextDTOs = new ServletContextDTO[0];
        dto.failedServletDTOs = new FailedServletDTO[0];
        return dto;
    });
    private WhiteboardWatch watch;

    @AfterEach
    void deactivate() {
        if (watch != null) {
            watch.deactivate();
        }
    }

    @Test
    void theRuntimeIsAskedOnlyForAWhileAfterAServletOrRuntimeChange() throws Exception {
        // Checked by this test only: the watch's own timer would not run within the hour.
        watch = new WhiteboardWatch(context, null, null, stub(Logger.class, (name, args) -> null),
                TimeUnit.MILLISECONDS.toNanos(50), TimeUnit.HOURS.toSeconds(1));
        watch.addRuntime(runtime);
        watch.check();
        assertThat(asked).hasValue(1);

        Thread.sleep(100);
        watch.check();
        watch.check();
        assertThat(asked).as("nothing changed for longer than the watch").hasValue(1);

        listener.get().serviceChanged(new ServiceEvent(ServiceEvent.UNREGISTERING,
                stub(org.osgi.framework.ServiceReference.class, (name, args) -> null)));
        watch.check();
        assertThat(asked).as("a servlet came or went").hasValue(2);

        Thread.sleep(100);
        watch.removeRuntime(runtime);
        watch.addRuntime(runtime);
        watch.check();
        assertThat(asked).as("a runtime came").hasValue(3);
    }

    @Test
    void onceTheWatchIsOverNothingIsScheduledUntilTheRuntimeChanges() {
        watch = new WhiteboardWatch(context, null, null, stub(Logger.class, (name, args) -> null), 0,
                TimeUnit.HOURS.toSeconds(1));
        watch.addRuntime(runtime);
        assertThat(watch.scheduled()).as("a runtime came").isTrue();
        watch.tick();
        assertThat(watch.scheduled()).as("the watch is over, nothing is missing").isFalse();

        watch.updatedRuntime(runtime);
        assertThat(watch.scheduled()).as("the runtime's change count moved").isTrue();
        watch.tick();
        assertThat(watch.scheduled()).isFalse();
    }

    /**
     * Pax Web's other late-stop race: the runtime serves servlet 5, whose service is gone, and shows the registered
     * servlet 7 of the same name as shadowed by it. Seen twice running, 7's component is given a ranking above its
     * own in its configuration, keeping what the configuration already said.
     */
    @Test
    void aServletShadowedByAGhostOfItselfIsGivenAHigherRanking() {
        Map<String, Object> liveProperties = Map.of(Constants.SERVICE_ID, 7L, Constants.SERVICE_RANKING, 2,
                ComponentConstants.COMPONENT_NAME, "stream");
        List<Dictionary<String, Object>> updates = new java.util.ArrayList<>();
        watch = shadowing(5, liveProperties, updates);

        watch.check();
        assertThat(updates).as("seen once: it may be an unregistration on its way").isEmpty();
        watch.check();
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).get(Constants.SERVICE_RANKING)).isEqualTo(3);
        assertThat(updates.get(0).get("keepAliveMillis")).isEqualTo(500L);
    }

    /** Two registered servlets of one name are the user's own conflict: none is outranked. */
    @Test
    void aServletShadowedByARegisteredOneIsLeftAlone() {
        List<Dictionary<String, Object>> updates = new java.util.ArrayList<>();
        watch = shadowing(7, Map.of(Constants.SERVICE_ID, 8L, ComponentConstants.COMPONENT_NAME, "stream"), updates,
                7L);
        watch.check();
        watch.check();
        watch.check();
        assertThat(updates).isEmpty();
    }

    /**
     * A watch on a runtime that serves stream servlet {@code servedId} in the dualstream context and shows the
     * registered one with {@code failedProperties} as shadowed by it; {@code alsoRegistered} are other services there.
     */
    private WhiteboardWatch shadowing(long servedId, Map<String, Object> failedProperties,
            List<Dictionary<String, Object>> updates, Long... alsoRegistered) {
        ServletDTO served = new ServletDTO();
        served.serviceId = servedId;
        served.name = DualstreamHttp.STREAM_SERVLET;
        FailedServletDTO failed = new FailedServletDTO();
        failed.serviceId = (Long) failedProperties.get(Constants.SERVICE_ID);
        failed.name = DualstreamHttp.STREAM_SERVLET;
        failed.failureReason = DTOConstants.FAILURE_REASON_SHADOWED_BY_OTHER_SERVICE;
        Bundle bundle = stub(Bundle.class, (name, args) -> name.equals("getSymbolicName") ? "dualstream.stream" : null);
        ServiceReference<?> reference = stub(ServiceReference.class, (name, args) -> switch (name) {
            case "getProperty" -> failedProperties.get((String) args[0]);
            case "getBundle" -> bundle;
            default -> null;
        });
        List<ServiceReference<?>> registered = new java.util.ArrayList<>(List.of(reference));
        for (Long id : alsoRegistered) {
            registered.add(stub(ServiceReference.class,
                    (name, args) -> name.equals("getProperty") && args[0].equals(Constants.SERVICE_ID) ? id : null));
        }
        BundleContext bundleContext = stub(BundleContext.class, (name, args) -> {
            if (!name.equals("getAllServiceReferences")) {
                return null;
            }
            if (args[0] == null) {
                return args[1].equals("(service.id=" + failedProperties.get(Constants.SERVICE_ID) + ")")
                        ? new ServiceReference<?>[] {reference} : null;
            }
            return registered.toArray(ServiceReference<?>[]::new);
        });
        ComponentDescriptionDTO component = new ComponentDescriptionDTO();
        component.name = "stream";
        component.configurationPid = new String[] {"dualstream.stream"};
        component.configurationPolicy = "optional";
        ServiceComponentRuntime scr = stub(ServiceComponentRuntime.class,
                (name, args) -> name.equals("getComponentDescriptionDTO") && args[1].equals("stream") ? component : null);
        Dictionary<String, Object> stored = new Hashtable<>(Map.of("keepAliveMillis", 500L));
        Configuration configuration = stub(Configuration.class, (name, args) -> {
            if (name.equals("getProperties")) {
                return stored;
            }
            if (name.equals("update")) {
                @SuppressWarnings("unchecked")
                Dictionary<String, Object> properties = (Dictionary<String, Object>) args[0];
                updates.add(properties);
            }
            return null;
        });
        ConfigurationAdmin configurations = stub(ConfigurationAdmin.class,
                (name, args) -> name.equals("getConfiguration") && args[0].equals("dualstream.stream") ? configuration
                        : null);
        HttpServiceRuntime shadowingRuntime = stub(HttpServiceRuntime.class, (name, args) -> {
            if (!name.equals("getRuntimeDTO")) {
                return null;
            }
            ServletContextDTO ours = new ServletContextDTO();
            ours.name = DualstreamHttp.CONTEXT_NAME;
            ours.servletDTOs = new ServletDTO[] {served};
            RuntimeDTO dto = new RuntimeDTO();
            dto.servletContextDTOs = new ServletContextDTO[] {ours};
            dto.failedServletDTOs = new FailedServletDTO[] {failed};
            return dto;
        });
        WhiteboardWatch shadowingWatch = new WhiteboardWatch(bundleContext, scr, configurations,
                stub(Logger.class, (name, args) -> null), TimeUnit.HOURS.toNanos(1), TimeUnit.HOURS.toSeconds(1));
        shadowingWatch.addRuntime(shadowingRuntime);
        return shadowingWatch;
    }

    interface Answer {
        Object answer(String method, Object[] args);
    }

    @SuppressWarnings("unchecked")
    static <T> T stub(Class<T> type, Answer answer) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (method.getName().equals("equals")) {
                return proxy == args[0];
            }
            if (method.getName().equals("hashCode")) {
                return System.identityHashCode(proxy);
            }
            Object result = answer.answer(method.getName(), args);
            if (result == null && method.getReturnType() == boolean.class) {
                return false;
            }
            return result;
        });
    }
}
