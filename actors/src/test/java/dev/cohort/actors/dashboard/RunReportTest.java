package dev.cohort.actors.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.actors.TestCohorts;
import dev.cohort.actors.config.CohortSettings;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report.html opens offline (everything inlined, the run built in) and the plots are real PNGs. */
class RunReportTest {

  @TempDir Path runs;

  @Test
  void writesASelfContainedReportAndThePlots() throws Exception {
    CohortSettings settings = TestCohorts.settings(runs, "rep", "", "a", "b");
    Path run = settings.runPath();
    Files.createDirectories(run);
    Files.writeString(run.resolve("events.jsonl"),
        "{\"time\":\"2026-11-28T10:00:00Z\",\"event\":\"run-started\",\"run\":\"rep\",\"peers\":2,\"nodes\":1,\"topology\":\"dml\"}\n"
            + "{\"time\":\"2026-11-28T10:00:09Z\",\"event\":\"run-finished\",\"success\":true,\"message\":\"done\"}\n");
    StringBuilder metrics = new StringBuilder();
    for (int step = 10; step <= 40; step += 10) {
      for (String peer : new String[] {"a", "b"}) {
        metrics.append("{\"time\":\"2026-11-28T10:00:0").append(step / 10).append("Z\",\"peer\":\"").append(peer)
            .append("\",\"epoch\":").append(step / 20 + 1).append(",\"step\":").append(step)
            .append(",\"ce_loss\":").append(1.0 / step).append(",\"kd_loss\":0.01,\"epoch_end\":").append(step % 20 == 0)
            .append(",\"val_accuracy\":0.").append(5 + step / 10).append(",\"val_loss\":0.4}\n");
      }
    }
    Files.writeString(run.resolve("metrics.jsonl"), metrics + "{\"time\":\"2026-11-28T10:00:0"); // a torn last line

    Path report = RunReport.write(settings);

    String html = Files.readString(report);
    assertTrue(html.contains("window.COHORT_SNAPSHOT = {"), "the run is built in");
    assertTrue(html.contains("\"phase\":\"finished\""));
    assertTrue(html.contains("function lineChart"), "the script is inlined");
    assertTrue(html.contains("<style>"), "the style is inlined");
    assertFalse(html.contains("src=\"assets/") || html.contains("href=\"assets/"), "nothing is fetched from a server");
    assertFalse(html.matches("(?s).*(src|href)=\"https?:.*"), "nor from the internet");
    for (String plot : new String[] {"accuracy.png", "loss.png"}) {
      BufferedImage image = ImageIO.read(run.resolve(plot).toFile());
      assertEquals(900, image.getWidth(), plot);
      assertEquals(500, image.getHeight(), plot);
    }
  }

  @Test
  void aRunsTextCannotOpenAScriptOrCloseTheTitleInTheReport() throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode snapshot = new com.fasterxml.jackson.databind.ObjectMapper()
        .createObjectNode();
    snapshot.putObject("run").put("id", "r</title><script>alert(1)</script>");
    snapshot.putArray("events").addObject().put("message", "</script><script>alert(2)</script><!--");
    String html = RunReport.html(snapshot);
    assertTrue(html.contains("<title>Cohort report r&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>"),
        html.substring(0, 400));
    assertFalse(html.contains("<script>alert"), "no script of the run's text");
    assertFalse(html.contains("</script><script>alert(2)"));
    assertTrue(html.contains("\\u003c/script>\\u003cscript>alert(2)"), "the text itself is kept, escaped");
  }
}
