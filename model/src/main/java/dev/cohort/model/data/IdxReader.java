package dev.cohort.model.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads MNIST-format IDX files (unsigned-byte images of rank 3 and labels of rank 1), plain or
 * gzip-compressed (detected from the content, not the name). Pixels are scaled to [0, 1].
 *
 * <p>Every failure is a {@link DatasetException} naming the file: a missing file, a magic number
 * that is not an IDX unsigned-byte tensor of the expected rank, a file that ends early, or
 * image and label counts that disagree.
 */
public final class IdxReader {

  private static final int UNSIGNED_BYTE = 0x08;

  private IdxReader() {}

  /** Reads an image file and its label file into one dataset with {@code classes} classes. */
  public static LabeledData read(Path images, Path labels, int classes) {
    float[][] imageHolder = new float[1][];
    int[] shape = readImages(images, imageHolder);
    int[] labelValues = readLabels(labels);
    if (labelValues.length != shape[0]) {
      throw new DatasetException(
          "image and label counts disagree: "
              + images
              + " has "
              + shape[0]
              + " images but "
              + labels
              + " has "
              + labelValues.length
              + " labels");
    }
    for (int i = 0; i < labelValues.length; i++) {
      if (labelValues[i] >= classes) {
        throw new DatasetException(
            labels + ": label " + labelValues[i] + " of example " + i + " is not below " + classes + " classes");
      }
    }
    return new LabeledData(
        imageHolder[0], labelValues, shape[1] * shape[2], classes, new LabeledData.ImageShape(shape[1], shape[2], 1));
  }

  /** Images without labels (to predict): the scaled pixels, row-major, and {count, rows, cols}. */
  public record Images(float[] pixels, int count, int rows, int cols) {}

  public static Images images(Path file) {
    float[][] holder = new float[1][];
    int[] shape = readImages(file, holder);
    return new Images(holder[0], shape[0], shape[1], shape[2]);
  }

  /** Returns {count, rows, cols} and stores the scaled pixels in {@code into[0]}. */
  private static int[] readImages(Path file, float[][] into) {
    try (DataInputStream in = open(file)) {
      int[] dims = header(in, file, 3, "images");
      long pixels = (long) dims[0] * dims[1] * dims[2];
      if (pixels > Integer.MAX_VALUE) {
        throw new DatasetException(file + ": " + pixels + " pixels do not fit in memory as one array");
      }
      byte[] raw = new byte[(int) pixels];
      readFully(in, raw, file, dims[0] + " images of " + dims[1] + "x" + dims[2]);
      float[] scaled = new float[raw.length];
      for (int i = 0; i < raw.length; i++) {
        scaled[i] = (raw[i] & 0xff) / 255f;
      }
      into[0] = scaled;
      return dims;
    } catch (IOException e) {
      throw failure(file, e);
    }
  }

  private static int[] readLabels(Path file) {
    try (DataInputStream in = open(file)) {
      int count = header(in, file, 1, "labels")[0];
      byte[] raw = new byte[count];
      readFully(in, raw, file, count + " labels");
      int[] labels = new int[count];
      for (int i = 0; i < count; i++) {
        labels[i] = raw[i] & 0xff;
      }
      return labels;
    } catch (IOException e) {
      throw failure(file, e);
    }
  }

  private static DataInputStream open(Path file) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    in.mark(2);
    int first = in.read();
    int second = in.read();
    in.reset();
    if (first == 0x1f && second == 0x8b) {
      in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    return new DataInputStream(in);
  }

  private static int[] header(DataInputStream in, Path file, int rank, String what) throws IOException {
    int magic;
    try {
      magic = in.readInt();
    } catch (EOFException e) {
      throw new DatasetException(file + " is too short to be an IDX file (no 4-byte magic number)");
    }
    int expected = (UNSIGNED_BYTE << 8) | rank;
    if (magic != expected) {
      throw new DatasetException(
          String.format(
              "%s is not an IDX %s file: magic number 0x%08x, expected 0x%08x (unsigned bytes, rank %d)",
              file, what, magic, expected, rank));
    }
    int[] dims = new int[rank];
    for (int i = 0; i < rank; i++) {
      try {
        dims[i] = in.readInt();
      } catch (EOFException e) {
        throw new DatasetException(file + " is truncated inside its IDX header");
      }
      if (dims[i] < 0) {
        throw new DatasetException(file + ": dimension " + i + " is negative (" + dims[i] + ")");
      }
    }
    return dims;
  }

  private static void readFully(DataInputStream in, byte[] into, Path file, String what)
      throws IOException {
    int read = 0;
    while (read < into.length) {
      int n;
      try {
        n = in.read(into, read, into.length - read);
      } catch (EOFException e) {
        n = -1; // a cut gzip stream ends like this
      }
      if (n < 0) {
        throw new DatasetException(
            file + " is truncated: its header promises " + what + " (" + into.length
                + " bytes of data) but the file ends after " + read);
      }
      read += n;
    }
  }

  private static DatasetException failure(Path file, IOException e) {
    if (e instanceof NoSuchFileException) {
      return new DatasetException("data file not found: " + file, e);
    }
    return new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
  }
}
