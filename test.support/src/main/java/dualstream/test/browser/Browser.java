package dualstream.test.browser;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import dualstream.test.support.Programs;

/** Debian's Chromium, headless, that records every JavaScript error a page makes. */
public final class Browser implements AutoCloseable {

    /**
     * Installed before any page script runs: uncaught errors, unhandled rejections and console.error calls, which a
     * page would otherwise only show in a console nobody reads.
     */
    private static final String ERROR_COLLECTOR = """
            window.__errors = [];
            addEventListener('error', (e) => __errors.push('error: ' + e.message + ' at ' + e.filename + ':' + e.lineno));
            addEventListener('unhandledrejection', (e) => __errors.push('unhandled rejection: '
                + (e.reason && e.reason.stack || e.reason)));
            const consoleError = console.error;
            console.error = (...args) => { __errors.push('console.error: ' + args.join(' ')); consoleError.apply(console, args); };
            """;

    public final ChromeDriver driver;
    public final WebDriverWait wait;

    public Browser() throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(Programs.require("chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,2200",
                "--user-data-dir=" + Files.createTempDirectory("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(Programs.require("chromedriver"))).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", ERROR_COLLECTOR));
        wait = new WebDriverWait(driver, Duration.ofSeconds(30));
    }

    public Object script(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** What the collector caught on the current page. */
    @SuppressWarnings("unchecked")
    public List<String> errors() {
        return (List<String>) script("return window.__errors || ['no error collector on this page'];");
    }

    /** A fingerprint of the pixels the browser shows for an image, read back through a canvas. */
    public long pixels(String imageId) {
        return ((Number) script("const img = document.getElementById(arguments[0]);"
                + "const c = document.createElement('canvas'); c.width = 160; c.height = 120;"
                + "const g = c.getContext('2d'); g.drawImage(img, 0, 0, 160, 120);"
                + "const d = g.getImageData(0, 0, 160, 120).data; let h = 0;"
                + "for (let i = 0; i < d.length; i++) { h = (h * 31 + d[i]) % 1000000007; } return h;", imageId))
                .longValue();
    }

    public long naturalWidth(String imageId) {
        return ((Number) script("return document.getElementById(arguments[0]).naturalWidth;", imageId)).longValue();
    }

    public void screenshot(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    }

    @Override
    public void close() {
        driver.quit();
    }
}
