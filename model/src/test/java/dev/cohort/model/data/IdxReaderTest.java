package dev.cohort.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

  @TempDir Path dir;

  /** An IDX images file of {@code count} 2x3 images whose pixel i of image n is (n*6+i) mod 256. */
  static byte[] images(int count) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(0x00000803);
    out.writeInt(count);
    out.writeInt(2);
    out.writeInt(3);
    for (int i = 0; i < count * 6; i++) {
      out.writeByte(i % 256);
    }
    return bytes.toByteArray();
  }

  static byte[] labels(int... values) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(0x00000801);
    out.writeInt(values.length);
    for (int v : values) {
      out.writeByte(v);
    }
    return bytes.toByteArray();
  }

  private Path write(String name, byte[] content, boolean gzip) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
      out.write(content);
    }
    return file;
  }

  @Test
  void readsPlainFilesAndScalesPixelsToUnitRange() throws IOException {
    LabeledData data =
        IdxReader.read(write("img", images(3), false), write("lbl", labels(2, 0, 1), false), 3);
    assertEquals(3, data.size());
    assertEquals(6, data.featureCount());
    assertEquals(2, data.label(0));
    float[] second = data.features(new int[] {1}).ravel().toFloatVector();
    assertEquals(6 / 255f, second[0], 1e-7);
    assertEquals(11 / 255f, second[5], 1e-7);
  }

  @Test
  void readsGzipFilesDetectedFromTheirContent() throws IOException {
    LabeledData plain = IdxReader.read(write("a", images(4), false), write("b", labels(0, 1, 2, 1), false), 3);
    LabeledData zipped = IdxReader.read(write("c", images(4), true), write("d", labels(0, 1, 2, 1), true), 3);
    assertEquals(
        Arrays.toString(plain.features(plain.allRows()).ravel().toFloatVector()),
        Arrays.toString(zipped.features(zipped.allRows()).ravel().toFloatVector()));
  }

  @Test
  void aWrongMagicNumberIsNamedWithTheFile() throws IOException {
    Path img = write("img", labels(1, 2), false); // a label file where images are expected
    DatasetException error =
        assertThrows(DatasetException.class, () -> IdxReader.read(img, write("lbl", labels(1, 2), false), 3));
    assertTrue(error.getMessage().contains(img.toString()), error.getMessage());
    assertTrue(error.getMessage().contains("magic number 0x00000801, expected 0x00000803"), error.getMessage());
  }

  @Test
  void aTruncatedFileSaysHowMuchWasPromisedAndFound() throws IOException {
    byte[] full = images(5);
    Path img = write("img", Arrays.copyOf(full, full.length - 7), false);
    DatasetException error =
        assertThrows(DatasetException.class, () -> IdxReader.read(img, write("lbl", labels(0, 0, 0, 0, 0), false), 3));
    assertTrue(error.getMessage().contains("truncated"), error.getMessage());
    assertTrue(error.getMessage().contains("5 images of 2x3"), error.getMessage());
    assertTrue(error.getMessage().contains("ends after 23"), error.getMessage());
  }

  @Test
  void aTruncatedGzipFileIsReportedAsTruncated() throws IOException {
    Path whole = write("whole.gz", images(50), true);
    byte[] zipped = Files.readAllBytes(whole);
    Path cut = dir.resolve("cut.gz");
    Files.write(cut, Arrays.copyOf(zipped, zipped.length / 2));
    DatasetException error =
        assertThrows(DatasetException.class, () -> IdxReader.read(cut, write("lbl", labels(new int[50]), false), 3));
    assertTrue(error.getMessage().contains(cut.toString()), error.getMessage());
    assertTrue(error.getMessage().contains("truncated"), error.getMessage());
  }

  @Test
  void imageAndLabelCountsMustAgree() throws IOException {
    DatasetException error =
        assertThrows(
            DatasetException.class,
            () -> IdxReader.read(write("img", images(3), false), write("lbl", labels(0, 1), false), 3));
    assertTrue(error.getMessage().contains("has 3 images but"), error.getMessage());
    assertTrue(error.getMessage().contains("has 2 labels"), error.getMessage());
  }

  @Test
  void aLabelOutsideTheClassesIsRejected() throws IOException {
    DatasetException error =
        assertThrows(
            DatasetException.class,
            () -> IdxReader.read(write("img", images(2), false), write("lbl", labels(0, 7), false), 3));
    assertTrue(error.getMessage().contains("label 7 of example 1"), error.getMessage());
  }

  @Test
  void aMissingDatasetDirectorySaysWhatToInstall() {
    DatasetException error = assertThrows(DatasetException.class, () -> IdxDataset.load(dir.resolve("nowhere")));
    assertTrue(error.getMessage().contains("train-images-idx3-ubyte"), error.getMessage());
    assertTrue(error.getMessage().contains("dataset-fashion-mnist"), error.getMessage());
  }
}
