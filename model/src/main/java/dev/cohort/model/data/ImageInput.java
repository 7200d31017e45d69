package dev.cohort.model.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * An image file (PNG, JPEG, anything ImageIO reads) as a model input: converted to grayscale,
 * resized to the model's image shape, and scaled to [0, 1] as the IDX reader scales its pixels.
 */
public final class ImageInput {

  private ImageInput() {}

  public static float[] read(Path file, int height, int width) {
    BufferedImage source;
    try {
      if (!Files.isRegularFile(file)) {
        throw new DatasetException("image " + file + " not found");
      }
      source = ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw new DatasetException("cannot read image " + file + ": " + e.getMessage(), e);
    }
    if (source == null) {
      throw new DatasetException("cannot read image " + file + ": not a PNG, JPEG, GIF or BMP image");
    }
    BufferedImage gray = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = gray.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(source, 0, 0, width, height, null);
    } finally {
      g.dispose();
    }
    float[] pixels = new float[height * width];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        pixels[y * width + x] = (gray.getRaster().getSample(x, y, 0) & 0xff) / 255f;
      }
    }
    return pixels;
  }
}
