package dev.cohort.actors.peer;

import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.model.distill.SoftTargets;
import dev.cohort.protocol.Contributor;
import dev.cohort.protocol.Encoding;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.ProbabilityCodec;
import dev.cohort.protocol.SoftPredictions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one owner of a peer's softened predictions: the temperature T, softmax(z / T) of its
 * logits, and their wire form on each of its links (the encoding of the link, messages of whole
 * rows below Artery's frame size) both ways. Built once per peer: the step, a frozen KD
 * teacher's serving, the predictions sent ahead of a step and the intake of its teachers'
 * predictions all soften and check with the same T, so a peer can never distil from a teacher
 * that softened at another temperature.
 */
final class Softening {

  /**
   * Most payload bytes in one message. Artery refuses a message above its frame size (256 KiB by
   * default); what is bigger goes as several messages of whole rows, each below this.
   */
  static final int MAX_PAYLOAD_BYTES = 192 * 1024;

  private final String runId;
  private final String self;
  private final int classes;
  private final int batchSize;
  private final double temperature;
  private final ProbabilityCodec.Format runFormat;
  private final Map<String, ProbabilityCodec.Format> linkFormats = new HashMap<>();

  /**
   * @throws IllegalArgumentException when a link's encoding cannot carry one row of {@code classes}
   *     in a message, or top-k is not below the classes
   */
  Softening(CohortSettings settings, String self, int classes) {
    CohortSettings.Distillation distillation = settings.distillation();
    this.runId = settings.runId();
    this.self = self;
    this.classes = classes;
    this.batchSize = settings.training().batchSize();
    this.temperature = distillation.temperature();
    this.runFormat = format(distillation.encoding(), distillation.topK(), classes);
    for (PeerSpec spec : settings.peers()) {
      String encoding = spec.encoding().isEmpty() ? distillation.encoding() : spec.encoding();
      ProbabilityCodec.Format linkFormat = format(encoding, distillation.topK(), classes);
      int rowBytes = linkFormat.bytesPerRow(classes);
      if (rowBytes > MAX_PAYLOAD_BYTES) {
        throw new IllegalArgumentException("one row of predictions over " + classes + " classes takes " + rowBytes
            + " bytes in " + encoding + " (the links to " + spec.name() + "), more than a message carries ("
            + MAX_PAYLOAD_BYTES + "): use top-k");
      }
      linkFormats.put(spec.name(), linkFormat);
    }
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

  double temperature() {
    return temperature;
  }

  int classes() {
    return classes;
  }

  /** softmax(z / T) of logits z, rows × classes, row-major. */
  float[] soften(float[] logits) {
    return SoftTargets.soften(logits, classes, temperature);
  }

  /** The format of the link to {@code student}: its own {@code encoding}, or the run's. */
  ProbabilityCodec.Format formatFor(String student) {
    return linkFormats.getOrDefault(student, runFormat);
  }

  /**
   * softmax(z / T) for batch {@code batchId}, computed by the model at {@code modelStep}, in
   * {@code format}: one message, or several of whole rows when they would not fit one; with the
   * sender's last validation accuracy (NaN: not evaluated yet).
   */
  List<PeerInbox> encode(long batchId, long modelStep, int rows, float[] softened, ProbabilityCodec.Format format,
      double validationAccuracy) {
    return encode(batchId, modelStep, rows, softened, format, validationAccuracy, List.of());
  }

  /**
   * A node's aggregate for node-ensemble: the average of the softened predictions of {@code
   * contributors} (this peer among them) for batch {@code batchId}, in the run's encoding, sent by
   * this peer; {@code modelStep} is the smallest of theirs.
   */
  List<PeerInbox> encodeAggregate(long batchId, long modelStep, int rows, float[] averaged,
      List<Contributor> contributors) {
    return encode(batchId, modelStep, rows, averaged, runFormat, Double.NaN, contributors);
  }

  private List<PeerInbox> encode(long batchId, long modelStep, int rows, float[] softened,
      ProbabilityCodec.Format format, double validationAccuracy, List<Contributor> contributors) {
    int rowsPerMessage = MAX_PAYLOAD_BYTES / format.bytesPerRow(classes);
    List<PeerInbox> messages = new ArrayList<>();
    for (int first = 0; first < rows; first += rowsPerMessage) {
      int count = Math.min(rowsPerMessage, rows - first);
      float[] part = count == rows ? softened : Arrays.copyOfRange(softened, first * classes, (first + count) * classes);
      SoftPredictions.Builder message =
          SoftPredictions.newBuilder()
              .setRunId(runId)
              .setFromPeer(self)
              .setModelStep(modelStep)
              .setBatchId(batchId)
              .setRows(count)
              .setClasses(classes)
              .setTemperature((float) temperature)
              .setEncoding(format.encoding())
              .setTopK(format.encoding() == Encoding.TOP_K ? format.topK() : 0)
              .setPayload(ProbabilityCodec.encode(part, classes, format));
      if (count < rows) {
        message.setFirstRow(first).setBatchRows(rows);
      }
      if (!Double.isNaN(validationAccuracy)) {
        message.setValidationAccuracy(validationAccuracy);
      }
      message.addAllContributors(contributors);
      messages.add(PeerInbox.newBuilder().setPredictions(message).build());
    }
    return messages;
  }

  /**
   * Why a teacher's message cannot be used by this peer (another number of classes, softened at
   * another temperature, more rows than a batch has), or null when it can.
   */
  String mismatch(SoftPredictions predictions) {
    // T travels as a float32: compare at that precision, not the double the settings hold.
    if (predictions.getClasses() != classes || Math.abs(predictions.getTemperature() - temperature) > 1e-6) {
      return predictions.getClasses() + " classes at T=" + predictions.getTemperature() + ", expected " + classes
          + " at T=" + temperature;
    }
    if (predictions.getRows() < 1 || predictions.getRows() > batchSize || predictions.getBatchRows() > batchSize) {
      return predictions.getRows() + " rows" + (predictions.getBatchRows() > 0 ? " of a batch of "
          + predictions.getBatchRows() : "") + ", expected 1.." + batchSize + " (the batch size)";
    }
    return null;
  }

  /**
   * The probabilities a message carries, rows × classes, row-major.
   *
   * @throws IllegalArgumentException when they are no probabilities (NaN, negative, rows that do
   *     not sum to one) or do not fit the message's shape
   */
  float[] decode(SoftPredictions predictions) {
    return ProbabilityCodec.decode(predictions);
  }
}
