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
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard of a live local run in Debian's headless Chromium (driven by Selenium through
 * Debian's chromedriver): every peer has a row, the loss chart grows while the run trains, "extract
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
    String cohort = "cohort {\n"
        + "  run { id = \"browser\", directory = \"" + runs + "\" }\n"
        + "  data { format = synthetic, validation-size = 200,\n"
        + "         synthetic { train-examples = 2000, test-examples = 300, features = 16, classes = 4, noise = 0.8 } }\n"
        + "  training { epochs = 1000, batch-size = 50, learning-rate = 0.01, report-every = 5, checkpoint-every = 40 }\n"
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
      wait.until(d -> d.findElement(By.cssSelector("#peers tr[data-peer='alpha']")).getAttribute("data-status")
          .matches("training|waiting"));
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
