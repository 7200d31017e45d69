package dev.cohort.model.eval;

import dev.cohort.model.io.AtomicFiles;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.data.xy.DefaultXYZDataset;

/**
 * A confusion matrix as a PNG, drawn by JFreeChart (headless): true classes in rows, predicted
 * in columns, each cell shaded by its share of its true class and labelled with its count.
 */
public final class ConfusionMatrixImage {

  private static final int CELL = 48;
  private static final int MARGIN = 150;

  /** White for none of a true class, deep blue for all of it. */
  private static final PaintScale SHARE = new PaintScale() {
    @Override
    public double getLowerBound() {
      return 0;
    }

    @Override
    public double getUpperBound() {
      return 1;
    }

    @Override
    public Paint getPaint(double share) {
      int shade = (int) Math.round(255 * (1 - Math.max(0, Math.min(1, share))));
      return new Color(shade, shade, 255);
    }
  };

  private ConfusionMatrixImage() {}

  public static void write(long[][] confusion, List<String> classNames, Path file) throws IOException {
    System.setProperty("java.awt.headless", "true");
    int classes = confusion.length;
    String[] names = new String[classes];
    double[][] cells = new double[3][classes * classes];
    XYPlot plot = new XYPlot();
    for (int t = 0; t < classes; t++) {
      names[t] = ClassificationReport.name(classNames, t);
      long total = 0;
      for (long count : confusion[t]) {
        total += count;
      }
      for (int p = 0; p < classes; p++) {
        double share = total == 0 ? 0 : (double) confusion[t][p] / total;
        int cell = t * classes + p;
        cells[0][cell] = p;
        cells[1][cell] = t;
        cells[2][cell] = share;
        XYTextAnnotation count = new XYTextAnnotation(String.valueOf(confusion[t][p]), p, t);
        count.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        count.setPaint(share > 0.5 ? Color.WHITE : Color.BLACK);
        plot.addAnnotation(count);
      }
    }
    DefaultXYZDataset dataset = new DefaultXYZDataset();
    dataset.addSeries("share of the true class", cells);
    XYBlockRenderer renderer = new XYBlockRenderer();
    renderer.setPaintScale(SHARE);
    SymbolAxis predicted = new SymbolAxis("predicted", names);
    predicted.setVerticalTickLabels(true);
    predicted.setGridBandsVisible(false);
    SymbolAxis truth = new SymbolAxis("true class", names);
    truth.setInverted(true); // the first class on top, as a table reads
    truth.setGridBandsVisible(false);
    plot.setDataset(dataset);
    plot.setRenderer(renderer);
    plot.setDomainAxis(predicted);
    plot.setDomainAxisLocation(AxisLocation.TOP_OR_LEFT);
    plot.setRangeAxis(truth);
    plot.setDomainGridlinesVisible(false);
    plot.setRangeGridlinesVisible(false);
    plot.setBackgroundPaint(Color.WHITE);
    JFreeChart chart = new JFreeChart(null, null, plot, false);
    chart.setBackgroundPaint(Color.WHITE);
    int size = MARGIN + classes * CELL;
    AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, size, size));
  }
}
