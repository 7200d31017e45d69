package dev.cohort.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.data.RunDataCache;
import dev.cohort.actors.launch.Launch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard of a live local run in Debian's headless Chromium (driven by Selenium through
 * Debian's chromedriver): every peer has a row, the loss chart grows while the run trains and answers
 * the mouse (values under the cursor, legend toggles, zoom), "extract
 * best peer now" with the run's token writes a model, the screenshot goes to
 * {@code target/dashboard-e2e.png}, and "stop run" ends the run.
 */
class DashboardBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void aBrowserWatchesALiveRunExtractsItsBestPeerAndStopsIt() throws Exception {
    assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "this test needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver (.ci/run does)");
    Path runs = dir.resolve("runs");
    // Long epochs (400 steps) and more of them than the test can wait for: the run is stopped by the
    // test. Checkpoints at epoch ends only (about 4 events an epoch): with one every 40 steps (30 an
    // epoch, 80 a second when the run is fast) the extraction's event left the page's last 200 within
    // about 3 s, and a CI run on a loaded machine missed it.
    String cohort = "cohort {\n"
        + "  run { id = \"browser\", directory = \"" + runs + "\" }\n"
        + "  data { format = synthetic, validation-size = 200,\n"
        + "         synthetic { train-examples = 20000, test-examples = 300, features = 16, classes = 4, noise = 0.8 } }\n"
        + "  training { epochs = 100000, batch-size = 50, learning-rate = 0.01, report-every = 5, checkpoint-every = 0 }\n"
        + "  dashboard { port = 0 }\n"
        + "  peers = [ { name = alpha, hidden = [16] }, { name = beta, hidden = [16] }, { name = gamma, hidden = [8] } ]\n"
        + "}\n";
    Launch.Prepared prepared = Launch.prepare(ConfigFactory.parseString(cohort), "test", new RunDataCache());
    List<String> console = new CopyOnWriteArrayList<>();
    CompletableFuture<Launch.Outcome> run =
        CompletableFuture.supplyAsync(() -> {
          try {
            return Launch.execute(prepared, 0, 0, console::add);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    Path runPath = runs.resolve("browser");
    WebDriver browser = null;
    try {
      String url = awaitDashboard(runPath.resolve("dashboard.json"), run);
      String token = Files.readString(runPath.resolve("dashboard.token")).trim();

      browser = chromium();
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(90));
      wait.ignoring(StaleElementReferenceException.class); // the tables and charts are redrawn on every update
      browser.get(url);
      wait.until(d -> d.findElements(By.cssSelector("#peers tbody tr[data-peer]")).size() == 3);
      for (String peer : List.of("alpha", "beta", "gamma")) {
        assertEquals(1, browser.findElements(By.cssSelector("#peers tr[data-peer='" + peer + "']")).size(), peer);
      }
      wait.until(d -> points(d) > 0);
      int before = points(browser);
      wait.until(d -> points(d) > before + 3);
      // Read in the page at once: the table is drawn anew on every update, so an element found in one
      // WebDriver call is often gone by the next.
      WebDriver page = browser;
      wait.withMessage(() -> "the peers' statuses: " + statuses(page))
          .until(d -> statuses(d).matches(".*alpha (training|waiting).*"));
      assertEquals("100.0%", ((JavascriptExecutor) browser).executeScript(
          "return document.querySelector('#peers tr[data-peer=alpha]').cells[14].textContent"),
          "no small-loss selection: every example trains");
      chartInteractions(browser, wait);
      wait.until(ExpectedConditions.textToBe(By.id("connection"), "live"));

      browser.findElement(By.id("token")).sendKeys(token);
      browser.findElement(By.id("extract-button")).click();
      WebElement status = browser.findElement(By.id("control-status"));
      wait.until(d -> status.getText().startsWith("extracted ") || status.getText().contains("failed"));
      assertTrue(status.getText().startsWith("extracted "), status.getText());
      String peer = status.getText().split(" ")[1].replace(":", "");
      assertTrue(Files.isRegularFile(runPath.resolve("extracted").resolve(peer).resolve("model.zip")), status.getText());
      wait.until(d -> !d.findElements(By.cssSelector("#events li[data-event='extraction-finished']")).isEmpty());

      Path screenshot = Path.of("target", "dashboard-e2e.png");
      Files.createDirectories(screenshot.getParent());
      Files.write(screenshot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

      browser.findElement(By.id("stop-button")).click();
      wait.until(ExpectedConditions.alertIsPresent()).accept();
      Launch.Outcome outcome = run.get(120, TimeUnit.SECONDS);
      assertFalse(outcome.finished().getSuccess());
      assertTrue(outcome.finished().getMessage().contains("stopped by the dashboard's stop control"),
          outcome.finished().getMessage());
      assertTrue(Files.readString(runPath.resolve("events.jsonl")).contains("\"stop-requested\""));
    } finally {
      if (browser != null) {
        browser.quit();
      }
      if (!run.isDone()) {
        stopByApi(runPath);
        run.get(120, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The loss chart (uPlot) as a user handles it: the legend names every peer and shows the values
   * under the cursor; a click on a legend entry hides the peer's curve and another shows it again;
   * dragging across the chart zooms in, new points keep the zoom, and a double-click zooms out.
   */
  private static void chartInteractions(WebDriver browser, WebDriverWait wait) {
    By chart = By.id("chart-loss");
    By over = By.cssSelector("#chart-loss .u-over");
    By alphaEntry = By.xpath("//div[@id='chart-loss']//tr[contains(@class,'u-series')][.//th[normalize-space()='alpha']]");
    wait.until(d -> d.findElements(By.cssSelector("#chart-loss .u-legend tr.u-series")).size() == 4); // step + 3 peers

    new Actions(browser).moveToElement(browser.findElement(over), 100, 0).perform();
    wait.until(d -> d.findElements(By.cssSelector("#chart-loss .u-legend tr.u-series .u-value")).stream()
        .anyMatch(value -> value.getText().matches("[0-9.]+")));

    browser.findElement(alphaEntry).findElement(By.tagName("th")).click();
    wait.until(d -> d.findElement(alphaEntry).getAttribute("class").contains("u-off"));
    browser.findElement(alphaEntry).findElement(By.tagName("th")).click();
    wait.until(d -> !d.findElement(alphaEntry).getAttribute("class").contains("u-off"));

    WebElement plot = browser.findElement(over);
    int width = plot.getSize().getWidth();
    new Actions(browser).moveToElement(plot, -width / 4, 0).clickAndHold().moveByOffset(width / 5, 0).release().perform();
    wait.until(d -> "true".equals(d.findElement(chart).getAttribute("data-zoomed")));
    int zoomedAt = points(browser);
    wait.until(d -> points(d) > zoomedAt);
    assertEquals("true", browser.findElement(chart).getAttribute("data-zoomed"), "new points keep the user's zoom");
    new Actions(browser).doubleClick(browser.findElement(over)).perform();
    wait.until(d -> "false".equals(d.findElement(chart).getAttribute("data-zoomed")));
  }

  /** Each peer's row: its name, status and step, as the page shows them now. */
  private static String statuses(WebDriver browser) {
    return String.valueOf(((JavascriptExecutor) browser).executeScript(
        "return [...document.querySelectorAll('#peers tr[data-peer]')].map(r => r.dataset.peer + ' '"
            + " + r.dataset.status + ' ' + r.cells[6].textContent).join(', ')"));
  }

  private static int points(WebDriver browser) {
    String value = browser.findElement(By.id("chart-loss")).getAttribute("data-points");
    return value == null ? 0 : Integer.parseInt(value);
  }

  private static String awaitDashboard(Path address, CompletableFuture<Launch.Outcome> run) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.exists(address)) {
      assertFalse(run.isDone(), "the run ended before its dashboard was up");
      assertTrue(System.nanoTime() < deadline, "no dashboard.json within 120 s");
      Thread.sleep(100);
    }
    return JSON.readTree(address.toFile()).path("url").asText();
  }

  private static WebDriver chromium() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--window-size=1400,1600");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  /** If the test failed before clicking stop, the run is stopped through the same API. */
  private static void stopByApi(Path runPath) throws Exception {
    String url = JSON.readTree(runPath.resolve("dashboard.json").toFile()).path("url").asText();
    java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "api/stop"))
            .header("Authorization", "Bearer " + Files.readString(runPath.resolve("dashboard.token")).trim())
            .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding());
  }
}
