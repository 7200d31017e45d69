package dev.cohort.actors.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page of a 64-peer cohort on 16 nodes in headless Chromium: the dashboard's own view of the
 * run's lines (CohortView, as a run's report builds it) drawn by the dashboard's script. The table
 * shows one folded heading per node and every peer under it when unfolded; a header click sorts;
 * the charts draw the cohort's range as a band, its median and the best peer, not 64 curves, and a
 * peer chosen in the table joins them. The page as the test leaves it: {@code
 * target/dashboard-large-cohort.png}.
 */
class LargeCohortBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final int PEERS = 64;
  private static final int NODES = 16;

  private static String name(int peer) {
    return String.format(Locale.ROOT, "p%02d", peer);
  }

  /** Three epochs of 100 steps: a report every 20 steps, val accuracy rising with the peer's number. */
  private static CohortView view() {
    List<String> names = new ArrayList<>();
    for (int p = 1; p <= PEERS; p++) {
      names.add(name(p));
    }
    CohortView view = new CohortView("large", names, 3, Duration.ofDays(1));
    Instant time = Instant.parse("2026-12-07T10:00:00Z");
    view.apply(RunFeed.Kind.EVENT, "{\"time\": \"" + time + "\", \"event\": \"training-started\"}");
    for (int step = 20; step <= 300; step += 20) {
      for (int p = 1; p <= PEERS; p++) {
        boolean epochEnd = step % 100 == 0;
        String line = String.format(Locale.ROOT, "{\"time\": \"%s\", \"peer\": \"%s\", \"node\": \"pekko://cohort@10.0.0.%d:25520\","
                + " \"epoch\": %d, \"step\": %d, \"steps_per_epoch\": 100, \"ce_loss\": %.4f, \"kd_loss\": 0.1,"
                + " \"steps_per_second\": %.1f, \"epoch_end\": %s%s, \"finished\": false}",
            time.plusSeconds(step), name(p), 1 + (p - 1) % NODES, Math.min(3, 1 + (step - 1) / 100), step,
            2.0 / (1 + step / 100.0) + p * 0.001, 20.0 + p % 5, epochEnd,
            epochEnd ? String.format(Locale.ROOT, ", \"val_accuracy\": %.4f, \"val_loss\": 0.5", 0.5 + step / 1000.0 + p / 1000.0)
                : "");
        view.apply(RunFeed.Kind.METRICS, line);
      }
    }
    // the epoch's agreement and KL between every two peers, as the coordinator writes them
    com.fasterxml.jackson.databind.node.ObjectNode cohort = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
        .objectNode().put("time", time.plusSeconds(301).toString()).put("cohort", true).put("epoch", 3)
        .put("ensemble_val_accuracy", 0.87).put("mean_agreement", 0.9).put("mean_kl", 0.05);
    com.fasterxml.jackson.databind.node.ObjectNode agreement = cohort.putObject("agreement");
    com.fasterxml.jackson.databind.node.ObjectNode kl = cohort.putObject("kl");
    for (String a : names) {
      for (String b : names) {
        if (!a.equals(b)) {
          agreement.with(a).put(b, 0.9);
          kl.with(a).put(b, 0.05);
        }
      }
    }
    view.apply(RunFeed.Kind.METRICS, cohort.toString());
    return view;
  }

  @Test
  void sixtyFourPeersFoldByNodeSortAndChartAsABandWithTheChosenPeers(@TempDir Path dir) throws Exception {
    assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "this test needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver (.ci/run does)");
    Path page = dir.resolve("report.html");
    Files.writeString(page, RunReport.html(view().snapshot()));
    WebDriver browser = chromium();
    try {
      browser.get(page.toUri().toString());
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
      wait.until(b -> b.findElements(By.cssSelector("#peers tr.node-group")).size() == NODES);

      // folded: 16 headings, no peer rows; each heading names its 4 peers and their range
      assertEquals(0, browser.findElements(By.cssSelector("#peers tbody tr[data-peer]")).size());
      WebElement first = browser.findElements(By.cssSelector("#peers tr.node-group")).get(0);
      assertEquals("10.0.0.1:25520", first.getAttribute("data-node"));
      assertTrue(first.getText().contains("4 peers") && first.getText().contains("val acc 0.8010–0.8490"), first.getText());

      // unfolded: its four peers; sorted by val acc, twice for descending: the best first
      first.click();
      wait.until(b -> b.findElements(By.cssSelector("#peers tbody tr[data-node='10.0.0.1:25520'][data-peer]")).size() == 4);
      assertEquals(List.of("p01", "p17", "p33", "p49"), peersShown(browser));
      WebElement valAccuracy = browser.findElement(By.cssSelector("#peers th[data-sort='val_accuracy']"));
      valAccuracy.click();
      valAccuracy = browser.findElement(By.cssSelector("#peers th[data-sort='val_accuracy']"));
      valAccuracy.click();
      wait.until(b -> b.findElement(By.cssSelector("#peers th[data-sort='val_accuracy']")).getAttribute("aria-sort")
          .equals("descending"));
      assertEquals(List.of("p49", "p33", "p17", "p01"), peersShown(browser));

      // the charts: the cohort's range (a band), its median, the best peer; not 64 curves
      assertEquals(List.of("cohort highest", "cohort lowest", "cohort median", "p64 (best)"), legend(browser, "chart-loss"));
      assertTrue(bandFilled(browser, "chart-loss"), "the range between highest and lowest is filled");
      // a peer chosen in the table joins the charts
      browser.findElement(By.cssSelector("#peers tr[data-peer='p17'] td.peer-name")).click();
      wait.until(b -> legend(b, "chart-val-accuracy").contains("p17"));
      assertEquals(List.of("cohort highest", "cohort lowest", "cohort median", "p64 (best)", "p17"),
          legend(browser, "chart-loss"));
      assertTrue(browser.findElement(By.cssSelector("#peers tr[data-peer='p17']")).getAttribute("class").contains("chosen"));

      // the heat maps keep one cell per pair, with their names on hover
      assertEquals(PEERS * PEERS, browser.findElements(By.cssSelector("#heat-agreement rect")).size());
      Files.copy(((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(org.openqa.selenium.OutputType.FILE).toPath(),
          Path.of("target", "dashboard-large-cohort.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } finally {
      browser.quit();
    }
  }

  private static List<String> peersShown(WebDriver browser) {
    return browser.findElements(By.cssSelector("#peers tbody tr[data-peer]")).stream()
        .map(tr -> tr.getAttribute("data-peer")).toList();
  }

  private static List<String> legend(WebDriver browser, String chart) {
    return browser.findElements(By.cssSelector("#" + chart + " .u-legend tr.u-series th")).stream()
        .map(WebElement::getText).filter(label -> !label.equals("step")).toList();
  }

  /** Whether the chart's uPlot has a band filling between two of its series. */
  private static boolean bandFilled(WebDriver browser, String chart) {
    Object bands = ((JavascriptExecutor) browser).executeScript(
        "return document.querySelector('#" + chart + " .uplot') ? document.querySelector('#" + chart + "').dataset.bands : null;");
    return "1".equals(bands);
  }

  private static WebDriver chromium() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--window-size=1400,1600", "--allow-file-access-from-files");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }
}
