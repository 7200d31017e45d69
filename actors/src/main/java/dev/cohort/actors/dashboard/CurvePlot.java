package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A line chart of curves over training steps as PNG bytes, drawn by JFreeChart (headless): the
 * report's accuracy and loss plots. A log scale leaves out values that are not positive.
 */
final class CurvePlot {

  /** One curve: points as a JSON array of [step, value]. */
  record Line(String name, JsonNode points, Color color, boolean dashed, boolean thin) {}

  static final Color[] COLORS = {new Color(0x2563eb), new Color(0xdc2626), new Color(0x059669), new Color(0xd97706),
      new Color(0x7c3aed), new Color(0x0891b2), new Color(0xbe185d), new Color(0x4d7c0f), new Color(0x9333ea),
      new Color(0x475569)};

  private static final int WIDTH = 900;
  private static final int HEIGHT = 500;

  private CurvePlot() {}

  static byte[] png(String title, String yLabel, List<Line> lines, boolean logScale) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYSeriesCollection curves = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    for (Line line : lines) {
      XYSeries series = new XYSeries(line.name(), false, true);
      for (JsonNode point : line.points()) {
        double value = point.get(1).asDouble();
        if (Double.isFinite(value) && (!logScale || value > 0)) {
          series.add(point.get(0).asDouble(), value);
        }
      }
      int index = curves.getSeriesCount();
      curves.addSeries(series);
      renderer.setSeriesPaint(index, line.color());
      renderer.setSeriesStroke(index, line.dashed()
          ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f)
          : new BasicStroke(line.thin() ? 1f : 2f));
    }
    NumberAxis steps = new NumberAxis("step");
    steps.setAutoRangeIncludesZero(false);
    steps.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    if (logScale) {
      LogAxis values = new LogAxis(yLabel + " (log scale)");
      values.setSmallestValue(1e-6);
      values.setNumberFormatOverride(new DecimalFormat("0.###", DecimalFormatSymbols.getInstance(Locale.ROOT)));
      return render(title, new XYPlot(curves, steps, values, renderer));
    }
    NumberAxis values = new NumberAxis(yLabel);
    values.setAutoRangeIncludesZero(false);
    return render(title, new XYPlot(curves, steps, values, renderer));
  }

  private static byte[] render(String title, XYPlot plot) throws IOException {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdddddd));
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    plot.setNoDataMessage("no data");
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT.deriveFont(16f), plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    LegendTitle legend = chart.getLegend();
    legend.setPosition(RectangleEdge.RIGHT);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT);
    return out.toByteArray();
  }
}
