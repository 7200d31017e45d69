package dev.cohort.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What an exported model is: which peer, which architecture, how it was chosen (validation
 * accuracy) and how it did once on the test split, plus the run's resolved config as JSON.
 * {@code modelFile} is relative to the card's folder, so a run directory can be moved whole.
 */
public record ModelCard(
    String runId,
    String peer,
    String architecture,
    long parameterCount,
    String modelFile,
    String selectedBy,
    double validationAccuracy,
    double testAccuracy,
    int testExamples,
    String createdAt,
    JsonNode config) {

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
}
