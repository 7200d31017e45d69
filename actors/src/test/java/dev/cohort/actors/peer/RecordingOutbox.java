package dev.cohort.actors.peer;

import dev.cohort.protocol.Encoding;
import dev.cohort.protocol.ProbabilityCodec;
import dev.cohort.protocol.SoftPredictions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/** What a step sent, kept for a test to read; and predictions as a teacher sends them, float32. */
final class RecordingOutbox implements Outbox {

  /** One batch's predictions sent: to every student ({@code student} null) or to one. */
  record Sent(String student, long batchId, long modelStep, int rows, float[] softened) {}

  /** Progress sent to some peers. */
  record Progress(long trainedThrough, Set<String> recipients) {}

  final List<Sent> sent = new ArrayList<>();
  final List<Progress> progress = new ArrayList<>();

  @Override
  public void toStudents(long batchId, long modelStep, int rows, float[] softened) {
    sent.add(new Sent(null, batchId, modelStep, rows, softened));
  }

  @Override
  public void toStudent(String student, long batchId, long modelStep, int rows, float[] softened) {
    sent.add(new Sent(student, batchId, modelStep, rows, softened));
  }

  @Override
  public void progress(long trainedThrough, Collection<String> recipients) {
    progress.add(new Progress(trainedThrough, Set.copyOf(recipients)));
  }

  List<Long> batchesSent() {
    return sent.stream().map(Sent::batchId).toList();
  }

  /** {@code rows} of a teacher's softmax(z / T) for a batch, as they come off the wire. */
  static SoftPredictions predictions(String run, String from, long batchId, long modelStep, int classes,
      double temperature, float[] rows) {
    return SoftPredictions.newBuilder().setRunId(run).setFromPeer(from).setBatchId(batchId).setModelStep(modelStep)
        .setRows(rows.length / classes).setClasses(classes).setTemperature((float) temperature)
        .setEncoding(Encoding.FLOAT32)
        .setPayload(ProbabilityCodec.encode(rows, Encoding.FLOAT32)).build();
  }
}
