package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import com.sun.net.httpserver.HttpServer;

import dualstream.test.browser.Browser;

/**
 * The page on gateways set up otherwise: where credentials are required (every request it makes, and every URL it
 * offers, carries them), behind a proxy's path prefix, and with no camera.
 */
class PageSetupsTest {

    static Browser browser;
    final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        browser = new Browser();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    @AfterEach
    void noJavaScriptErrors() {
        assertThat(browser.errors()).as("JavaScript errors on the page").isEmpty();
    }

    private String text(String id) {
        return browser.driver.findElement(By.id(id)).getText();
    }

    private int status(String url) throws Exception {
        HttpResponse<java.io.InputStream> response = client.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        response.body().close(); // a stream's body never ends
        return response.statusCode();
    }

    /** The live picture, the status, the controls and a still all came through. */
    private void pageWorks() {
        browser.wait.until(b -> browser.naturalWidth("live") == 640);
        browser.wait.until(b -> text("status-state").equals("streaming"));
        browser.wait.until(b -> !b.findElements(By.id("control-" + BrowserTest.BRIGHTNESS)).isEmpty());
        browser.driver.findElement(By.id("take-snapshot")).click();
        browser.wait.until(b -> browser.naturalWidth("still-image") == 640);
    }

    @Test
    void withATokenInItsAddress() throws Exception {
        try (Gateway gateway = Gateway.start("dualstream.auth.token=s3cret-t0ken")) {
            assertThat(status(gateway.base.toString())).as("without the token").isEqualTo(401);
            browser.driver.get(gateway.base + "?token=s3cret-t0ken");
            pageWorks();
            assertThat(status(text("use-octoprint-snapshot"))).isEqualTo(200);

            // As on plain http from another machine, where browsers offer no navigator.clipboard: the fallback copies.
            browser.driver.executeCdpCommand("Browser.grantPermissions", java.util.Map.of("origin",
                    gateway.base.toString().replaceAll("/$", ""), "permissions", java.util.List.of("clipboardReadWrite")));
            browser.script("Object.defineProperty(navigator, 'clipboard', {value: undefined});");
            browser.driver.findElement(By.id("use-octoprint-stream-copy")).click();
            browser.wait.until(b -> text("use-octoprint-stream-copied").equals("copied"));
            assertThat(browser.errors()).as("JavaScript errors before the reload").isEmpty();
            browser.driver.navigate().refresh(); // a page with its clipboard, to read what was copied
            String copied = (String) browser.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                    + "navigator.clipboard.readText().then(done, (e) => done('clipboard: ' + e));");
            assertThat(copied).isEqualTo(gateway.base + "?action=stream&token=s3cret-t0ken");
            assertThat(status(copied)).isEqualTo(200); // a stream: its headers are enough
        }
    }

    /** Behind a proxy that serves dualstream under /cam/, as nginx in front of OctoPrint serves /webcam/. */
    @Test
    void behindAReverseProxyPathPrefix() throws Exception {
        try (Gateway gateway = Gateway.start()) {
            HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            proxy.setExecutor(Executors.newCachedThreadPool()); // each live stream holds a thread
            proxy.createContext("/cam/", exchange -> {
                URI asked = exchange.getRequestURI();
                String rest = asked.getRawPath().substring("/cam/".length())
                        + (asked.getRawQuery() == null ? "" : "?" + asked.getRawQuery());
                try {
                    HttpResponse<java.io.InputStream> answer = client.send(
                            HttpRequest.newBuilder(gateway.base.resolve(rest)).build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                    answer.headers().map().forEach((name, values) -> {
                        if (!name.equalsIgnoreCase("content-length") && !name.equalsIgnoreCase("transfer-encoding")) {
                            exchange.getResponseHeaders().put(name, values);
                        }
                    });
                    exchange.sendResponseHeaders(answer.statusCode(), 0);
                    try (java.io.InputStream in = answer.body(); java.io.OutputStream out = exchange.getResponseBody()) {
                        in.transferTo(out);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.io.IOException viewerLeft) {
                    // the browser closed a stream: nothing to answer
                } finally {
                    exchange.close();
                }
            });
            proxy.start();
            try {
                String page = "http://127.0.0.1:" + proxy.getAddress().getPort() + "/cam/";
                browser.driver.get(page);
                pageWorks();
                assertThat(text("use-octoprint-stream")).isEqualTo(page + "?action=stream");
                assertThat(text("use-octolapse-address")).isEqualTo(page);
                assertThat(status(text("use-octoprint-snapshot"))).isEqualTo(200);
                assertThat(browser.errors()).as("JavaScript errors behind the proxy").isEmpty();
            } finally {
                browser.driver.get("about:blank"); // ends the live stream before the proxy stops
                proxy.stop(0);
            }
        }
    }

    @Test
    void withNoCameraItSaysItShowsTheTestPattern() throws Exception {
        try (Gateway gateway = Gateway.launch(java.util.Map.of(), "dualstream.device=")) {
            gateway.awaitState("\"testPattern\":true");
            browser.driver.get(gateway.base.toString());
            browser.wait.until(b -> b.findElement(By.id("notice")).isDisplayed());
            browser.wait.until(b -> browser.naturalWidth("live") > 0);
            browser.wait.until(b -> !text("status-state").startsWith("waiting"));
        }
    }

    @Test
    void withBasicAuthentication() throws Exception {
        try (Gateway gateway = Gateway.start("dualstream.auth.user=maker", "dualstream.auth.password=pa55")) {
            assertThat(status(gateway.base.toString())).as("without credentials").isEqualTo(401);
            // Credentials in the address: the browser answers the challenge itself, as after its login dialog.
            browser.driver.get(gateway.base.toString().replace("http://", "http://maker:pa55@"));
            pageWorks();
            assertThat(text("use-octoprint-stream")).as("no password in a URL to copy")
                    .isEqualTo(gateway.base + "?action=stream");
        }
    }
}
