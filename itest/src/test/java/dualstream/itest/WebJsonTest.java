package dualstream.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.annotation.Property;
import org.osgi.test.common.annotation.config.WithFactoryConfiguration;
import org.osgi.test.common.service.ServiceAware;
import org.osgi.test.junit5.cm.ConfigurationExtension;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

import dualstream.camera.api.CameraService;
import dualstream.test.support.Await;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.spi.JsonProvider;

/**
 * web writes its JSON with the JSON-P provider the framework has as a service. Here, as in the standalone, JSON-P is
 * on the framework's class path, and web registers its provider itself (where JSON-P is a bundle, as in Karaf, the
 * Service Loader Mediator registers Parsson's). Its documents come and go with that service, whatever the thread.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class, ConfigurationExtension.class})
@WithFactoryConfiguration(factoryPid = "dualstream.camera.testpattern", name = "json", location = "?", properties = {
        @Property(key = "camera.id", value = "json"),
        @Property(key = "streamSize", value = "320x240"),
        @Property(key = "fps", value = "10")})
class WebJsonTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ServiceAware<CameraService> cameras;

    @InjectService(timeout = 10_000)
    ServiceAware<HttpServiceRuntime> runtime;

    @InjectService(timeout = 10_000)
    ServiceAware<ServiceComponentRuntime> scr;

    @Test
    void theDocumentsAreWrittenWithTheMediatedProviderAndFollowIt() throws Exception {
        URI base = Http.ready(runtime, "dualstream-state", "dualstream-json");
        ServiceReference<?>[] providers = context.getServiceReferences(JsonProvider.class.getName(), null);
        assertThat(providers).as("the class path's provider, registered once, by web").singleElement()
                .satisfies(provider -> {
                    assertThat(provider.getProperty("serviceloader.mediator")).isNotNull();
                    assertThat(provider.getBundle().getSymbolicName()).isEqualTo("dualstream.web");
                    assertThat(context.getService(provider).getClass().getName()).startsWith("org.eclipse.parsson.");
                    context.ungetService(provider);
                });

        ComponentDescriptionDTO registrar = scr.getService().getComponentDescriptionDTO(providers[0].getBundle(),
                "dualstream.web.internal.ClassPathJsonProvider");
        scr.getService().disableComponent(registrar).getValue();
        try {
            Await.until("the JSON servlets gone with the provider", Duration.ofSeconds(10),
                    () -> !Http.serves(runtime.getService(), "dualstream-state")
                            && !Http.serves(runtime.getService(), "dualstream-json"));
            assertThat(Http.serves(runtime.getService(), "dualstream-page")).as("the page needs no JSON").isTrue();
        } finally {
            scr.getService().enableComponent(registrar).getValue();
        }
        Http.ready(runtime, "dualstream-state", "dualstream-json");
        JsonObject state = json(Http.get(base.resolve("state?camera=json")));
        assertThat(state.getString("id")).isEqualTo("json");
        assertThat(state.getBoolean("testPattern")).isTrue();
        assertThat(json(Http.get(base.resolve("input.json?camera=json"))).getJsonArray("controls")).isNotEmpty();
    }

    private static JsonObject json(HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).isEqualTo(200);
        return Json.createReader(new StringReader(new String(response.body(), StandardCharsets.UTF_8))).readObject();
    }
}
