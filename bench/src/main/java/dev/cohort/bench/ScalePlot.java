package dev.cohort.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** A quantity of the scale harness's runs against K, one line per topology, as a PNG drawn by JFreeChart (headless). */
final class ScalePlot {

  private static final Color[] COLORS = {new Color(0x2563eb), new Color(0xdc2626), new Color(0x059669),
      new Color(0xd97706), new Color(0x7c3aed)};

  private ScalePlot() {}

  static void write(Path png, String title, String yLabel, Map<String, List<ScaleRun.Measured>> byTopology,
      ToDoubleFunction<ScaleRun.Measured> value) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYSeriesCollection lines = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (Map.Entry<String, List<ScaleRun.Measured>> topology : byTopology.entrySet()) {
      XYSeries series = new XYSeries(topology.getKey(), true, true);
      for (ScaleRun.Measured measured : topology.getValue()) {
        double y = value.applyAsDouble(measured);
        if (Double.isFinite(y) && y > 0) {
          series.add(measured.run().peers(), y);
        }
      }
      int index = lines.getSeriesCount();
      lines.addSeries(series);
      renderer.setSeriesPaint(index, COLORS[index % COLORS.length]);
      renderer.setSeriesStroke(index, new BasicStroke(2f));
    }
    LogAxis peers = new LogAxis("K (peers); JVMs as in the table");
    peers.setBase(2);
    peers.setSmallestValue(1);
    peers.setNumberFormatOverride(new DecimalFormat("0", DecimalFormatSymbols.getInstance(Locale.ROOT)));
    peers.setTickUnit(new NumberTickUnit(1)); // a tick at each power of 2: 2, 4, 8, ...
    LogAxis values = new LogAxis(yLabel + " (log scale)");
    values.setNumberFormatOverride(new DecimalFormat("0.##", DecimalFormatSymbols.getInstance(Locale.ROOT)));
    values.setTickUnit(new NumberTickUnit(1)); // 1, 10, 100, ...
    XYPlot plot = new XYPlot(lines, peers, values, renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdddddd));
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT.deriveFont(15f), plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    ChartUtils.saveChartAsPNG(png.toFile(), chart, 800, 450);
  }
}
