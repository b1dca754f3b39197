package dualstream.http.paxweb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.service.http.runtime.dto.FailedServletDTO;
import org.osgi.service.http.runtime.dto.RuntimeDTO;
import org.osgi.service.http.runtime.dto.ServletContextDTO;
import org.osgi.service.log.Logger;

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
        watch = new WhiteboardWatch(context, null, stub(Logger.class, (name, args) -> null),
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
        watch = new WhiteboardWatch(context, null, stub(Logger.class, (name, args) -> null), 0,
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
