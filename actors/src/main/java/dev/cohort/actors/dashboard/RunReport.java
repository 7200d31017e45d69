package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.model.io.AtomicFiles;
import java.awt.Color;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code runs/<id>/report.html}: the dashboard's page with the run's final snapshot built in (from
 * {@code events.jsonl} and {@code metrics.jsonl}) and its script and style inlined, so it opens
 * offline; and {@code accuracy.png} and {@code loss.png}, the same curves as images.
 */
public final class RunReport {

  private RunReport() {}

  /** Writes the report and the plots of the run in {@code settings.runPath()}; the report's path. */
  public static Path write(CohortSettings settings) throws IOException {
    Path run = settings.runPath();
    CohortView view = new CohortView(settings.runId(), settings.peers().stream().map(PeerSpec::name).toList(),
        settings.training().epochs(), Duration.ofDays(3650));
    for (Dashboard.Line line : RunLines.read(run)) {
      view.apply(line.kind(), line.json());
    }
    ObjectNode snapshot = view.snapshot();
    Path report = run.resolve("report.html");
    AtomicFiles.writeString(report, html(snapshot));
    byte[] accuracy = accuracyPlot(snapshot);
    byte[] loss = lossPlot(snapshot);
    AtomicFiles.write(run.resolve("accuracy.png"), out -> out.write(accuracy));
    AtomicFiles.write(run.resolve("loss.png"), out -> out.write(loss));
    return report;
  }

  static String html(ObjectNode snapshot) {
    String page = resource("index.html");
    // Every "<" of the data as a JSON escape (read the same by JSON and JavaScript): no text of a run can
    // close the script element or open a comment in it.
    String data = snapshot.toString().replace("<", "\\u003c");
    return page
        .replace("<link rel=\"stylesheet\" href=\"assets/vendor/uPlot.min.css\">",
            "<style>\n" + resource("vendor/uPlot.min.css") + "</style>")
        .replace("<link rel=\"stylesheet\" href=\"assets/dashboard.css\">", "<style>\n" + resource("dashboard.css") + "</style>")
        .replace("<script src=\"assets/vendor/uPlot.iife.min.js\"></script>",
            "<script>\n" + script(resource("vendor/uPlot.iife.min.js")) + "</script>")
        .replace("<script src=\"assets/dashboard.js\"></script>",
            "<script>window.COHORT_SNAPSHOT = " + data + ";</script>\n<script>\n"
                + script(resource("dashboard.js")) + "</script>")
        .replace("<title>Cohort dashboard</title>",
            "<title>Cohort report " + escapeHtml(snapshot.path("run").path("id").asText()) + "</title>");
  }

  /** Text as it must appear in an HTML element: {@code & < > " '} as character references. */
  static String escapeHtml(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private static byte[] accuracyPlot(ObjectNode snapshot) throws IOException {
    List<CurvePlot.Line> lines = new ArrayList<>();
    int i = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = snapshot.path("series").fields(); it.hasNext(); i++) {
      Map.Entry<String, JsonNode> peer = it.next();
      lines.add(new CurvePlot.Line(peer.getKey(), peer.getValue().path("val_accuracy"), color(i), false, false));
    }
    lines.add(new CurvePlot.Line("ensemble", snapshot.path("ensemble"), Color.BLACK, true, false));
    return CurvePlot.png("Validation accuracy — run " + snapshot.path("run").path("id").asText(), "accuracy", lines, false);
  }

  private static byte[] lossPlot(ObjectNode snapshot) throws IOException {
    List<CurvePlot.Line> lines = new ArrayList<>();
    int i = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = snapshot.path("series").fields(); it.hasNext(); i++) {
      Map.Entry<String, JsonNode> peer = it.next();
      lines.add(new CurvePlot.Line(peer.getKey() + " train", peer.getValue().path("loss"), color(i).brighter(), false, true));
      lines.add(new CurvePlot.Line(peer.getKey() + " val", peer.getValue().path("val_loss"), color(i), false, false));
    }
    return CurvePlot.png("Loss — run " + snapshot.path("run").path("id").asText()
        + " (training: CE + KD per report; validation: CE per epoch)", "loss", lines, true);
  }

  private static Color color(int i) {
    return CurvePlot.COLORS[i % CurvePlot.COLORS.length];
  }

  /** A script's text inside the page's script element, which must not end early. */
  private static String script(String source) {
    return source.replace("</script", "<\\/script");
  }

  private static String resource(String name) {
    try (InputStream in = RunReport.class.getClassLoader().getResourceAsStream("dashboard/" + name)) {
      if (in == null) {
        throw new IllegalStateException("dashboard/" + name + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
