package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** A line chart as PNG bytes (Java2D, headless): curves of (step, value), a legend, axes with ticks. */
final class CurvePlot {

  /** One curve: points as a JSON array of [step, value]. */
  record Line(String name, JsonNode points, Color color, boolean dashed, boolean thin) {}

  static final Color[] COLORS = {new Color(0x2563eb), new Color(0xdc2626), new Color(0x059669), new Color(0xd97706),
      new Color(0x7c3aed), new Color(0x0891b2), new Color(0xbe185d), new Color(0x4d7c0f), new Color(0x9333ea),
      new Color(0x475569)};

  private static final int W = 900, H = 500, L = 80, R = 170, T = 40, B = 60;

  private CurvePlot() {}

  static byte[] png(String title, String yLabel, List<Line> lines, boolean logScale) throws IOException {
    BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    g.setColor(Color.DARK_GRAY);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(title, L, 25);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    List<double[]> all = new ArrayList<>();
    for (Line line : lines) {
      for (JsonNode p : line.points()) {
        double y = p.get(1).asDouble();
        if (!logScale || y > 0) {
          all.add(new double[] {p.get(0).asDouble(), logScale ? Math.log10(y) : y});
        }
      }
    }
    if (all.isEmpty()) {
      g.drawString("no data", W / 2 - 20, H / 2);
      return encode(image);
    }
    double x0 = all.stream().mapToDouble(p -> p[0]).min().orElse(0), x1 = all.stream().mapToDouble(p -> p[0]).max().orElse(1);
    double y0 = all.stream().mapToDouble(p -> p[1]).min().orElse(0), y1 = all.stream().mapToDouble(p -> p[1]).max().orElse(1);
    if (x1 == x0) {
      x1 = x0 + 1;
    }
    if (y1 == y0) {
      y0 -= 0.01;
      y1 += 0.01;
    }
    double pad = (y1 - y0) * 0.05;
    final double ylo = y0 - pad, yhi = y1 + pad, xlo = x0, xhi = x1;
    java.util.function.DoubleUnaryOperator sx = x -> L + (x - xlo) / (xhi - xlo) * (W - L - R);
    java.util.function.DoubleUnaryOperator sy = y -> T + (1 - (y - ylo) / (yhi - ylo)) * (H - T - B);
    for (int i = 0; i <= 5; i++) {
      double v = ylo + (yhi - ylo) * i / 5;
      int y = (int) sy.applyAsDouble(v);
      g.setColor(new Color(0xeeeeee));
      g.drawLine(L, y, W - R, y);
      g.setColor(Color.DARK_GRAY);
      double shown = logScale ? Math.pow(10, v) : v;
      g.drawString(String.format(Locale.ROOT, "%.3g", shown), 8, y + 4);
    }
    for (int i = 0; i <= 6; i++) {
      double v = xlo + (xhi - xlo) * i / 6;
      g.drawString(String.format(Locale.ROOT, "%.0f", v), (int) sx.applyAsDouble(v) - 10, H - B + 18);
    }
    g.drawLine(L, H - B, W - R, H - B);
    g.drawLine(L, T, L, H - B);
    g.drawString("step", (L + W - R) / 2, H - 15);
    g.drawString(yLabel + (logScale ? " (log scale)" : ""), L, T - 5);
    int legend = 0;
    for (Line line : lines) {
      Path2D path = new Path2D.Double();
      boolean first = true;
      for (JsonNode p : line.points()) {
        double y = p.get(1).asDouble();
        if (logScale && y <= 0) {
          continue;
        }
        double px = sx.applyAsDouble(p.get(0).asDouble()), py = sy.applyAsDouble(logScale ? Math.log10(y) : y);
        if (first) {
          path.moveTo(px, py);
          first = false;
        } else {
          path.lineTo(px, py);
        }
      }
      g.setColor(line.color());
      g.setStroke(line.dashed()
          ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f)
          : new BasicStroke(line.thin() ? 1f : 2f));
      g.draw(path);
      g.setStroke(new BasicStroke(1f));
      g.fillRect(W - R + 15, T + 10 + legend * 18, 12, 12);
      g.setColor(Color.DARK_GRAY);
      g.drawString(line.name(), W - R + 32, T + 21 + legend * 18);
      legend++;
    }
    g.dispose();
    return encode(image);
  }

  private static byte[] encode(BufferedImage image) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }
}
