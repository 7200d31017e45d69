package dev.cohort.model.data;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An MNIST-format dataset directory (MNIST, Fashion-MNIST): {@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte},
 * each plain or with a {@code .gz} suffix.
 */
public final class IdxDataset {

  /** Where Debian's {@code dataset-fashion-mnist} package installs the data. */
  public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

  public static final int CLASSES = 10;

  private IdxDataset() {}

  /** The training and test splits of an IDX dataset directory. */
  public record Splits(LabeledData train, LabeledData test) {}

  public static Splits load(Path directory) {
    return new Splits(
        IdxReader.read(find(directory, "train-images-idx3-ubyte"), find(directory, "train-labels-idx1-ubyte"), CLASSES),
        IdxReader.read(find(directory, "t10k-images-idx3-ubyte"), find(directory, "t10k-labels-idx1-ubyte"), CLASSES));
  }

  /** The four files, in a fixed order (for a fingerprint of the data). */
  public static java.util.List<Path> files(Path directory) {
    return java.util.List.of(
        find(directory, "train-images-idx3-ubyte"), find(directory, "train-labels-idx1-ubyte"),
        find(directory, "t10k-images-idx3-ubyte"), find(directory, "t10k-labels-idx1-ubyte"));
  }

  /** One split: "train" or "test" (t10k). */
  public static LabeledData split(Path directory, String split) {
    String prefix = switch (split) {
      case "train" -> "train";
      case "test" -> "t10k";
      default -> throw new DatasetException("unknown split '" + split + "' (expected train or test)");
    };
    return IdxReader.read(find(directory, prefix + "-images-idx3-ubyte"), find(directory, prefix + "-labels-idx1-ubyte"), CLASSES);
  }

  /** Fashion-MNIST's class names, in label order. */
  public static final java.util.List<String> FASHION_CLASSES = java.util.List.of(
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  /** Class names for a folder: Fashion-MNIST's when its path says fashion, else the digits. */
  public static java.util.List<String> classNames(Path directory) {
    if (directory.toAbsolutePath().toString().toLowerCase(java.util.Locale.ROOT).contains("fashion")) {
      return FASHION_CLASSES;
    }
    return java.util.stream.IntStream.range(0, CLASSES).mapToObj(String::valueOf).toList();
  }

  private static Path find(Path directory, String name) {
    for (Path candidate : new Path[] {directory.resolve(name + ".gz"), directory.resolve(name)}) {
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new DatasetException(
        "dataset file "
            + name
            + "[.gz] not found in "
            + directory.toAbsolutePath()
            + ". For Fashion-MNIST install the Debian package dataset-fashion-mnist"
            + " (apt-get install dataset-fashion-mnist, which fills "
            + DEBIAN_FASHION_MNIST
            + ") or point cohort.data.directory (--data DIR) at a folder holding the four IDX files.");
  }
}
