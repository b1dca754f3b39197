package dualstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** Debian's Chromium, headless, opens the page: the live picture moves, the still button brings the full size. */
class BrowserTest {

    static Gateway gateway;
    static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        String chromium = Gateway.require("chromium");
        String chromedriver = Gateway.require("chromedriver");
        gateway = Gateway.start();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1200",
                "--user-data-dir=" + Files.createTempDirectory("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(chromedriver)).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        gateway.close();
    }

    /** A fingerprint of the pixels the browser shows for an image, read back through a canvas. */
    static long pixels(String imageId) {
        Object sum = ((JavascriptExecutor) browser).executeScript(
                "const img = document.getElementById(arguments[0]);"
                        + "const c = document.createElement('canvas'); c.width = 160; c.height = 120;"
                        + "const g = c.getContext('2d'); g.drawImage(img, 0, 0, 160, 120);"
                        + "const d = g.getImageData(0, 0, 160, 120).data; let h = 0;"
                        + "for (let i = 0; i < d.length; i++) { h = (h * 31 + d[i]) % 1000000007; } return h;",
                imageId);
        return ((Number) sum).longValue();
    }

    static long naturalWidth(String imageId) {
        return ((Number) ((JavascriptExecutor) browser).executeScript(
                "return document.getElementById(arguments[0]).naturalWidth;", imageId)).longValue();
    }

    @Test
    void showsAMovingLivePictureAndTheFullSizeStill() throws Exception {
        browser.get(gateway.base.toString());
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.until(b -> naturalWidth("live") == 640);
        long first = pixels("live");
        wait.until(b -> pixels("live") != first);

        browser.findElement(By.id("take-still")).click();
        wait.until(b -> naturalWidth("still-image") == 3264);
        assertThat(browser.findElement(By.id("still-info")).getText()).startsWith("3264x2448 in ");
        wait.until(b -> browser.findElement(By.id("state")).getText().contains("\"stills\": 1"));
        assertThat(browser.findElement(By.id("notice")).isDisplayed()).as("a real camera, no test-pattern notice")
                .isFalse();

        Path screenshot = Gateway.OUTPUT.resolve("page.png");
        Files.write(screenshot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }
}
