package dev.cohort.model.eval;

import dev.cohort.model.io.AtomicFiles;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** A confusion matrix as a PNG: each cell shaded by its share of its true class, with its count. */
public final class ConfusionMatrixImage {

  private static final int CELL = 48;
  private static final int MARGIN = 130;

  private ConfusionMatrixImage() {}

  public static void write(long[][] confusion, List<String> classNames, Path file) throws IOException {
    System.setProperty("java.awt.headless", "true");
    int classes = confusion.length;
    int size = MARGIN + classes * CELL + 10;
    BufferedImage image = new BufferedImage(size, size + 20, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, image.getWidth(), image.getHeight());
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      g.setColor(Color.BLACK);
      g.drawString("true class (rows) vs predicted (columns)", 10, 16);
      for (int t = 0; t < classes; t++) {
        long total = 0;
        for (long count : confusion[t]) {
          total += count;
        }
        g.setColor(Color.BLACK);
        g.drawString(ClassificationReport.name(classNames, t), 6, MARGIN + t * CELL + CELL / 2 + 4);
        for (int p = 0; p < classes; p++) {
          double share = total == 0 ? 0 : (double) confusion[t][p] / total;
          int shade = (int) Math.round(255 * (1 - share));
          g.setColor(new Color(shade, shade, 255));
          g.fillRect(MARGIN + p * CELL, MARGIN + t * CELL, CELL - 1, CELL - 1);
          g.setColor(share > 0.5 ? Color.WHITE : Color.BLACK);
          g.drawString(String.valueOf(confusion[t][p]), MARGIN + p * CELL + 6, MARGIN + t * CELL + CELL / 2 + 4);
        }
      }
      g.setColor(Color.BLACK);
      for (int p = 0; p < classes; p++) {
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.translate(MARGIN + p * CELL + CELL / 2 + 4, MARGIN - 6);
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(ClassificationReport.name(classNames, p), 0, 0);
        rotated.dispose();
      }
    } finally {
      g.dispose();
    }
    AtomicFiles.write(file, out -> {
      if (!ImageIO.write(image, "png", out)) {
        throw new IOException("no PNG writer in this JVM");
      }
    });
  }
}
