package dualstream.itest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.osgi.framework.ServiceReference;
import org.osgi.test.common.service.ServiceAware;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.service.http.runtime.dto.RuntimeDTO;

import dualstream.test.support.Await;

/** Real HTTP on loopback against the framework's Whiteboard. */
final class Http {

    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Http() {
    }

    /** The Whiteboard's base URI, e.g. {@code http://127.0.0.1:41234/}. */
    static URI endpoint(ServiceReference<HttpServiceRuntime> runtime) {
        Object endpoint = runtime.getProperty("osgi.http.endpoint");
        String first = endpoint instanceof String[] all ? all[0] : String.valueOf(endpoint);
        return URI.create(first.endsWith("/") ? first : first + "/");
    }

    /** Waits until the Whiteboard serves these servlets; returns its base URI. */
    static URI ready(ServiceAware<HttpServiceRuntime> runtime, String... servletNames) {
        Await.until("servlets " + String.join(", ", servletNames) + " in the Whiteboard", Duration.ofSeconds(10),
                () -> Arrays.stream(servletNames).allMatch(name -> serves(runtime.getService(), name)));
        return endpoint(runtime.getServiceReference());
    }

    static boolean serves(HttpServiceRuntime runtime, String servletName) {
        RuntimeDTO dto = runtime.getRuntimeDTO();
        return Arrays.stream(dto.servletContextDTOs)
                .flatMap(c -> Stream.of(c.servletDTOs))
                .anyMatch(s -> servletName.equals(s.name));
    }

    static HttpResponse<byte[]> get(URI uri) throws IOException, InterruptedException {
        return CLIENT.send(request(uri), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Sent now, answered whenever the server answers: for requests that must be in flight together. */
    static CompletableFuture<HttpResponse<byte[]>> getLater(URI uri) {
        return CLIENT.sendAsync(request(uri), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpRequest request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build();
    }
}
