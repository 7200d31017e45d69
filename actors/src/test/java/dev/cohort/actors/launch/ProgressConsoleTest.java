package dev.cohort.actors.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress bars on a terminal, redrawn below the run's lines; nothing but the lines otherwise. */
class ProgressConsoleTest {

  private static ObjectNode row(String peer, long step) throws Exception {
    return (ObjectNode) new ObjectMapper().readTree("{\"peer\":\"" + peer + "\",\"epoch\":2,\"epochs\":4,\"step\":" + step
        + ",\"steps_total\":400,\"steps_per_second\":10.0,\"eta_seconds\":" + (400 - step) / 10 + ",\"status\":\"training\"}");
  }

  @Test
  void aBarShowsEpochStepSpeedAndEta() throws Exception {
    assertEquals("  mlp-a        [######..................]  25%  epoch 2/4  step 100/400  10/s  ETA 0m30s  training",
        ProgressConsole.bar(row("mlp-a", 100)));
  }

  @Test
  void onATerminalTheBarsStayBelowTheLines() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressConsole console = new ProgressConsole(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
    console.rows(List.of(row("a", 100), row("b", 200)), 4);
    console.accept("epoch 2 done");
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(out.startsWith(ProgressConsole.bar(row("a", 100)) + "\n" + ProgressConsole.bar(row("b", 200)) + "\n"), out);
    assertTrue(out.contains("\033[2F\033[Jepoch 2 done\n"), "the bars are erased, the line printed, the bars redrawn: " + out);
    assertTrue(out.endsWith(ProgressConsole.bar(row("b", 200)) + "\n"), out);
  }

  @Test
  void elsewhereOnlyTheLinesAndAnOccasionalPlainSummary() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressConsole console = new ProgressConsole(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    console.rows(List.of(row("a", 100)), 4);
    console.accept("epoch 2 done");
    assertEquals("epoch 2 done\n", bytes.toString(StandardCharsets.UTF_8), "no escape codes, no bar, within the first minute");
  }
}
