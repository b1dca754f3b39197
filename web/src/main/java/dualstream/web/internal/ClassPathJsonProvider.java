package dualstream.web.internal;

import java.util.Hashtable;
import java.util.Map;
import java.util.ServiceLoader;

import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import jakarta.json.spi.JsonProvider;

/**
 * The JSON-P provider as a service where the framework's class path holds JSON-P (the standalone runtime's
 * {@code -runpath}): no bundle provides it there, and our components reference it as a service wherever they run.
 * Where JSON-P is a bundle (Karaf, the in-framework tests), the Service Loader Mediator registers the provider bundle's
 * and this registers nothing. Never {@code JsonProvider.provider()}: what it finds depends on the calling thread's
 * context class loader, and in a framework on whether the mediator has seen the provider yet.
 */
@Component(service = {})
// For resolvers: the service is there either way, from here or from the mediator.
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=jakarta.json.spi.JsonProvider")
public final class ClassPathJsonProvider {

    /** The Service Loader Mediator's property: the id of the bundle that registered a ServiceLoader provider. */
    static final String MEDIATOR = "serviceloader.mediator";

    private final ServiceRegistration<JsonProvider> registration;

    @Activate
    public ClassPathJsonProvider(BundleContext context) {
        ClassLoader api = JsonProvider.class.getClassLoader();
        if (api instanceof BundleReference) {
            registration = null;
            return;
        }
        // The class path's providers are those the API's own class loader sees.
        JsonProvider provider = ServiceLoader.load(JsonProvider.class, api).findFirst().orElseThrow(
                () -> new IllegalStateException("JSON-P is on the class path without a provider (such as Parsson)"));
        registration = context.registerService(JsonProvider.class, provider,
                new Hashtable<>(Map.of(MEDIATOR, context.getBundle().getBundleId())));
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
        }
    }
}
