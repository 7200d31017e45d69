package dev.cohort.actors.launch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.actors.dashboard.Dashboard;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The launcher's console: the run's lines, and on a terminal a progress bar per peer (epoch,
 * step, speed, ETA) kept below them and redrawn every second; when the output is not a terminal,
 * a plain progress line every minute instead. Told the rows by the dashboard's actor (the
 * coordinator's console is this object), lines by the coordinator; both may call at once.
 */
final class ProgressConsole implements Consumer<String>, Dashboard.Progress {

  private static final long PLAIN_EVERY_NANOS = 60_000_000_000L;
  private static final int BAR = 24;

  private final PrintStream out;
  private final boolean terminal;
  private List<ObjectNode> rows = List.of();
  private int drawn;
  private long lastPlain = System.nanoTime();

  ProgressConsole(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** Bars when standard output is a terminal (and TERM is not dumb), plain lines otherwise. */
  static ProgressConsole stdout() {
    boolean terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
    return new ProgressConsole(System.out, terminal);
  }

  @Override
  public synchronized void accept(String line) {
    clear();
    out.println(line);
    draw();
  }

  @Override
  public synchronized void rows(List<ObjectNode> rows, int epochs) {
    if (rows.stream().noneMatch(r -> r.path("steps_total").asLong() > 0)) {
      return; // nothing to show before the first reports
    }
    this.rows = rows;
    if (terminal) {
      clear();
      draw();
    } else if (System.nanoTime() - lastPlain >= PLAIN_EVERY_NANOS) {
      lastPlain = System.nanoTime();
      StringBuilder line = new StringBuilder("progress:");
      for (ObjectNode row : rows) {
        line.append(String.format(Locale.ROOT, " %s %d/%d epochs, step %d/%d, %.0f steps/s, ETA %s, %s;",
            row.path("peer").asText(), row.path("epoch").asInt(), row.path("epochs").asInt(), row.path("step").asLong(),
            row.path("steps_total").asLong(), row.path("steps_per_second").asDouble(), eta(row),
            row.path("status").asText()));
      }
      out.println(line.substring(0, line.length() - 1));
    }
  }

  /** One peer's bar, e.g. {@code mlp-a  [#########...............]  37%  epoch 4/10  step 1740/4690  118/s  ETA 0m25s  training}. */
  static String bar(ObjectNode row) {
    long total = row.path("steps_total").asLong();
    double done = total > 0 ? Math.min(1.0, row.path("step").asDouble() / total) : 0;
    int filled = (int) Math.round(done * BAR);
    return String.format(Locale.ROOT, "  %-12s [%s%s] %3.0f%%  epoch %d/%d  step %d/%d  %.0f/s  ETA %s  %s",
        row.path("peer").asText(), "#".repeat(filled), ".".repeat(BAR - filled), 100 * done, row.path("epoch").asInt(),
        row.path("epochs").asInt(), row.path("step").asLong(), total, row.path("steps_per_second").asDouble(), eta(row),
        row.path("status").asText());
  }

  private static String eta(ObjectNode row) {
    if (!row.path("eta_seconds").isNumber()) {
      return "?";
    }
    long s = row.path("eta_seconds").asLong();
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }

  private void clear() {
    if (drawn > 0) {
      out.print("\033[" + drawn + "F\033[J"); // up to the first bar, erase to the end of the screen
      drawn = 0;
    }
  }

  private void draw() {
    if (!terminal) {
      return;
    }
    for (ObjectNode row : rows) {
      out.println(bar(row));
    }
    drawn = rows.size();
    out.flush();
  }
}
