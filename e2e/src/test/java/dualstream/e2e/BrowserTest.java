package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import dualstream.test.browser.Browser;

/**
 * Headless Chromium on the page of a gateway with two fake cameras, as a person setting up a printer camera uses it:
 * picks the second camera, watches it, takes stills, sets its controls, copies a URL for OctoPrint.
 */
class BrowserTest {

    static final String OTHER = "Fake_Camera_A1B2";
    static final String C920 = "046d_HD_Pro_Webcam_C920_8A1B2C3D";
    // V4L2 control ids (linux/v4l2-controls.h), as input_N.json lists them.
    static final int BRIGHTNESS = 0x00980900;
    static final int POWER_LINE = 0x00980918;
    static final int WHITE_BALANCE_TEMPERATURE = 0x0098091a;
    static final int EXPOSURE_AUTO = 0x009a0901;
    static final int EXPOSURE_ABSOLUTE = 0x009a0902;
    static final int FOCUS_ABSOLUTE = 0x009a090a;

    static Gateway gateway;
    static Browser browser;
    final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        Path folder = Files.createDirectories(Gateway.OUTPUT.resolve("browser-" + System.nanoTime()));
        Path nodes = Files.createDirectories(folder.resolve("dev"));
        Path byId = Files.createDirectories(folder.resolve("v4l/by-id"));
        Files.writeString(nodes.resolve("video0"), "model=uvc\n");
        Files.writeString(nodes.resolve("video2"), "model=c920\n");
        Files.createSymbolicLink(byId.resolve("usb-" + OTHER + "-video-index0"), byId.relativize(nodes.resolve("video0")));
        Files.createSymbolicLink(byId.resolve("usb-" + C920 + "-video-index0"), byId.relativize(nodes.resolve("video2")));
        gateway = Gateway.launch(Map.of("FAKECAM_NODES", nodes.toAbsolutePath().toString()), "dualstream.device=",
                "dualstream.cameraDir=" + byId.toAbsolutePath());
        gateway.awaitState("\"cameras\":[\"" + OTHER + "\",\"" + C920 + "\"]");
        browser = new Browser();
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @AfterEach
    void noJavaScriptErrors() {
        assertThat(browser.errors()).as("JavaScript errors on the page").isEmpty();
    }

    private String get(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(gateway.request(pathAndQuery).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(pathAndQuery).isEqualTo(200);
        return response.body();
    }

    /** A control's value as the camera reports it to mjpg-streamer's clients, not as the page shows it. */
    private int control(String camera, int id) throws IOException, InterruptedException {
        Matcher value = Pattern.compile("\"id\":\\s*\"" + id + "\"[^}]*?\"value\":\\s*\"(-?\\d+)\"")
                .matcher(get("input.json?camera=" + camera));
        assertThat(value.find()).as("control " + id + " on " + camera).isTrue();
        return Integer.parseInt(value.group(1));
    }

    /** Until the camera reports this value and the page has read the controls again after setting it. */
    private void awaitControl(int id, int expected) {
        browser.wait.until(b -> !"true".equals(byId("controls").getAttribute("aria-busy")));
        browser.wait.until(b -> {
            try {
                return control(C920, id) == expected;
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private WebElement byId(String id) {
        return browser.driver.findElement(By.id(id));
    }

    private String text(String id) {
        return byId(id).getText();
    }

    private void awaitText(String id, String part) {
        browser.wait.until(b -> text(id).contains(part));
    }

    /** The page of the camera chosen in the picker, its live picture moving. */
    private void openC920() {
        browser.driver.get(gateway.base.toString());
        browser.driver.findElement(By.cssSelector("#cameras a[href*='" + C920 + "']")).click();
        browser.wait.until(b -> b.getCurrentUrl().contains("camera=" + C920));
        browser.wait.until(b -> browser.naturalWidth("live") == 640);
        long first = browser.pixels("live");
        browser.wait.until(b -> browser.pixels("live") != first);
        awaitText("status-camera", C920);
    }

    @Test
    void stillsAtAChosenSizeWithTheirTimingAndStatusInWords() throws Exception {
        openC920();
        awaitText("status-state", "streaming");
        String stillsBefore = text("status-stills");
        // The orientation /state reports, in words.
        assertThat(get("state?camera=" + C920)).contains("\"orientation\":{\"rotation\":0,");
        awaitText("status-orientation", "as the camera delivers it (not turned or flipped)");
        assertThat(browser.script("return [orientationWords({rotation: 90, flipHorizontal: false, flipVertical: false,"
                + " byCamera: 'none', exif: 6}), orientationWords({rotation: 180, flipHorizontal: false,"
                + " flipVertical: false, byCamera: 'hflip+vflip', exif: 1})]"))
                .isEqualTo(List.of("turned 90°, by EXIF orientation 6", "turned 180°, by the camera's own hflip+vflip"));
        assertThat(browser.driver.findElement(By.id("notice")).isDisplayed()).as("a real camera, no test pattern")
                .isFalse();
        assertThat(new Select(byId("still-size")).getOptions()).extracting(WebElement::getText).containsExactly(
                "320x240", "640x480 (stream size, no switch)", "800x600", "1280x720", "1920x1080", "2592x1944",
                "3264x2448 (still default)");

        new Select(byId("still-size")).selectByValue("1280x720");
        byId("take-still").click();
        browser.wait.until(b -> browser.naturalWidth("still-image") == 1280);
        awaitText("still-info", "1280x720 in ");
        awaitText("still-timing", "switching the camera to the size (switch)");
        assertThat(text("still-timing")).contains("letting exposure settle (settle)", " ms", "frames skipped");
        assertThat(byId("still-download").getAttribute("download")).startsWith("dualstream-" + C920 + "-")
                .endsWith("-1280x720.jpg");
        // Updated in words without a reload.
        browser.wait.until(b -> !text("status-stills").equals(stillsBefore)
                && text("status-stills").contains(" taken; the last at 1280x720, ready in "));

        browser.screenshot(Gateway.OUTPUT.resolve("page.png"));

        byId("take-snapshot").click();
        browser.wait.until(b -> browser.naturalWidth("still-image") == 640);
        awaitText("still-info", "640x480 in ");

    }

    @Test
    void controlsChangeTheCameraShowWhyTheyAreOffAndReset() throws Exception {
        openC920();
        browser.wait.until(b -> !b.findElements(By.id("control-" + BRIGHTNESS)).isEmpty());
        assertThat(text("control-" + WHITE_BALANCE_TEMPERATURE + "-why")).isEqualTo("auto white balance is on");
        assertThat(text("control-" + FOCUS_ABSOLUTE + "-why")).isEqualTo("autofocus is on");
        assertThat(text("control-" + EXPOSURE_ABSOLUTE + "-why")).isEqualTo("auto exposure is on");
        assertThat(byId("control-" + EXPOSURE_ABSOLUTE).isEnabled()).isFalse();

        // The keyboard moves a slider as a hand does (WebDriver's drags do not reach a range input's thumb).
        byId("control-" + BRIGHTNESS).sendKeys(Keys.END);
        awaitControl(BRIGHTNESS, 255);
        awaitText("control-" + BRIGHTNESS + "-value", "255");
        new Select(byId("control-" + POWER_LINE)).selectByVisibleText("50 Hz");
        awaitControl(POWER_LINE, 1);
        assertThat(control(OTHER, BRIGHTNESS)).as("the other camera is left alone").isZero();

        // Manual exposure: the page reads the controls again and the exposure time becomes settable.
        new Select(byId("control-" + EXPOSURE_AUTO)).selectByVisibleText("Manual Mode");
        awaitControl(EXPOSURE_AUTO, 1);
        browser.wait.until(b -> byId("control-" + EXPOSURE_ABSOLUTE).isEnabled());

        // Another client turns auto exposure back on behind the page's back: the page's next value is refused.
        assertThat(get("?action=command&dest=0&plugin=1&id=" + EXPOSURE_AUTO + "&group=1&value=3"))
                .isEqualToIgnoringWhitespace(EXPOSURE_AUTO + ": 0");
        byId("control-" + EXPOSURE_ABSOLUTE).sendKeys(Keys.ARROW_RIGHT);
        awaitText("control-" + EXPOSURE_ABSOLUTE + "-message", "Refused 251: ");
        browser.wait.until(b -> !byId("control-" + EXPOSURE_ABSOLUTE).isEnabled());
        assertThat(text("control-" + EXPOSURE_ABSOLUTE + "-why")).isEqualTo("auto exposure is on");
        assertThat(control(C920, EXPOSURE_ABSOLUTE)).isEqualTo(250);

        // Reset with a manual exposure time: set before auto exposure is back on, it is not refused.
        new Select(byId("control-" + EXPOSURE_AUTO)).selectByVisibleText("Manual Mode");
        awaitControl(EXPOSURE_AUTO, 1);
        byId("control-" + EXPOSURE_ABSOLUTE).sendKeys(Keys.ARROW_RIGHT);
        awaitControl(EXPOSURE_ABSOLUTE, 251);
        byId("reset-controls").click();
        awaitText("controls-info", "to defaults");
        // The four above, and mjpg-streamer's JPEG quality: 0 where the camera has none, 50 its default.
        assertThat(text("controls-info")).isEqualTo("reset 5 controls to defaults");
        assertThat(List.of(control(C920, BRIGHTNESS), control(C920, POWER_LINE), control(C920, EXPOSURE_AUTO),
                control(C920, EXPOSURE_ABSOLUTE))).containsExactly(128, 2, 3, 250);
        assertThat(new Select(byId("control-" + EXPOSURE_AUTO)).getFirstSelectedOption().getText())
                .isEqualTo("Aperture Priority Mode");
    }

    @Test
    void copiesUrlsThatServeTheCamera() throws Exception {
        browser.driver.executeCdpCommand("Browser.grantPermissions", Map.of("origin",
                gateway.base.toString().replaceAll("/$", ""),
                "permissions", List.of("clipboardReadWrite", "clipboardSanitizedWrite")));
        openC920();
        browser.wait.until(b -> !b.findElements(By.id("use-octoprint-snapshot-copy")).isEmpty());
        byId("use-octoprint-snapshot-copy").click();
        awaitText("use-octoprint-snapshot-copied", "copied");
        String snapshot = (String) browser.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "navigator.clipboard.readText().then(done, (e) => done('clipboard: ' + e));");
        assertThat(snapshot).isEqualTo(gateway.base + "?action=snapshot&camera=" + C920);
        HttpResponse<byte[]> still = client.send(HttpRequest.newBuilder(URI.create(snapshot)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(still.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(still.body()).startsWith(0xff, 0xd8);

        String stream = text("use-octoprint-stream");
        assertThat(stream).isEqualTo(gateway.base + "?action=stream&camera=" + C920);
        HttpResponse<InputStream> live = client.send(HttpRequest.newBuilder(URI.create(stream)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = live.body()) {
            assertThat(live.headers().firstValue("Content-Type").orElse("")).startsWith("multipart/x-mixed-replace");
            assertThat(new String(body.readNBytes(200), java.nio.charset.StandardCharsets.ISO_8859_1))
                    .contains("Content-Type: image/jpeg");
        }
        // Frontends poll Moonraker's snapshot_url: the stream-size still, which never switches the camera's size.
        assertThat(text("use-moonraker")).contains("service: mjpegstreamer\n", "stream_url: " + stream + "\n",
                "snapshot_url: " + gateway.base + "?action=snapshot&size=640x480&camera=" + C920 + "\n",
                "target_fps: 30", "for moonraker-timelapse: snapshot_url: " + snapshot);
        assertThat(text("use-homeassistant-stream")).isEqualTo(stream);
        assertThat(text("use-homeassistant-still")).isEqualTo(snapshot);
        assertThat(text("use-octolapse-address")).isEqualTo(gateway.base.toString());
    }
}
