package dev.cohort.actors.peer;

import dev.cohort.model.data.LabeledData;
import dev.cohort.model.nn.Checkpoints;
import dev.cohort.model.nn.PeerNetwork;
import dev.cohort.protocol.Checkpointed;
import dev.cohort.protocol.CoordinatorInbox;
import dev.cohort.protocol.Encoding;
import dev.cohort.protocol.ModelExported;
import dev.cohort.protocol.PeerFailed;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.PeerProgress;
import dev.cohort.protocol.PeerReport;
import dev.cohort.protocol.ProbabilityCodec;
import dev.cohort.protocol.ValidationPredictions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The wire messages one peer sends, stamped with its run, its name and its node. */
final class PeerMessages {

  /** Most rows per validation chunk (fewer where the rows are wide). */
  static final int VALIDATION_CHUNK_ROWS = 1000;

  private final String runId;
  private final String peer;
  private final String node;
  private final int classes;
  private final int validationRows;

  PeerMessages(PeerSetup setup, int classes) {
    this.runId = setup.settings().runId();
    this.peer = setup.spec().name();
    this.node = setup.node();
    this.classes = classes;
    this.validationRows =
        Math.max(1, Math.min(VALIDATION_CHUNK_ROWS, Softening.MAX_PAYLOAD_BYTES / (classes * ProbabilityCodec.bytesPerValue(Encoding.FLOAT16))));
  }

  PeerInbox progress(long trainedThrough) {
    return PeerInbox.newBuilder()
        .setProgress(PeerProgress.newBuilder().setRunId(runId).setPeer(peer).setTrainedThrough(trainedThrough))
        .build();
  }

  /** {@code report}'s window figures completed with who, where and how far. */
  CoordinatorInbox report(PeerReport.Builder report, int epoch, long step, PeerNetwork network) {
    return CoordinatorInbox.newBuilder()
        .setReport(
            report
                .setRunId(runId)
                .setPeer(peer)
                .setNode(node)
                .setEpoch(epoch)
                .setStep(step)
                .setParameterCount(network.parameterCount())
                .setArchitecture(network.architecture())
                .setSentAtMillis(System.currentTimeMillis()))
        .build();
  }

  /** The validation probabilities of {@code epoch} and the split's labels, in chunks of rows. */
  List<CoordinatorInbox> validation(int epoch, float[] probabilities, LabeledData split) {
    List<CoordinatorInbox> chunks = new ArrayList<>();
    int total = split.size();
    for (int first = 0; first < total; first += validationRows) {
      int rows = Math.min(validationRows, total - first);
      float[] chunk = Arrays.copyOfRange(probabilities, first * classes, (first + rows) * classes);
      ValidationPredictions.Builder message =
          ValidationPredictions.newBuilder()
              .setRunId(runId)
              .setPeer(peer)
              .setEpoch(epoch)
              .setFirstRow(first)
              .setTotalRows(total)
              .setRows(rows)
              .setClasses(classes)
              .setEncoding(Encoding.FLOAT16)
              .setPayload(ProbabilityCodec.encode(chunk, Encoding.FLOAT16));
      for (int r = first; r < first + rows; r++) {
        message.addLabels(split.label(r));
      }
      chunks.add(CoordinatorInbox.newBuilder().setValidation(message).build());
    }
    return chunks;
  }

  /** A checkpoint written, or (restored) the one this peer resumed from and the newer ones it rejected. */
  CoordinatorInbox checkpointed(Path model, Checkpoints.State state, boolean restored, List<String> rejected) {
    return CoordinatorInbox.newBuilder()
        .setCheckpointed(
            Checkpointed.newBuilder()
                .setRunId(runId)
                .setPeer(peer)
                .setNode(node)
                .setPath(model.toString())
                .setStep(state.step())
                .setTrainedThrough(state.trainedThrough())
                .setRestored(restored)
                .addAllRejected(rejected))
        .build();
  }

  CoordinatorInbox exported(Path file, PeerNetwork.Evaluation test, PeerNetwork network) {
    return CoordinatorInbox.newBuilder()
        .setExported(
            ModelExported.newBuilder()
                .setRunId(runId)
                .setPeer(peer)
                .setModelPath(file.toString())
                .setTestAccuracy(test.accuracy())
                .setTestExamples(test.examples())
                .setParameterCount(network.parameterCount())
                .setArchitecture(network.architecture())
                .setTestLoss(test.crossEntropy())
                .addAllInputShape(network.inputShape())
                .setClasses(network.classes()))
        .build();
  }

  /** Built without an instance: a peer that cannot start has no classes to stamp. */
  static CoordinatorInbox failed(PeerSetup setup, String reason) {
    String peer = setup.spec().name();
    return CoordinatorInbox.newBuilder()
        .setFailed(
            PeerFailed.newBuilder()
                .setRunId(setup.settings().runId())
                .setPeer(peer)
                .setReason("peer " + peer + " on " + setup.node() + ": " + reason))
        .build();
  }
}
