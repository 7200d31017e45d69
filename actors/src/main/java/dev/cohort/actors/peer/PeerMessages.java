package dev.cohort.actors.peer;

import dev.cohort.model.Checkpoints;
import dev.cohort.model.LabeledData;
import dev.cohort.model.PeerNetwork;
import dev.cohort.protocol.Checkpointed;
import dev.cohort.protocol.CoordinatorInbox;
import dev.cohort.protocol.Encoding;
import dev.cohort.protocol.ModelExported;
import dev.cohort.protocol.PeerFailed;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.PeerProgress;
import dev.cohort.protocol.PeerReport;
import dev.cohort.protocol.ProbabilityCodec;
import dev.cohort.protocol.SoftPredictions;
import dev.cohort.protocol.ValidationPredictions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;

/** The wire messages one peer sends, stamped with its run, its name and its node. */
final class PeerMessages {

  /**
   * Most payload bytes in one message. Artery refuses a message above its frame size (256 KiB by
   * default); what is bigger goes as several messages of whole rows, each below this.
   */
  static final int MAX_PAYLOAD_BYTES = 192 * 1024;

  /** Most rows per validation chunk (fewer where the rows are wide). */
  static final int VALIDATION_CHUNK_ROWS = 1000;

  private final String runId;
  private final String peer;
  private final String node;
  private final int classes;
  private final float temperature;
  private final Map<String, ProbabilityCodec.Format> formats = new HashMap<>();
  private final ProbabilityCodec.Format runFormat;
  private final int validationRows;

  PeerMessages(PeerSetup setup, int classes) {
    this.runId = setup.settings().runId();
    this.peer = setup.spec().name();
    this.node = setup.node();
    this.classes = classes;
    this.temperature = (float) setup.settings().distillation().temperature();
    CohortSettings.Distillation distillation = setup.settings().distillation();
    this.runFormat = format(distillation.encoding(), distillation.topK(), classes);
    for (PeerSpec spec : setup.settings().peers()) {
      String encoding = spec.encoding().isEmpty() ? distillation.encoding() : spec.encoding();
      ProbabilityCodec.Format linkFormat = format(encoding, distillation.topK(), classes);
      int rowBytes = linkFormat.bytesPerRow(classes);
      if (rowBytes > MAX_PAYLOAD_BYTES) {
        throw new IllegalArgumentException("one row of predictions over " + classes + " classes takes " + rowBytes
            + " bytes in " + encoding + " (the links to " + spec.name() + "), more than a message carries ("
            + MAX_PAYLOAD_BYTES + "): use top-k");
      }
      formats.put(spec.name(), linkFormat);
    }
    this.validationRows =
        Math.max(1, Math.min(VALIDATION_CHUNK_ROWS, MAX_PAYLOAD_BYTES / (classes * ProbabilityCodec.bytesPerValue(Encoding.FLOAT16))));
  }

  /** The wire format an encoding name and {@code distillation.top-k} give, checked against the classes. */
  static ProbabilityCodec.Format format(String encoding, int topK, int classes) {
    return switch (encoding) {
      case "float16" -> ProbabilityCodec.Format.of(Encoding.FLOAT16);
      case "top-k" -> {
        if (topK >= classes) {
          throw new IllegalArgumentException("distillation.top-k = " + topK
              + " must be below the data's " + classes + " classes (or use float16)");
        }
        yield new ProbabilityCodec.Format(Encoding.TOP_K, topK);
      }
      default -> ProbabilityCodec.Format.of(Encoding.FLOAT32);
    };
  }

  /** The format of the link to {@code student}: its own {@code encoding}, or the run's. */
  ProbabilityCodec.Format formatFor(String student) {
    return formats.getOrDefault(student, runFormat);
  }

  /**
   * softmax(z / T) for batch {@code batchId}, computed by the model at {@code modelStep}: one
   * message, or several of whole rows when they would not fit one; with the sender's last
   * validation accuracy (NaN: not evaluated yet).
   */
  List<PeerInbox> predictions(
      long batchId, long modelStep, int rows, float[] softened, ProbabilityCodec.Format format,
      double validationAccuracy) {
    int rowsPerMessage = MAX_PAYLOAD_BYTES / format.bytesPerRow(classes);
    List<PeerInbox> messages = new ArrayList<>();
    for (int first = 0; first < rows; first += rowsPerMessage) {
      int count = Math.min(rowsPerMessage, rows - first);
      float[] part = count == rows ? softened : Arrays.copyOfRange(softened, first * classes, (first + count) * classes);
      SoftPredictions.Builder message =
          SoftPredictions.newBuilder()
              .setRunId(runId)
              .setFromPeer(peer)
              .setModelStep(modelStep)
              .setBatchId(batchId)
              .setRows(count)
              .setClasses(classes)
              .setTemperature(temperature)
              .setEncoding(format.encoding())
              .setTopK(format.encoding() == Encoding.TOP_K ? format.topK() : 0)
              .setPayload(ProbabilityCodec.encode(part, classes, format));
      if (count < rows) {
        message.setFirstRow(first).setBatchRows(rows);
      }
      if (!Double.isNaN(validationAccuracy)) {
        message.setValidationAccuracy(validationAccuracy);
      }
      messages.add(PeerInbox.newBuilder().setPredictions(message).build());
    }
    return messages;
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
                .setArchitecture(network.architecture()))
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
