package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/** The page where credentials are required: every request it makes, and every URL it offers, carries them. */
class PageAccessTest {

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
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
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
            String stream = text("use-octoprint-stream");
            assertThat(stream).isEqualTo(gateway.base + "?action=stream&token=s3cret-t0ken");
            assertThat(status(text("use-octoprint-snapshot"))).isEqualTo(200);
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
