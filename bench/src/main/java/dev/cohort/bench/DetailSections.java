package dev.cohort.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The detail sections of {@code docs/PERFORMANCE.md} (where one step's time goes, the encodings,
 * the LeNet study), and the number formats every section uses: a value not measured is a dash.
 */
final class DetailSections {

  private DetailSections() {}

  static void profiles(StringBuilder md, List<StepProfile.Result> profiles) {
    if (profiles.isEmpty()) {
      return;
    }
    md.append("## 2. Where one step's time goes\n\n")
        .append("Each model under each engine, in this JVM, 1 thread. **JFR**: JDK Flight Recorder's execution and")
        .append(" native-method samples of the training thread, every millisecond, each put on the deepest DL4J or Cohort")
        .append(" frame of its stack (`Class.method:line`), then the ND4J method that frame called and `native` when the")
        .append(" thread was inside a JNI call (an ND4J op); `ms / step` is the share times the median step of that")
        .append(" recording. **ND4J ops**: ND4J's op profiler (profiling mode OPERATIONS, elapsed time checked) over")
        .append(" separate steps: calls per step of every op, and the time of the calls over 0.1 ms, which is all it")
        .append(" times by name (the profiler's own overhead slows these steps). **Layers**: each DL4J layer's forward and")
        .append(" backward call timed in turn, as `fit` calls them, in one reused workspace (the split between layers;")
        .append(" the step's total is the first line).\n\n");
    md.append("The three most expensive items of DL4J's own `fit` (JFR):\n\n");
    for (StepProfile.Result p : profiles) {
      if (p.engine() == dev.cohort.model.nn.StepEngine.DL4J) {
        md.append("- ").append(p.model()).append(" (").append(f(p.step().median(), "%.2f")).append(" ms a step): ");
        List<HotFrames.Spot> top = p.frames().spots().stream().limit(3).toList();
        md.append(String.join("; ", top.stream().map(spot -> "`" + spot.where() + "` " + f(100 * spot.share(), "%.0f %%")
            + " (" + f(spot.share() * p.step().median(), "%.2f") + " ms)").toList())).append('\n');
      }
    }
    md.append('\n');
    for (StepProfile.Result p : profiles) {
      md.append("### ").append(p.model()).append(", ").append(p.path()).append("\n\nStep: ").append(timing(p.step()))
          .append(" ms over ").append(p.frames().samples()).append(" samples.\n\n")
          .append("| JFR: where | share | ms / step |\n| --- | ---: | ---: |\n");
      for (HotFrames.Spot spot : p.frames().spots().stream().limit(10).toList()) {
        md.append("| `").append(spot.where()).append("` | ").append(f(100 * spot.share(), "%.1f %%")).append(" | ")
            .append(f(spot.share() * p.step().median(), "%.2f")).append(" |\n");
      }
      md.append("\n| ND4J op | calls / step | ms / step in calls over 0.1 ms |\n| --- | ---: | ---: |\n");
      for (Nd4jOps.Op op : p.ops().ops().stream().limit(10).toList()) {
        md.append("| ").append(op.name()).append(" | ").append(f(op.callsPerStep(), "%.1f")).append(" | ")
            .append(f(op.longCallMillisPerStep(), "%.2f")).append(" |\n");
      }
      md.append("\nAll ops: ").append(f(p.ops().callsPerStep(), "%.1f")).append(" calls and ")
          .append(f(p.ops().opMillisPerStep(), "%.2f")).append(" ms per step (every call timed).\n\n");
      if (!p.layers().isEmpty()) {
        md.append("| layer | forward ms | backward ms |\n| --- | ---: | ---: |\n");
        for (LayerTimes.Layer layer : p.layers()) {
          md.append("| ").append(layer.name()).append(" | ").append(f(layer.forwardMillis(), "%.2f")).append(" | ")
              .append(f(layer.backwardMillis(), "%.2f")).append(" |\n");
        }
        md.append('\n');
      }
    }
  }

  static void encodings(StringBuilder md, List<CodecTimes.Result> codecs, List<EncodingAccuracy.Row> accuracy) {
    md.append("## 4. Encodings on the wire\n\n")
        .append("Encode + Protobuf serialize + parse + decode of one batch of 128 rows (softened predictions of a")
        .append(" confident network), median of the second half of 2,000 repetitions, this JVM:\n\n")
        .append("| classes | encoding | message bytes | vs float32 | µs per batch |\n| ---: | --- | ---: | ---: | ---: |\n");
    for (CodecTimes.Result c : codecs) {
      int dense = codecs.stream().filter(o -> o.classes() == c.classes() && o.encoding().equals("float32"))
          .mapToInt(CodecTimes.Result::messageBytes).findFirst().orElse(c.messageBytes());
      md.append("| ").append(c.classes()).append(" | ").append(c.encoding()).append(" | ").append(c.messageBytes())
          .append(" | ").append(f(100.0 * c.messageBytes() / dense, "%.1f %%")).append(" | ")
          .append(f(c.microsPerBatch(), "%.1f")).append(" |\n");
    }
    if (accuracy.isEmpty()) {
      md.append("\nAccuracy effect: not measured in this run (`--no-accuracy`).\n\n");
      return;
    }
    md.append("\nEffect on learning: deep mutual learning, K = 2 MLPs (784-256-10 / 64-256-1000), the same seeds for")
        .append(" every encoding. `best test`: the best peer (chosen on validation) on the test split; `val`: mean")
        .append(" final validation accuracy of the peers; Δ: against float32 with the same seed, in points.\n\n")
        .append("| task | encoding | seeds | best test | val | Δ val vs float32 (per seed) | bytes / step / link | ms / step |\n")
        .append("| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |\n");
    accuracy.stream().map(EncodingAccuracy.Row::task).distinct().forEach(task -> {
      for (String encoding : List.of("float32", "float16", "top-k")) {
        List<EncodingAccuracy.Row> rows = accuracy.stream().filter(r -> r.task().equals(task) && r.encoding().equals(encoding)).toList();
        List<String> deltas = new ArrayList<>();
        for (EncodingAccuracy.Row r : rows) {
          accuracy.stream().filter(b -> b.task().equals(task) && b.encoding().equals("float32") && b.seed() == r.seed())
              .findFirst().ifPresent(b -> deltas.add(f(100 * (r.meanVal() - b.meanVal()), "%+.2f")));
        }
        md.append("| ").append(task).append(" | ").append(encoding).append(" | ").append(rows.size()).append(" | ")
            .append(f(Stats.mean(rows.stream().map(EncodingAccuracy.Row::bestTest).toList()), "%.4f")).append(" | ")
            .append(f(Stats.mean(rows.stream().map(EncodingAccuracy.Row::meanVal).toList()), "%.4f")).append(" | ")
            .append(String.join(", ", deltas)).append(" | ")
            .append(f(Stats.mean(rows.stream().map(EncodingAccuracy.Row::bytesPerStep).toList()), "%.0f")).append(" | ")
            .append(f(Stats.mean(rows.stream().map(EncodingAccuracy.Row::stepMillis).toList()), "%.2f")).append(" |\n");
      }
    });
    md.append('\n');
  }

  static void cnnStudy(StringBuilder md, List<CnnStudy.Variant> cnn) {
    if (cnn.isEmpty()) {
      return;
    }
    md.append("## 5. The LeNet step: what each change buys\n\n")
        .append("DL4J's LeNet `fit`, its variants interleaved step by step in this JVM; ND4J never runs more threads")
        .append(" than OMP_NUM_THREADS allows (the launcher sets 1 unless it is set).\n\n")
        .append("| variant of DL4J's LeNet `fit` | ms per step | / as shipped |\n| --- | ---: | ---: |\n");
    double shipped = cnn.get(0).step().median();
    cnn.forEach(v -> md.append("| ").append(v.name()).append(" | ").append(timing(v.step())).append(" | ")
        .append(f(v.step().median() / shipped, "%.2f")).append(" |\n"));
    md.append('\n');
  }

  static String timing(StepTimes.Timing t) {
    return f(t.median(), "%.2f") + " [" + f(t.q1(), "%.2f") + "–" + f(t.q3(), "%.2f") + "]";
  }

  static String f(double value, String format) {
    return Double.isNaN(value) ? "—" : String.format(Locale.ROOT, format, value);
  }
}
