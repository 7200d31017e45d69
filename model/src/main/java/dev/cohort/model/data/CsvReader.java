package dev.cohort.model.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads a CSV file of numeric features and an integer class label per row. The label column is
 * given by position (negative counts from the end: -1 is the last column); an optional header line
 * is skipped. Every failure is a {@link DatasetException} naming the file, the line and what was
 * expected: a row with another number of columns than the first, a cell that is not a number, a
 * label that is not a class index.
 */
public final class CsvReader {

  /** The parsed rows, before the classes are known (they may come from several files). */
  public record Table(float[] features, int[] labels, int featureCount) {
    public int maxLabel() {
      int max = -1;
      for (int label : labels) {
        max = Math.max(max, label);
      }
      return max;
    }

    public LabeledData withClasses(int classes) {
      return new LabeledData(features, labels, featureCount, classes);
    }
  }

  private CsvReader() {}

  /** As {@code labelColumn}: every column is a feature (examples to predict); the table has no labels. */
  public static final int NO_LABEL = Integer.MIN_VALUE;

  public static Table read(Path file, int labelColumn, boolean header, char separator) {
    boolean labelled = labelColumn != NO_LABEL;
    Pattern split = Pattern.compile(Pattern.quote(String.valueOf(separator)));
    List<float[]> rows = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    int columns = -1;
    int label = -1;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = in.readLine()) != null) {
        number++;
        if ((header && number == 1) || line.isBlank()) {
          continue;
        }
        String[] cells = split.split(line.strip(), -1);
        if (columns < 0) {
          columns = cells.length;
          label = !labelled ? -1 : labelColumn < 0 ? columns + labelColumn : labelColumn;
          if (labelled && (columns < 2 || label < 0 || label >= columns)) {
            throw new DatasetException(String.format(
                "%s:%d: label column %d does not exist in a row of %d columns", file, number, labelColumn, columns));
          }
        } else if (cells.length != columns) {
          throw new DatasetException(String.format(
              "%s:%d: %d columns, expected %d like the first row", file, number, cells.length, columns));
        }
        float[] features = new float[labelled ? columns - 1 : columns];
        for (int c = 0, f = 0; c < columns; c++) {
          if (c == label) {
            labels.add(classIndex(cells[c], file, number));
          } else {
            features[f++] = number(cells[c], file, number, c);
          }
        }
        rows.add(features);
      }
    } catch (NoSuchFileException e) {
      throw new DatasetException("data file not found: " + file, e);
    } catch (IOException e) {
      throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (rows.isEmpty()) {
      throw new DatasetException(file + " has no data rows");
    }
    int featureCount = labelled ? columns - 1 : columns;
    float[] features = new float[rows.size() * featureCount];
    for (int r = 0; r < rows.size(); r++) {
      System.arraycopy(rows.get(r), 0, features, r * featureCount, featureCount);
    }
    return new Table(features, labels.stream().mapToInt(Integer::intValue).toArray(), featureCount);
  }

  private static float number(String cell, Path file, int line, int column) {
    try {
      float value = Float.parseFloat(cell.strip());
      if (Float.isFinite(value)) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new DatasetException(String.format(
        "%s:%d: column %d is '%s', not a finite number", file, line, column + 1, cell.strip()));
  }

  private static int classIndex(String cell, Path file, int line) {
    try {
      long value = Long.parseLong(cell.strip());
      if (value >= LabeledData.MAX_CLASSES) {
        throw new DatasetException(String.format(
            "%s:%d: label %d is not a class index below %d: Cohort takes at most %d classes, labelled 0, 1, 2, ..."
                + " (is the label column the right one?)",
            file, line, value, LabeledData.MAX_CLASSES, LabeledData.MAX_CLASSES));
      }
      if (value >= 0) {
        return (int) value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new DatasetException(String.format(
        "%s:%d: label '%s' is not a class index (an integer >= 0)", file, line, cell.strip()));
  }
}
