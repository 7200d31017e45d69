package dev.cohort.actors.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.TestCohorts;
import dev.cohort.model.distill.Topology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingsParserTest {

  private static String failure(String hocon) {
    return assertThrows(CohortConfigException.class, () -> SettingsParser.parse(ConfigFactory.parseString(hocon)))
        .getMessage();
  }

  @Test
  void theDefaultsAreAValidCohort() {
    CohortSettings settings = SettingsParser.parse(ConfigFactory.empty());
    assertEquals(CohortSettings.TopologyPreset.DML, settings.distillation().preset());
    assertEquals(2, settings.peers().size());
    assertEquals(1, settings.peers().get(0).seed());
    assertEquals(2, settings.peers().get(1).seed());
    assertEquals(Duration.ofSeconds(10), settings.distillation().maxWait());
  }

  @Test
  void encodingsAreCheckedForTheRunAndPerPeer() {
    assertEquals(
        "cohort.distillation.encoding = 'int8' is not valid: expected one of [float16, float32, top-k]",
        failure("cohort.distillation.encoding = int8"));
    assertEquals("cohort.peers[1].encoding of peer b: unknown encoding 'half' (expected one of [float16, float32, top-k])",
        failure("cohort.peers = [{name = a}, {name = b, encoding = half}]"));
    CohortSettings settings =
        SettingsParser.parse(ConfigFactory.parseString("cohort.peers = [{name = a}, {name = b, encoding = top-k}]"));
    assertEquals("", settings.peers().get(0).encoding());
    assertEquals("top-k", settings.peers().get(1).encoding());
  }

  /** The README points users at these files: each must be a valid cohort as it stands. */
  @Test
  void everyExampleCohortIsValid() throws java.io.IOException {
    Path examples = Path.of("..", "cluster-config", "examples");
    List<Path> files;
    try (var listing = java.nio.file.Files.list(examples)) {
      files = listing.filter(f -> f.toString().endsWith(".conf")).sorted().toList();
    }
    assertTrue(files.size() >= 7, "examples found: " + files);
    for (Path file : files) {
      CohortSettings settings = SettingsParser.parse(ConfigFactory.parseFile(file.toFile()));
      assertTrue(settings.peers().size() >= 2, file + ": " + settings.peers());
    }
    CohortSettings cnn = SettingsParser.parse(ConfigFactory.parseFile(examples.resolve("fashion-cnn.conf").toFile()));
    assertTrue(cnn.peers().stream().allMatch(p -> p.model().equals("cnn")), "the CNN example's peers: " + cnn.peers());
  }

  @Test
  void theStepEngineIsCohortsUnlessDl4jIsAskedFor() {
    assertEquals(dev.cohort.model.nn.StepEngine.COHORT, SettingsParser.parse(ConfigFactory.empty()).training().engine());
    assertEquals(dev.cohort.model.nn.StepEngine.DL4J,
        SettingsParser.parse(ConfigFactory.parseString("cohort.training.engine = dl4j")).training().engine());
    assertEquals("cohort.training.engine = 'fast' is not valid: expected one of [cohort, dl4j]",
        failure("cohort.training.engine = fast"));
  }

  @Test
  void labelNoiseStandardizationAndTeacherWeightingAreReadAndChecked() {
    CohortSettings defaults = SettingsParser.parse(ConfigFactory.empty());
    assertEquals(0.0, defaults.data().labelNoise());
    assertEquals(false, defaults.data().csv().standardize());
    assertEquals(dev.cohort.model.distill.TeacherWeighting.NONE, defaults.distillation().teacherWeighting());
    CohortSettings set = SettingsParser.parse(ConfigFactory.parseString(
        "cohort { data { label-noise = 0.4, format = csv, csv { train = a.csv, test = b.csv, standardize = true } }\n"
            + " distillation.teacher-weighting = validation }"));
    assertEquals(0.4, set.data().labelNoise());
    assertEquals(dev.cohort.model.data.LabelNoise.Type.SYMMETRIC, set.data().labelNoiseType(), "the default");
    assertEquals(dev.cohort.model.data.LabelNoise.Type.PAIR, SettingsParser.parse(ConfigFactory.parseString(
        "cohort.data.label-noise-type = pair")).data().labelNoiseType());
    assertEquals("cohort.data.label-noise-type = 'asymmetric' is not valid: expected one of [symmetric, pair]",
        failure("cohort.data.label-noise-type = asymmetric"));
    assertTrue(set.data().standardizes());
    assertEquals(dev.cohort.model.distill.TeacherWeighting.VALIDATION, set.distillation().teacherWeighting());
    assertEquals(dev.cohort.model.distill.TeacherWeighting.SELECTIVE, SettingsParser.parse(ConfigFactory.parseString(
        "cohort.distillation.topology = ta-chain")).distillation().teacherWeighting(), "auto, for the TA chain");
    assertEquals(dev.cohort.model.distill.TeacherWeighting.NONE, SettingsParser.parse(ConfigFactory.parseString(
        "cohort.distillation { topology = ta-chain, teacher-weighting = none }")).distillation().teacherWeighting());
    assertEquals("cohort.data.label-noise = 1.0 is not valid: expected a rate in [0, 1): the share of training"
        + " labels made wrong", failure("cohort.data.label-noise = 1"));
    assertEquals("cohort.distillation.teacher-weighting = 'best' is not valid: expected one of [auto, none,"
        + " validation, correction, selective]", failure("cohort.distillation.teacher-weighting = best"));
    assertTrue(failure("cohort.data.csv.standardize = maybe").contains("standardize"));
  }

  @Test
  void smallLossSelectionIsReadAndImpossibleSettingsAreRefusedNamingTheKey() {
    CohortSettings.Selection defaults = SettingsParser.parse(ConfigFactory.empty()).distillation().selection();
    assertFalse(defaults.active());
    assertTrue(defaults.autoRate(), "forget-rate = auto by default");
    assertEquals(10, defaults.rampEpochs());
    CohortSettings.Selection set = SettingsParser.parse(ConfigFactory.parseString(
        "cohort.distillation.selection { method = jocor, forget-rate = 0.45, ramp-epochs = 5 }")).distillation()
        .selection();
    assertEquals(dev.cohort.model.distill.SmallLossSelection.Method.JOCOR, set.method());
    assertEquals(0.45, set.forgetRate());
    assertEquals("jocor (ε=0.45, ramp 5 epochs)", set.describe());
    assertEquals("cohort.distillation.selection.forget-rate = 1.0 is not valid: expected a rate in [0, 1) or auto:"
        + " the share of each batch a student leaves out", failure("cohort.distillation.selection.forget-rate = 1"));
    assertEquals("cohort.distillation.selection.forget-rate = 'often' is not valid: expected a rate in [0, 1) or auto",
        failure("cohort.distillation.selection.forget-rate = often"));
    assertEquals("cohort.distillation.selection.method = 'coteaching' is not valid: expected one of [none,"
        + " co-teaching, jocor]", failure("cohort.distillation.selection.method = coteaching"));
    assertTrue(failure("cohort.distillation.selection.ramp-epochs = -1").contains("selection.ramp-epochs"));
    assertEquals("cohort.distillation.selection.method = co-teaching needs at least 2 peers (a student ranks its"
        + " examples by its teachers' losses), and cohort.peers has 1: add a peer, or use method = none",
        failure("cohort { distillation { topology = independent, selection.method = co-teaching }\n"
            + " peers = [{ name = solo }] }"));
    assertEquals("cohort.distillation.selection.method = jocor needs a lock-step topology with teachers (dml,"
        + " ensemble, ta-chain, ring, random-k, kd or custom), found topology = independent",
        failure("cohort.distillation { topology = independent, selection.method = jocor }"));
    assertTrue(failure("cohort.distillation { topology = codistill, selection.method = jocor }")
        .contains("found topology = codistill"));
  }

  @Test
  void theLearningRateDecayIsCoTeachingsLinearScheduleAndAnEpochBeyondTheRunIsRefused() {
    CohortSettings.Training constant = SettingsParser.parse(ConfigFactory.empty()).training();
    assertEquals(0, constant.learningRateDecayFrom());
    for (int epoch = 0; epoch < constant.epochs(); epoch++) {
      assertEquals(1.0, constant.learningRateFactor(epoch));
    }
    CohortSettings.Training decayed = SettingsParser.parse(ConfigFactory.parseString(
        "cohort.training { epochs = 30, learning-rate-decay-from = 12 }")).training();
    assertEquals(1.0, decayed.learningRateFactor(0));
    assertEquals(1.0, decayed.learningRateFactor(10), "epoch 11, before the decay");
    assertEquals(1.0, decayed.learningRateFactor(11), "epoch 12, the first of the decay, at the full rate");
    assertEquals(18.0 / 19, decayed.learningRateFactor(12), 1e-15);
    assertEquals(1.0 / 19, decayed.learningRateFactor(29), 1e-15, "the last epoch");
    for (int epoch = 12; epoch < 30; epoch++) {
      assertEquals(1.0 / 19, decayed.learningRateFactor(epoch - 1) - decayed.learningRateFactor(epoch), 1e-12,
          "a linear fall, the same each epoch");
    }
    CohortSettings.Training lastOnly = SettingsParser.parse(ConfigFactory.parseString(
        "cohort.training { epochs = 4, learning-rate-decay-from = 4 }")).training();
    assertEquals(1.0, lastOnly.learningRateFactor(3), "decay from the last epoch: nothing to lower");
    assertEquals("cohort.training.learning-rate-decay-from = 31 is not valid: expected 0 (a constant learning rate)"
        + " or an epoch from 1 to training.epochs = 30",
        failure("cohort.training { epochs = 30, learning-rate-decay-from = 31 }"));
    assertEquals("cohort.training.learning-rate-decay-from = -1 is not valid: expected an integer >= 0",
        failure("cohort.training.learning-rate-decay-from = -1"));
  }

  @Test
  void randomKIsReadFromItsSectionAndTheRunsSeed() {
    CohortSettings settings = SettingsParser.parse(ConfigFactory.parseString(
        "cohort { training.seed = 9, distillation { topology = random-k, random-k { k = 1, redraw-every = 7 } } }"));
    assertEquals(dev.cohort.model.distill.Topology.randomK(List.of("mlp-a", "mlp-b"), 1, 7, 9),
        settings.distillation().topology());
    assertEquals("random-k", settings.distillation().topologyName());
  }

  @Test
  void nodeEnsembleHasDmlsLinksAndRefusesOneNodeAWeightingOrASelectionNamingTheKey() {
    CohortSettings settings = SettingsParser.parse(ConfigFactory.parseString(
        "cohort { cluster.nodes = 2, distillation.topology = node-ensemble }"));
    assertEquals(dev.cohort.model.distill.Topology.mutual(List.of("mlp-a", "mlp-b")), settings.distillation().topology());
    assertEquals("node-ensemble", settings.distillation().topologyName());
    assertEquals("cohort.distillation.topology = node-ensemble averages each node's predictions and sends one"
        + " aggregate to every other node: it needs cohort.cluster.nodes >= 2, found 1 (use dml on one node: the same"
        + " targets)", failure("cohort.distillation.topology = node-ensemble"));
    assertEquals("cohort.distillation.topology = node-ensemble sends the average of a node's teachers, not each"
        + " one's predictions: cohort.distillation.teacher-weighting must be none (or auto), found validation",
        failure("cohort { cluster.nodes = 2, distillation { topology = node-ensemble, teacher-weighting = validation } }"));
    assertEquals("cohort.distillation.topology = node-ensemble sends the average of a node's teachers, not each"
        + " one's predictions: cohort.distillation.selection.method must be none, found co-teaching",
        failure("cohort { cluster.nodes = 2, distillation { topology = node-ensemble, selection.method = co-teaching } }"));
  }

  @Test
  void anUnknownKeyIsRejectedByName() {
    String message = failure("cohort.training.epoch = 3");
    assertTrue(message.contains("unknown key cohort.training.epoch"), message);
  }

  @Test
  void anUnknownTopologyNamesTheKeyTheValueAndTheChoices() {
    assertEquals(
        "cohort.distillation.topology = 'mutual' is not valid: expected one of [independent, dml, ensemble, ta-chain, ring, random-k, node-ensemble, codistill, kd,"
            + " custom]",
        failure("cohort.distillation.topology = mutual"));
  }

  @Test
  void badNumbersNameTheirKey() {
    assertEquals(
        "cohort.distillation.temperature = 0.0 is not valid: expected a finite number > 0",
        failure("cohort.distillation.temperature = 0"));
    assertEquals(
        "cohort.training.epochs = 0 is not valid: expected an integer >= 1", failure("cohort.training.epochs = 0"));
    assertTrue(failure("cohort.training.epochs = many").contains("training.epochs"));
  }

  @Test
  void peersAreCheckedOneByOne() {
    assertTrue(failure("cohort.peers = [{name = a}, {name = a}]").contains("cohort.peers[1].name 'a' is used by another peer"));
    assertTrue(failure("cohort.peers = [{name = a, model = resnet}]").contains("unknown model 'resnet' for peer a"));
    assertTrue(failure("cohort.peers = [{name = a, hidden = [0]}]").contains("layer widths must be positive"));
    assertTrue(failure("cohort.peers = [{name = a, size = 3}]").contains("unknown key 'size' in cohort.peers[0]"));
    assertTrue(failure("cohort.peers = [{name = \"a b\"}]").contains("not a valid peer name"));
    assertTrue(failure("cohort.peers = []").contains("cohort.peers is empty"));
  }

  @Test
  void presetsExpandToLinks() {
    CohortSettings chain = SettingsParser.parse(ConfigFactory.parseString(
        "cohort { distillation.topology = ta-chain, peers = [{name = l, hidden = [64]}, {name = m, hidden = [32]}, {name = s, hidden = [8]}] }"));
    assertEquals(CohortSettings.TopologyPreset.TA_CHAIN, chain.distillation().preset());
    assertEquals(
        List.of(new Topology.Link("l", "m", 1.0), new Topology.Link("m", "s", 1.0)),
        chain.distillation().topology().links());
    CohortSettings custom = SettingsParser.parse(ConfigFactory.parseString(
        "cohort { peers = [{name = a}, {name = b}], distillation { topology = custom, links = [{teacher = a, student = b, weight = 2}] } }"));
    assertEquals(List.of(new Topology.Link("a", "b", 2.0)), custom.distillation().topology().links());
    CohortSettings ring = SettingsParser.parse(ConfigFactory.parseString(
        "cohort { distillation.topology = ring, peers = [{name = a}, {name = b}, {name = c}] }"));
    assertEquals(List.of(new Topology.Link("c", "a", 1.0), new Topology.Link("a", "b", 1.0), new Topology.Link("b", "c", 1.0)),
        ring.distillation().topology().links());
    assertTrue(failure("cohort { distillation.topology = ring, peers = [{name = a}] }")
        .contains("cohort.distillation.topology = ring needs at least 2 peers"));
  }

  private static final String AB = "cohort.peers = [{name = a}, {name = b}]\n";

  @Test
  void codistillationLinksEveryPeerToEveryOtherWithItsBurnInAndLookahead() {
    CohortSettings.Distillation d = SettingsParser.parse(ConfigFactory.parseString(
        "cohort.distillation { topology = codistill, codistill { burn-in-steps = 50, lookahead = 3 } }")).distillation();
    assertTrue(d.isCodistillation());
    assertEquals(new CohortSettings.Codistill(50, 3), d.codistill());
    assertEquals(Topology.mutual(List.of("mlp-a", "mlp-b")), d.topology());
    assertEquals(
        "cohort.distillation.codistill.lookahead = 0 is not valid: expected an integer >= 1",
        failure("cohort.distillation.codistill.lookahead = 0"));
  }

  @Test
  void badLinksAreNamedWithTheirKey() {
    assertEquals(
        "cohort.distillation.links: link 0 (a -> c): unknown student 'c'; the peers are [a, b]",
        failure(AB + "cohort.distillation { topology = custom, links = [{teacher = a, student = c}] }"));
    assertTrue(failure(AB + "cohort.distillation { topology = custom, links = [{teacher = a, student = b, weight = 0}] }")
        .contains("weight 0.0 must be finite and > 0"));
    assertTrue(failure(AB + "cohort.distillation { topology = custom, links = [{teacher = a, student = b, w = 1}] }")
        .contains("unknown key 'w' in cohort.distillation.links[0]"));
    assertTrue(failure(AB + "cohort.distillation { topology = dml, links = [{teacher = a, student = b}] }")
        .contains("only read with topology = custom"));
    assertTrue(failure("cohort.distillation.topology = custom").contains("needs cohort.distillation.links"));
  }

  @Test
  void lambdaRampsUpLinearly() {
    CohortSettings.Distillation d = SettingsParser.parse(ConfigFactory.parseString(
        "cohort.distillation { lambda = 2.0, lambda-ramp-steps = 4 }")).distillation();
    assertEquals(0.0, d.lambdaAt(0));
    assertEquals(1.0, d.lambdaAt(2));
    assertEquals(2.0, d.lambdaAt(4));
    assertEquals(2.0, d.lambdaAt(100));
  }

  @Test
  void aRenderedConfigParsesBackToTheSameSettings() {
    CohortSettings settings = TestCohorts.settings(Path.of("/tmp/runs"), "r1", "", "a", "b");
    CohortSettings back = CohortSettings.fromRendered(settings.render());
    assertEquals(settings.peers(), back.peers());
    assertEquals(settings.data(), back.data());
    assertEquals(settings.training(), back.training());
    assertEquals(settings.distillation(), back.distillation());
    assertEquals(Path.of("/tmp/runs/r1"), back.runPath());
  }
}
