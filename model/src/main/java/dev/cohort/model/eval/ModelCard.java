package dev.cohort.model.eval;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cohort.model.data.DatasetException;
import dev.cohort.model.data.Standardization;
import dev.cohort.model.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What an exported model is: which peer of which run, its architecture and size, its input and
 * classes, how it was chosen (on the validation split) and how it did once on the test split,
 * who taught it, which data it saw (a SHA-256), and the run's resolved config as JSON.
 * {@code modelFile} is relative to the card's folder, so a folder can be moved whole.
 * {@code comparison} (optional) sets the model against others, e.g. a fused student against the
 * peers it was distilled from. {@code trainingLabelNoise} is the rate of label noise the run put on
 * its training split (absent: none), {@code trainingLabelNoiseType} its kind ({@code symmetric} or
 * {@code pair}; absent with no noise); {@code inputStandardization} the z-scores every input must
 * go through before the model sees it (absent: none).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelCard(
    String runId,
    String peer,
    String architecture,
    long parameterCount,
    String modelFile,
    Long modelBytes,
    List<Integer> inputShape,
    List<String> classNames,
    String selectedBy,
    double validationAccuracy,
    Double validationLoss,
    double testAccuracy,
    Double testLoss,
    int testExamples,
    List<String> teachers,
    String dataSha256,
    Double trainingLabelNoise,
    String trainingLabelNoiseType,
    InputStandardization inputStandardization,
    String createdAt,
    JsonNode comparison,
    JsonNode config) {

  /** Per input feature, the training split's mean and standard deviation. */
  public record InputStandardization(List<Double> mean, List<Double> sd) {

    public static InputStandardization of(Standardization z) {
      return new InputStandardization(z.meanList(), z.sdList());
    }

    public Standardization standardization() {
      return Standardization.of(mean, sd);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException("model card cannot be rendered as JSON", e);
    }
  }

  /** Writes the card atomically. */
  public void write(Path file) throws IOException {
    AtomicFiles.writeString(file, toJson() + "\n");
  }

  /** Reads a card; a file that is not one is an error naming it. */
  public static ModelCard read(Path file) {
    try {
      return JSON.readValue(file.toFile(), ModelCard.class);
    } catch (IOException e) {
      throw new DatasetException("cannot read the model card " + file + ": " + e.getMessage(), e);
    }
  }
}
