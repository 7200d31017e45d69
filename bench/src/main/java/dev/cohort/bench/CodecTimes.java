package dev.cohort.bench;

import dev.cohort.protocol.Encoding;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.ProbabilityCodec;
import dev.cohort.protocol.SoftPredictions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Encoding a batch of softened predictions into a protobuf message, serializing it, parsing it and
 * decoding it again: time and bytes per batch, per encoding, in this JVM.
 */
public final class CodecTimes {

  public record Result(int rows, int classes, String encoding, int messageBytes, double microsPerBatch) {}

  private CodecTimes() {}

  public static Result measure(int rows, int classes, ProbabilityCodec.Format format, int repetitions) throws Exception {
    float[] softened = softened(rows, classes, new Random(7));
    List<Double> micros = new ArrayList<>();
    int bytes = 0;
    for (int i = 0; i < repetitions; i++) {
      long started = System.nanoTime();
      byte[] wire = PeerInbox.newBuilder()
          .setPredictions(SoftPredictions.newBuilder().setRunId("bench").setFromPeer("peer-a").setModelStep(i)
              .setBatchId(i).setRows(rows).setClasses(classes).setTemperature(3).setEncoding(format.encoding())
              .setTopK(format.encoding() == Encoding.TOP_K ? format.topK() : 0)
              .setPayload(ProbabilityCodec.encode(softened, classes, format)))
          .build().toByteArray();
      float[] back = ProbabilityCodec.decode(PeerInbox.parseFrom(wire).getPredictions());
      micros.add((System.nanoTime() - started) / 1e3);
      bytes = wire.length;
      if (back.length != softened.length) {
        throw new IllegalStateException("decoded " + back.length + " values of " + softened.length);
      }
    }
    String name = format.encoding() == Encoding.TOP_K ? "top-k (k = " + format.topK() + ")"
        : format.encoding().name().toLowerCase(java.util.Locale.ROOT);
    return new Result(rows, classes, name, bytes, Stats.median(micros.subList(micros.size() / 2, micros.size())));
  }

  /** Rows shaped like softmax(z / 3) of a trained network: a few likely classes, a long tail. */
  public static float[] softened(int rows, int classes, Random random) {
    float[] out = new float[rows * classes];
    for (int r = 0; r < rows; r++) {
      double[] z = new double[classes];
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        z[c] = (random.nextGaussian() * 2 + (c == r % classes ? 9 : 0)) / 3;
        max = Math.max(max, z[c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(z[c] - max);
      }
      for (int c = 0; c < classes; c++) {
        out[r * classes + c] = (float) (Math.exp(z[c] - max) / sum);
      }
    }
    return out;
  }
}
