package dev.cohort.actors.data;

import dev.cohort.actors.config.CohortConfigException;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.model.data.CsvReader;
import dev.cohort.model.data.DatasetException;
import dev.cohort.model.data.IdxDataset;
import dev.cohort.model.data.LabelNoise;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.data.Standardization;
import dev.cohort.model.data.SyntheticData;
import dev.cohort.model.data.ValidationSplit;
import java.util.Arrays;
import java.util.Optional;

/**
 * The three splits a run uses: train (for steps), validation (to choose), test (once, at export);
 * the z-scores applied to all three when the data asks for them (computed on the training split);
 * how many training labels the run's label noise changed.
 */
public record RunData(
    LabeledData train, LabeledData validation, LabeledData test, Optional<Standardization> standardization,
    int noisyLabels) {

  /** Loads and splits the data a cohort file describes; fails with a {@code DatasetException}. */
  public static RunData load(CohortSettings.Data settings) {
    LabeledData trainPool;
    LabeledData test;
    if (settings.format() == CohortSettings.DataFormat.IDX) {
      IdxDataset.Splits splits = IdxDataset.load(settings.directory());
      trainPool = splits.train();
      test = splits.test();
    } else if (settings.format() == CohortSettings.DataFormat.CSV) {
      CohortSettings.Csv csv = settings.csv();
      CsvReader.Table train = CsvReader.read(csv.train(), csv.labelColumn(), csv.header(), csv.separator());
      CsvReader.Table testTable = CsvReader.read(csv.test(), csv.labelColumn(), csv.header(), csv.separator());
      if (train.featureCount() != testTable.featureCount()) {
        throw new DatasetException(csv.test() + " has " + testTable.featureCount() + " feature columns, but "
            + csv.train() + " has " + train.featureCount());
      }
      int classes = Math.max(train.maxLabel(), testTable.maxLabel()) + 1;
      trainPool = train.withClasses(classes);
      test = testTable.withClasses(classes);
    } else {
      CohortSettings.Synthetic s = settings.synthetic();
      int poolSize = s.trainExamples() + settings.validationSize();
      LabeledData all =
          SyntheticData.gaussianClusters(
              poolSize + s.testExamples(), s.features(), s.classes(), s.noise(), settings.seed());
      int[] rows = all.allRows();
      trainPool = all.select(Arrays.copyOfRange(rows, 0, poolSize));
      test = all.select(Arrays.copyOfRange(rows, poolSize, rows.length));
    }
    if (settings.validationSize() >= trainPool.size()) {
      String source = settings.format() == CohortSettings.DataFormat.CSV ? "rows of " + settings.csv().train()
          : "training examples in " + settings.directory();
      throw new CohortConfigException("cohort.data.validation-size = " + settings.validationSize() + " is not valid:"
          + " expected 1.." + (trainPool.size() - 1) + ", fewer than the " + trainPool.size() + " " + source
          + " (the rest train)");
    }
    ValidationSplit.TrainValidation split =
        ValidationSplit.carve(trainPool, settings.validationSize(), settings.seed());
    LabeledData train = split.train();
    if (settings.trainLimit() > 0 && settings.trainLimit() < train.size()) {
      train = train.select(Arrays.copyOfRange(train.allRows(), 0, settings.trainLimit()));
    }
    LabelNoise.Applied noisy = LabelNoise.apply(train, settings.labelNoise(), settings.labelNoiseType(), settings.seed());
    train = noisy.data();
    LabeledData validation = split.validation();
    Optional<Standardization> standardization = Optional.empty();
    if (settings.standardizes()) {
      Standardization z = Standardization.of(train);
      train = z.apply(train);
      validation = z.apply(validation);
      test = z.apply(test);
      standardization = Optional.of(z);
    }
    return new RunData(train, validation, test, standardization, noisy.changed());
  }
}
