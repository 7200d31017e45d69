package dev.cohort.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.node.NodeGuardian;
import dev.cohort.model.nn.Checkpoints;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.RunFinished;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.remote.serialization.ProtobufSerializer;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real cluster nodes (two ActorSystems in this JVM) talking Artery over loopback on free
 * ports, every message serialized as it would be on the wire, running a whole cohort.
 */
class TwoNodeCohortTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path runs;
  private final List<ActorSystem<?>> systems = new ArrayList<>();
  private final List<String> console = new CopyOnWriteArrayList<>();

  @AfterEach
  void stopEverySystem() {
    systems.forEach(system -> ActorTestKit.shutdown(system, Duration.ofSeconds(30)));
  }

  private static Config node(String roles) {
    return ConfigFactory.load(
        ConfigFactory.parseString(
                "pekko.actor.serialize-messages = on\n"
                    + "pekko.remote.artery.canonical.hostname = 127.0.0.1\n"
                    + "pekko.remote.artery.canonical.port = 0\n"
                    + "pekko.cluster.roles = [" + roles + "]\n")
            .withFallback(ConfigFactory.parseResources("cohort-node.conf")));
  }

  /** Starts the launching node (coordinator + trainer), joined to itself. */
  private ActorSystem<NodeGuardian.Command> launcher(CohortSettings settings, CompletableFuture<RunFinished> outcome) {
    ActorSystem<NodeGuardian.Command> system =
        ActorSystem.create(
            NodeGuardian.create(
                Optional.of(new NodeGuardian.Launch(settings, console::add, outcome::complete)),
                new CompletableFuture<>()),
            "cohort",
            node("coordinator, trainer"));
    systems.add(system);
    Cluster.get(system).manager().tell(Join.create(address(system)));
    return system;
  }

  private ActorSystem<NodeGuardian.Command> trainer(Address seed, CompletableFuture<RunFinished> outcome) {
    ActorSystem<NodeGuardian.Command> system =
        ActorSystem.create(NodeGuardian.create(Optional.empty(), outcome), "cohort", node("trainer"));
    systems.add(system);
    Cluster.get(system).manager().tell(Join.create(seed));
    return system;
  }

  private static Address address(ActorSystem<?> system) {
    return Cluster.get(system).selfMember().address();
  }

  /** The peers' reports in metrics.jsonl (the other lines are cohort-level). */
  private static List<JsonNode> peerReports(Path metrics) throws IOException {
    return jsonLines(metrics).stream().filter(m -> m.has("peer")).toList();
  }

  private static List<JsonNode> jsonLines(Path file) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }

  @Test
  void twoPeersOnTwoNodesLearnFromEachOtherAndTheBestOnValidationIsExported() throws Exception {
    CohortSettings settings =
        TestCohorts.settings(runs, "two-nodes", "cluster.nodes = 2\ntraining.epochs = 2", "a", "b");
    CompletableFuture<RunFinished> outcome = new CompletableFuture<>();
    CompletableFuture<RunFinished> heardBySecondNode = new CompletableFuture<>();
    ActorSystem<NodeGuardian.Command> first = launcher(settings, outcome);
    ActorSystem<NodeGuardian.Command> second = trainer(address(first), heardBySecondNode);

    RunFinished finished = outcome.get(3, TimeUnit.MINUTES);
    assertTrue(finished.getSuccess(), finished.getMessage());
    assertEquals(finished, heardBySecondNode.get(1, TimeUnit.MINUTES), "every node hears the outcome");

    Path run = settings.runPath();
    List<String> nodes =
        jsonLines(run.resolve("events.jsonl")).stream()
            .filter(e -> e.get("event").asText().equals("peer-placed"))
            .map(e -> e.get("node").asText())
            .toList();
    assertEquals(List.of(address(first).toString(), address(second).toString()), nodes, "one peer on each node");

    List<JsonNode> metrics = peerReports(run.resolve("metrics.jsonl"));
    List<JsonNode> cohort = jsonLines(run.resolve("metrics.jsonl")).stream().filter(m -> m.has("cohort")).toList();
    assertEquals(List.of(1, 2), cohort.stream().map(m -> m.get("epoch").asInt()).toList(), "cohort metrics every epoch");
    for (JsonNode line : cohort) {
      double ensemble = line.get("ensemble_val_accuracy").asDouble();
      assertTrue(ensemble > 0.25 && ensemble <= 1, "ensemble accuracy " + ensemble);
      double agreement = line.get("agreement").get("a").get("b").asDouble();
      assertEquals(agreement, line.get("agreement").get("b").get("a").asDouble());
      assertTrue(agreement > 0 && agreement <= 1);
      assertTrue(line.get("kl").get("a").get("b").asDouble() >= 0);
    }
    assertEquals(2, console.stream().filter(l -> l.contains("(cohort)") && l.contains("ensemble val_acc")).count());
    for (String peer : List.of("a", "b")) {
      List<JsonNode> reports = metrics.stream().filter(m -> m.get("peer").asText().equals(peer)).toList();
      assertTrue(reports.stream().allMatch(m -> m.get("teacher_timeouts").asLong() == 0), peer + " never waited in vain");
      assertTrue(reports.stream().allMatch(m -> m.get("kd_loss").asDouble() > 0),
          peer + " distilled from the other node's predictions at every step");
      assertEquals(2, reports.stream().filter(m -> m.get("epoch_end").asBoolean()).count());
      assertMessagesPerStep(reports, 1, true);
      assertTrue(reports.stream().allMatch(m -> m.get("sent_at_ms").asLong() > 0 && m.get("report_lag_ms").asLong() >= 0),
          peer + ": every report says when it was sent and how late it was written");
    }

    JsonNode card = JSON.readTree(run.resolve("best/model-card.json").toFile());
    String best = finished.getBestPeer();
    double bestValidation =
        metrics.stream()
            .filter(m -> m.get("peer").asText().equals(best) && m.get("finished").asBoolean())
            .findFirst().orElseThrow().get("val_accuracy").asDouble();
    for (JsonNode m : metrics) {
      if (m.get("finished").asBoolean()) {
        assertTrue(m.get("val_accuracy").asDouble() <= bestValidation, "the exported peer is the best on validation");
      }
    }
    assertEquals(best, card.get("peer").asText());
    assertEquals("val_accuracy", card.get("selectedBy").asText());
    assertEquals(bestValidation, card.get("validationAccuracy").asDouble());
    assertEquals(finished.getTestAccuracy(), card.get("testAccuracy").asDouble());
    assertEquals(200, card.get("testExamples").asInt());
    assertEquals("MLP 12-16-4", card.get("architecture").asText());
    assertEquals(2, card.get("config").get("peers").size(), "the card carries the run's config");
    assertEquals("model.zip", card.get("modelFile").asText());
    assertEquals(List.of(12), List.of(card.get("inputShape").get(0).asInt()));
    assertEquals(4, card.get("classNames").size());
    String other = best.equals("a") ? "b" : "a";
    assertEquals(other + " (weight 1.0)", card.get("teachers").get(0).asText(), "dml: the other peer taught it");
    assertEquals(64, card.get("dataSha256").asText().length());
    assertTrue(card.get("modelBytes").asLong() > 0 && card.get("testLoss").asDouble() > 0);
    assertTrue(Files.size(run.resolve("best/model.zip")) > 0);
    assertFalse(new Checkpoints(run.resolve("checkpoints/a")).marks().isEmpty());
    assertFalse(new Checkpoints(run.resolve("checkpoints/b")).marks().isEmpty());
    assertEquals(4, console.stream().filter(l -> l.matches("\\s+[12]\\s+[ab]\\s.*")).count(),
        "one table row per peer and epoch: " + console);
  }

  /** Runs {@code settings} on two nodes and returns the metrics lines, per peer. */
  private java.util.Map<String, List<JsonNode>> runOnTwoNodes(CohortSettings settings) throws Exception {
    CompletableFuture<RunFinished> outcome = new CompletableFuture<>();
    ActorSystem<NodeGuardian.Command> first = launcher(settings, outcome);
    trainer(address(first), new CompletableFuture<>());
    RunFinished finished = outcome.get(3, TimeUnit.MINUTES);
    assertTrue(finished.getSuccess(), finished.getMessage());
    assertTrue(Files.exists(settings.runPath().resolve("best/model.zip")));
    return reportsByPeer(settings);
  }

  /** The run's peer reports, per peer, in order. */
  private static java.util.Map<String, List<JsonNode>> reportsByPeer(CohortSettings settings) throws IOException {
    return peerReports(settings.runPath().resolve("metrics.jsonl")).stream()
        .collect(java.util.stream.Collectors.groupingBy(m -> m.get("peer").asText()));
  }

  @Test
  void aTeacherAssistantChainTeachesEachPeerOnlyFromTheNextLarger() throws Exception {
    CohortSettings settings = TestCohorts.settings(runs, "ta-chain",
        "cluster.nodes = 2\ndistillation.topology = ta-chain\ntraining.epochs = 2\n"
            + "peers = [{name = large, hidden = [32]}, {name = assistant, hidden = [12]}, {name = small, hidden = [4]}]",
        "unused");
    var metrics = runOnTwoNodes(settings);
    assertTrue(metrics.get("large").stream().allMatch(m -> m.get("kd_loss").asDouble() == 0.0),
        "the largest peer has no teacher");
    for (String student : List.of("assistant", "small")) {
      assertTrue(metrics.get(student).stream().allMatch(m -> m.get("kd_loss").asDouble() > 0), student + " distils");
      assertTrue(metrics.get(student).stream().allMatch(m -> m.get("teacher_timeouts").asLong() == 0), student);
    }
  }

  @Test
  void everyPeerOfARingDistilsFromItsPredecessorAcrossTheNodes() throws Exception {
    CohortSettings settings = TestCohorts.settings(runs, "ring",
        "cluster.nodes = 2\ndistillation.topology = ring", "a", "b", "c", "d");
    var metrics = runOnTwoNodes(settings);
    assertEveryPeerDistilsWithoutTimeouts(metrics, "a", "b", "c", "d");
    long remote = 0;
    for (String peer : List.of("a", "b", "c", "d")) {
      List<JsonNode> reports = metrics.get(peer);
      for (int i = 1; i < reports.size(); i++) {
        if (!reports.get(i).get("epoch_end").asBoolean()) {
          long steps = reports.get(i).get("step").asLong() - reports.get(i - 1).get("step").asLong();
          assertEquals(steps, reports.get(i).get("predictions_sent").asLong(), peer + ": one successor, one message a step");
          remote += reports.get(i).get("predictions_sent_remote").asLong();
        }
      }
    }
    assertTrue(remote > 0, "two nodes: some successors are on the other node");
  }

  /**
   * With one message per node (the default), each dml teacher's predictions cross to the other
   * node once a step, carried by its first student there, whose wire inbox hands them to the
   * second: 4 messages a step between the nodes instead of 8. The students receive the same
   * predictions for the same steps, so every peer learns bit for bit as with one message per
   * student; a student left out of the hand-on would wait max-wait and then train without that
   * teacher (a timeout and a different kd loss), one handed them twice would be counted twice.
   */
  @Test
  void dmlAcrossNodesSendsOneMessagePerNodeAndLearnsExactlyAsWithOnePerStudent() throws Exception {
    String common = "cluster.nodes = 2\ntraining { epochs = 2, report-every = 2 }\n";
    var perStudent = runOnTwoNodes(TestCohorts.settings(runs, "dml-per-student",
        common + "distillation.one-message-per-node = off", "a", "b", "c", "d"));
    var perNode = runOnTwoNodes(TestCohorts.settings(runs, "dml-per-node", common, "a", "b", "c", "d"));
    assertEveryPeerDistilsWithoutTimeouts(perNode, "a", "b", "c", "d");
    for (String peer : List.of("a", "b", "c", "d")) {
      assertEquals(learning(perStudent.get(peer)), learning(perNode.get(peer)), peer + ": the same predictions, the same learning");
      List<JsonNode> epochs = perNode.get(peer).stream().filter(m -> m.get("epoch_end").asBoolean()).toList();
      long steps = epochs.get(epochs.size() - 1).get("step").asLong();
      assertEquals(3 * steps, epochs.stream().mapToLong(m -> m.get("predictions_sent").asLong()).sum(),
          peer + ": predictions for each of its 3 students every step");
      assertEquals(steps, epochs.stream().mapToLong(m -> m.get("predictions_sent_remote").asLong()).sum(),
          peer + ": one message a step to the other node");
      assertEquals(2 * steps, perStudent.get(peer).stream().filter(m -> m.get("epoch_end").asBoolean())
          .mapToLong(m -> m.get("predictions_sent_remote").asLong()).sum(), peer + ": one per student there");
    }
  }

  /**
   * node-ensemble's targets are dml's (each peer from the average of every other), so the same
   * cohort learns the same under both, up to float rounding, while only N(N−1) = 2 aggregates a
   * step cross between the nodes instead of 8 predictions (dml with one message per student). Weighing each node's aggregate as one
   * teacher instead of as its peers, or leaving a node's own peers out, would change kd here by far
   * more than the tolerance.
   */
  @Test
  void nodeEnsembleLearnsAsDmlWithOneAggregatePerPairOfNodesAndBatch() throws Exception {
    String common = "cluster.nodes = 2\ntraining { epochs = 2, report-every = 2 }\n";
    var dml = runOnTwoNodes(TestCohorts.settings(runs, "dml-4", common + "distillation.one-message-per-node = off\n",
        "a", "b", "c", "d"));
    CohortSettings settings = TestCohorts.settings(runs, "node-ensemble",
        common + "distillation.topology = node-ensemble", "a", "b", "c", "d");
    var ensemble = runOnTwoNodes(settings);
    assertEveryPeerDistilsWithoutTimeouts(ensemble, "a", "b", "c", "d");
    long steps = 0;
    long remote = 0;
    for (String peer : List.of("a", "b", "c", "d")) {
      List<JsonNode> mine = ensemble.get(peer);
      List<JsonNode> theirs = dml.get(peer);
      assertEquals(theirs.size(), mine.size(), peer);
      for (int i = 0; i < mine.size(); i++) {
        for (String figure : List.of("ce_loss", "kd_loss")) {
          double expected = theirs.get(i).get(figure).asDouble();
          assertEquals(expected, mine.get(i).get(figure).asDouble(), 1e-4 * Math.abs(expected),
              peer + " report " + i + " " + figure);
        }
        assertEquals(theirs.get(i).path("val_accuracy").asDouble(), mine.get(i).path("val_accuracy").asDouble(), 1e-9,
            peer + " report " + i);
        if (mine.get(i).get("epoch_end").asBoolean()) { // an epoch's end covers the whole epoch
          remote += mine.get(i).get("predictions_sent_remote").asLong();
          steps = Math.max(steps, mine.get(i).get("step").asLong());
        }
      }
    }
    assertTrue(steps > 0);
    assertEquals(2 * steps, remote, "one aggregate a step from each node to the other, none from peer to peer");
    long dmlRemote = dml.values().stream().flatMap(List::stream).filter(m -> m.get("epoch_end").asBoolean())
        .mapToLong(m -> m.get("predictions_sent_remote").asLong()).sum();
    assertEquals(8 * steps, dmlRemote, "dml: each of the 4 peers to the 2 on the other node");
  }

  @Test
  void underNodeEnsembleALostNodesPeerIsLeftOutAndTheOthersFinishDistillingFromEachOther() throws Exception {
    // a and c on the first node, b on the second, which goes.
    CohortSettings settings = TestCohorts.settings(runs, "node-ensemble-loss",
        "cluster.nodes = 2\ncluster.max-restarts = 0\ntraining.epochs = 200\ndistillation.max-wait = 2s\n"
            + "distillation.topology = node-ensemble", "a", "b", "c");
    RunFinished finished = runLosingTheSecondNode(settings);
    assertTrue(finished.getSuccess(), finished.getMessage());
    List<JsonNode> reports = peerReports(settings.runPath().resolve("metrics.jsonl"));
    for (String peer : List.of("a", "c")) {
      List<JsonNode> after = survivorsLastHalf(reports, peer);
      assertTrue(after.stream().allMatch(m -> m.get("kd_loss").asDouble() > 0), peer + " still distilled from the other");
      assertTrue(after.stream().allMatch(m -> m.get("predictions_sent_remote").asLong() == 0),
          peer + ": no node left to send aggregates to");
    }
  }

  @Test
  void randomKPeersDistilFromTheirDrawnTeachersAcrossTheNodesThroughEveryRedraw() throws Exception {
    // 5 peers, 2 teachers each, redrawn every 3 batches (8 batches an epoch, 2 epochs): every
    // report's steps distil and nobody waits in vain, so senders and waiters agree on each draw and
    // flow control lets the new students through at every redraw.
    CohortSettings settings = TestCohorts.settings(runs, "random-k",
        "cluster.nodes = 2\ntraining.epochs = 2\n"
            + "distillation { topology = random-k, random-k { k = 2, redraw-every = 3 } }", "a", "b", "c", "d", "e");
    assertEveryPeerDistilsWithoutTimeouts(runOnTwoNodes(settings), "a", "b", "c", "d", "e");
  }

  @Test
  void underRandomKALostNodesPeerIsLeftOutOfEveryDrawAndTheOthersFinish() throws Exception {
    // a and c on the first node, b on the second, which goes; each draws 1 teacher every 2 batches,
    // so a block that drew b distils from nobody (cross-entropy alone), the others from the survivor.
    CohortSettings settings = TestCohorts.settings(runs, "random-k-loss",
        "cluster.nodes = 2\ncluster.max-restarts = 0\ntraining.epochs = 200\ndistillation.max-wait = 2s\n"
            + "distillation { topology = random-k, random-k { k = 1, redraw-every = 2 } }", "a", "b", "c");
    RunFinished finished = runLosingTheSecondNode(settings);
    assertTrue(finished.getSuccess(), finished.getMessage());
    List<JsonNode> reports = peerReports(settings.runPath().resolve("metrics.jsonl"));
    for (String peer : List.of("a", "c")) {
      assertTrue(survivorsLastHalf(reports, peer).stream().anyMatch(m -> m.get("kd_loss").asDouble() > 0),
          peer + " still distilled from the survivor when drawn");
    }
  }

  /**
   * The second half of {@code peer}'s reports in a 200-epoch run that lost the second node, once
   * checked that it trained every epoch and in that half never waited for the lost peer.
   */
  private static List<JsonNode> survivorsLastHalf(List<JsonNode> reports, String peer) {
    List<JsonNode> own = reports.stream().filter(m -> m.get("peer").asText().equals(peer)).toList();
    JsonNode last = own.get(own.size() - 1);
    assertTrue(last.get("finished").asBoolean() && last.get("epoch").asInt() == 200, peer + " trained every epoch");
    List<JsonNode> after = own.subList(own.size() / 2, own.size());
    assertTrue(after.stream().allMatch(m -> m.get("teacher_timeouts").asLong() == 0),
        peer + ": once b was gone, nobody waited for it");
    return after;
  }

  /**
   * Each progress report counts the prediction messages its window sent: one per step for each of
   * {@code students} (the test batches fit in one message), all of them to another node when
   * {@code remote}.
   */
  private static void assertMessagesPerStep(List<JsonNode> reports, int students, boolean remote) {
    for (int i = 1; i < reports.size(); i++) {
      JsonNode report = reports.get(i);
      if (report.get("epoch_end").asBoolean()) {
        continue;
      }
      long steps = report.get("step").asLong() - reports.get(i - 1).get("step").asLong();
      assertEquals(steps * students, report.get("predictions_sent").asLong(), report.toString());
      assertEquals(remote ? steps * students : 0, report.get("predictions_sent_remote").asLong(), report.toString());
    }
  }

  /** Every report of each peer has a distillation term, and no teacher ever missed its wait. */
  private static void assertEveryPeerDistilsWithoutTimeouts(java.util.Map<String, List<JsonNode>> metrics, String... peers) {
    for (String peer : peers) {
      assertTrue(metrics.get(peer).stream().allMatch(m -> m.get("kd_loss").asDouble() > 0), peer + " distils");
      assertTrue(metrics.get(peer).stream().allMatch(m -> m.get("teacher_timeouts").asLong() == 0), peer);
    }
  }

  @Test
  void identicalPeersInARingTeachEachOtherNothing() throws Exception {
    // The same seed for every peer: each teacher's predictions are exactly its student's own, for
    // the same rows of the same batch, so the distillation term is zero and they train as one.
    // A target from another batch, or rows in another order, would show here as kd > 0 (float32
    // rounding leaves about 1e-9).
    CohortSettings settings = TestCohorts.settings(runs, "ring-same",
        "cluster.nodes = 2\ndistillation.topology = ring\n"
            + "peers = [{name = a, hidden = [16], seed = 5}, {name = b, hidden = [16], seed = 5}, {name = c, hidden = [16], seed = 5}]",
        "unused");
    var metrics = runOnTwoNodes(settings);
    for (String peer : List.of("a", "b", "c")) {
      assertTrue(metrics.get(peer).stream().allMatch(m -> Math.abs(m.get("kd_loss").asDouble()) < 1e-6),
          peer + ": " + metrics.get(peer));
      assertEquals(metrics.get("a").get(metrics.get("a").size() - 1).get("val_accuracy").asDouble(),
          metrics.get(peer).get(metrics.get(peer).size() - 1).get("val_accuracy").asDouble(), peer + " trained as a");
    }
  }

  @Test
  void everyPeerOfAnEnsembleDistilsFromTheCohortsAverage() throws Exception {
    CohortSettings settings = TestCohorts.settings(runs, "ensemble",
        "cluster.nodes = 2\ndistillation.topology = ensemble", "a", "b", "c");
    assertEveryPeerDistilsWithoutTimeouts(runOnTwoNodes(settings), "a", "b", "c");
  }

  @Test
  void codistillationOnTwoNodesDistilsAfterTheBurnInFromPredictionsAtMostDStepsStale() throws Exception {
    CohortSettings settings = TestCohorts.settings(runs, "codistill",
        "cluster.nodes = 2\ntraining.epochs = 4\n"
            + "distillation { topology = codistill, codistill { burn-in-steps = 5, lookahead = 2 } }", "a", "b");
    var metrics = runOnTwoNodes(settings);
    for (String peer : List.of("a", "b")) {
      List<JsonNode> reports = metrics.get(peer);
      assertEquals(0.0, reports.get(0).get("kd_loss").asDouble(), peer + ": steps 0-4 are the burn-in");
      assertTrue(reports.stream().allMatch(m -> m.get("max_staleness").asLong() <= 2), peer + ": staleness <= d");
      assertTrue(reports.stream().anyMatch(m -> m.get("kd_loss").asDouble() > 0), peer + " distilled after the burn-in");
    }
  }

  @Test
  void classicDistillationTrainsTheTeacherFirstThenFreezesItForItsStudents() throws Exception {
    CohortSettings settings = TestCohorts.settings(runs, "kd",
        "cluster.nodes = 2\ntraining.epochs = 2\ndistillation { topology = kd, kd.teacher-epochs = 2 }\n"
            + "peers = [{name = teacher, hidden = [32]}, {name = s1, hidden = [4]}, {name = s2, hidden = [4]}]",
        "unused");
    CompletableFuture<RunFinished> outcome = new CompletableFuture<>();
    ActorSystem<NodeGuardian.Command> first = launcher(settings, outcome);
    trainer(address(first), new CompletableFuture<>());
    RunFinished finished = outcome.get(3, TimeUnit.MINUTES);
    assertTrue(finished.getSuccess(), finished.getMessage());
    assertTrue(finished.getBestPeer().startsWith("s"), "a frozen teacher is never exported: " + finished.getBestPeer());

    List<JsonNode> reports = peerReports(settings.runPath().resolve("metrics.jsonl"));
    int frozenAt = -1;
    for (int i = 0; i < reports.size(); i++) {
      if (reports.get(i).get("peer").asText().equals("teacher") && reports.get(i).get("pretraining").asBoolean()
          && reports.get(i).get("frozen").asBoolean()) {
        frozenAt = i;
      }
    }
    assertTrue(frozenAt >= 0, "the teacher reported being frozen");
    for (int i = 0; i < frozenAt; i++) {
      assertEquals("teacher", reports.get(i).get("peer").asText(), "nobody else trains before the teacher is frozen");
    }
    List<Double> servingAccuracy = reports.stream()
        .filter(m -> m.get("peer").asText().equals("teacher") && m.get("epoch_end").asBoolean() && !m.get("pretraining").asBoolean())
        .map(m -> m.get("val_accuracy").asDouble())
        .toList();
    assertEquals(2, servingAccuracy.size());
    assertEquals(servingAccuracy.get(0), servingAccuracy.get(1), "a frozen teacher does not change");
    assertEquals(reports.get(frozenAt).get("val_accuracy").asDouble(), servingAccuracy.get(0));
    for (String student : List.of("s1", "s2")) {
      List<JsonNode> mine = reports.stream().filter(m -> m.get("peer").asText().equals(student)).toList();
      assertTrue(mine.stream().allMatch(m -> m.get("kd_loss").asDouble() > 0), student + " distils at every step");
      assertTrue(mine.stream().allMatch(m -> m.get("teacher_timeouts").asLong() == 0), student);
    }
    assertTrue(console.stream().anyMatch(l -> l.contains("KD teacher teacher is frozen after 2 epochs")), console.toString());
  }

  @Test
  void wireMessagesUsePekkosProtobufSerializer() {
    CohortSettings settings = TestCohorts.settings(runs, "serializer", "", "a");
    ActorSystem<NodeGuardian.Command> system = launcher(settings, new CompletableFuture<>());
    assertInstanceOf(
        ProtobufSerializer.class,
        SerializationExtension.get(Adapter.toClassic(system)).findSerializerFor(PeerInbox.getDefaultInstance()));
  }

  /** Runs {@code settings} on two nodes, taking the second away once its peer b has reported; the outcome. */
  private RunFinished runLosingTheSecondNode(CohortSettings settings) throws Exception {
    CompletableFuture<RunFinished> outcome = new CompletableFuture<>();
    ActorSystem<NodeGuardian.Command> first = launcher(settings, outcome);
    ActorSystem<NodeGuardian.Command> second = trainer(address(first), new CompletableFuture<>());
    // Let b (on the second node) train a little, then take its node away.
    awaitLine(settings.runPath().resolve("metrics.jsonl"), m -> m.path("peer").asText().equals("b"));
    ActorTestKit.shutdown(second, Duration.ofSeconds(30));
    return outcome.get(3, TimeUnit.MINUTES);
  }

  @Test
  void whenANodeLeavesMidRunAndRestartsAreOffThePeerThatRemainsFinishesAndIsExported() throws Exception {
    CohortSettings settings =
        TestCohorts.settings(runs, "node-leaves", // 300 epochs: b's node goes well before the end (see below)
            "cluster.nodes = 2\ncluster.max-restarts = 0\ntraining.epochs = 300\ndistillation.max-wait = 2s", "a", "b");
    RunFinished finished = runLosingTheSecondNode(settings);
    Path metrics = settings.runPath().resolve("metrics.jsonl");
    assertTrue(finished.getSuccess(), finished.getMessage());
    assertEquals("a", finished.getBestPeer());
    List<JsonNode> events = jsonLines(settings.runPath().resolve("events.jsonl"));
    assertTrue(events.stream().anyMatch(e -> e.get("event").asText().equals("peer-lost") && e.get("peer").asText().equals("b")),
        "the loss of b is recorded");
    assertTrue(events.stream().anyMatch(e -> e.get("event").asText().equals("peer-given-up") && e.get("peer").asText().equals("b")),
        "b is not restarted: " + events);
    JsonNode last = peerReports(metrics).stream().filter(m -> m.get("peer").asText().equals("a")).reduce((x, y) -> y).orElseThrow();
    assertTrue(last.get("finished").asBoolean());
    assertEquals(300, last.get("epoch").asInt());
    assertNotEquals(0.0, last.get("val_accuracy").asDouble());
  }

  /** Runs {@code settings} on one node (then stops it) and returns the metrics lines, per peer. */
  private java.util.Map<String, List<JsonNode>> runOnOneNode(CohortSettings settings) throws Exception {
    CompletableFuture<RunFinished> outcome = new CompletableFuture<>();
    ActorSystem<NodeGuardian.Command> only = launcher(settings, outcome);
    RunFinished finished = outcome.get(3, TimeUnit.MINUTES);
    assertTrue(finished.getSuccess(), finished.getMessage());
    ActorTestKit.shutdown(only, Duration.ofSeconds(30));
    return reportsByPeer(settings);
  }

  /** What a peer's reports say, step by step, without the timings (which differ between any two runs). */
  private static List<String> learning(List<JsonNode> reports) {
    return reports.stream().map(m -> m.get("epoch").asText() + " ce " + m.get("ce_loss").asText() + " kd "
        + m.get("kd_loss").asText() + " val " + m.path("val_accuracy").asText()).toList();
  }

  /** The forget rate a peer's latest checkpoint carries (null: none estimated). */
  private static Double checkpointedForgetRate(CohortSettings settings, String peer) throws IOException {
    return new Checkpoints(settings.runPath().resolve("checkpoints").resolve(peer)).latest("mlp").orElseThrow()
        .state().forgetRate();
  }

  private static final String CO_TEACHING = "training.epochs = 3\ndata { label-noise = 0.3, label-noise-type = pair }\n"
      + "distillation.selection { method = co-teaching, forget-rate = auto, ramp-epochs = 1 }\n";

  @Test
  void coTeachingOnTwoNodesLearnsExactlyAsOnOneAndEstimatesTheSameForgetRate() throws Exception {
    CohortSettings one = TestCohorts.settings(runs, "co-teaching-1", CO_TEACHING + "cluster.nodes = 1", "a", "b");
    CohortSettings two = TestCohorts.settings(runs, "co-teaching-2", CO_TEACHING + "cluster.nodes = 2", "a", "b");
    var onOne = runOnOneNode(one);
    var onTwo = runOnTwoNodes(two);
    for (String peer : List.of("a", "b")) {
      assertEquals(learning(onOne.get(peer)), learning(onTwo.get(peer)), peer + ": lock-step is deterministic");
      Double rate = checkpointedForgetRate(one, peer);
      assertTrue(rate != null && rate > 0 && rate < 0.9, peer + " estimated ε and checkpointed it: " + rate);
      assertEquals(rate, checkpointedForgetRate(two, peer), peer);
      // Epoch 1 keeps every example (the ramp starts at 0); epochs 2 and 3 keep ⌊(1 − ε)·50⌋ of each batch of 50.
      List<Double> kept = onTwo.get(peer).stream().filter(m -> m.get("epoch_end").asBoolean())
          .map(m -> m.get("kept_fraction").asDouble()).toList();
      double keptAfterRamp = dev.cohort.model.distill.SmallLossSelection.kept(50, rate) / 50.0;
      assertEquals(List.of(1.0, keptAfterRamp, keptAfterRamp), kept, peer + " at ε = " + rate);
    }
  }

  @Test
  void mutualLearningAtLambdaZeroWithoutSelectionIsIndependentTrainingBitForBit() throws Exception {
    CohortSettings dml = TestCohorts.settings(runs, "dml-lambda-0",
        "cluster.nodes = 2\ntraining.epochs = 2\ndistillation.lambda = 0", "a", "b");
    CohortSettings independent = TestCohorts.settings(runs, "independent",
        "cluster.nodes = 2\ntraining.epochs = 2\ndistillation.topology = independent", "a", "b");
    var mutual = runOnTwoNodes(dml);
    systems.forEach(system -> ActorTestKit.shutdown(system, Duration.ofSeconds(30)));
    systems.clear();
    var alone = runOnTwoNodes(independent);
    for (String peer : List.of("a", "b")) {
      assertEquals(learning(alone.get(peer)), learning(mutual.get(peer)), peer);
      assertTrue(mutual.get(peer).stream().allMatch(m -> m.get("kept_fraction").asDouble() == 1.0),
          peer + ": without selection every example trains");
    }
  }

  @Test
  void aPeerLostUnderCoTeachingLeavesItsPartnerTrainingOnCrossEntropyAlone() throws Exception {
    // 300 epochs of 8 tiny batches: long enough that b's node is gone well before a's last epoch
    // (40 took 3 s on a loaded machine, and once both peers had finished before the node was stopped).
    CohortSettings settings = TestCohorts.settings(runs, "co-teaching-loss",
        "cluster.nodes = 2\ncluster.max-restarts = 0\ntraining.epochs = 300\ndistillation.max-wait = 2s\n"
            + "distillation.selection { method = co-teaching, forget-rate = 0.3, ramp-epochs = 0 }", "a", "b");
    RunFinished finished = runLosingTheSecondNode(settings);
    Path metrics = settings.runPath().resolve("metrics.jsonl");
    assertTrue(finished.getSuccess(), finished.getMessage());
    assertEquals("a", finished.getBestPeer());
    List<JsonNode> reports = peerReports(metrics).stream().filter(m -> m.get("peer").asText().equals("a")).toList();
    JsonNode last = reports.get(reports.size() - 1);
    assertTrue(last.get("finished").asBoolean());
    assertEquals(300, last.get("epoch").asInt(), "a trained every epoch");
    assertTrue(jsonLines(settings.runPath().resolve("events.jsonl")).stream()
        .anyMatch(e -> e.get("event").asText().equals("peer-lost") && e.get("peer").asText().equals("b")));
    assertEquals(0.0, last.get("kd_loss").asDouble(), "no teacher left");
    assertEquals(0, last.get("teacher_timeouts").asLong(), "and nobody waited for");
    assertTrue(last.get("ce_loss").asDouble() > 0 && Double.isFinite(last.get("ce_loss").asDouble()));
  }

  /** A node already running (coordinator-eligible, no run of its own), joined to itself: the cluster's oldest. */
  private ActorSystem<NodeGuardian.Command> standingNode() {
    ActorSystem<NodeGuardian.Command> standing =
        ActorSystem.create(NodeGuardian.create(Optional.empty(), new CompletableFuture<>()), "cohort",
            node("coordinator, trainer"));
    systems.add(standing);
    Cluster.get(standing).manager().tell(Join.create(address(standing)));
    return standing;
  }

  /** A node with {@code roles} that launches {@code settings} by joining the cluster at {@code seed}. */
  private ActorSystem<NodeGuardian.Command> joiningLauncher(CohortSettings settings,
      CompletableFuture<RunFinished> outcome, String roles, Address seed) {
    ActorSystem<NodeGuardian.Command> launcher =
        ActorSystem.create(
            NodeGuardian.create(
                Optional.of(new NodeGuardian.Launch(settings, console::add, outcome::complete)), outcome),
            "cohort",
            node(roles));
    systems.add(launcher);
    Cluster.get(launcher).manager().tell(Join.create(seed));
    return launcher;
  }

  @Test
  void aLauncherThatJoinsAnExistingClusterHandsItsRunToTheOldestNode() throws Exception {
    // A node already running (coordinator-eligible, no run of its own): the cluster's oldest member.
    ActorSystem<NodeGuardian.Command> standing = standingNode();

    CohortSettings settings =
        TestCohorts.settings(runs, "joined", "cluster.nodes = 2\ntraining.epochs = 2", "a", "b");
    CompletableFuture<RunFinished> outcome = new CompletableFuture<>();
    ActorSystem<NodeGuardian.Command> launcher = joiningLauncher(settings, outcome, "coordinator, trainer", address(standing));

    RunFinished finished = outcome.get(3, TimeUnit.MINUTES);
    assertTrue(finished.getSuccess(), finished.getMessage());
    assertTrue(console.stream().noneMatch(l -> l.contains("training starts")),
        "the launcher's own coordinator never ran: " + console);
    List<String> nodes =
        jsonLines(settings.runPath().resolve("events.jsonl")).stream()
            .filter(e -> e.get("event").asText().equals("peer-placed"))
            .map(e -> e.get("node").asText())
            .toList();
    assertEquals(List.of(address(standing).toString(), address(launcher).toString()), nodes,
        "the coordinator, on the standing node, placed the first peer on its own node");
  }

  @Test
  void aLauncherThatHostsNoPeersHearsTheOutcomeOfTheRunItHandedOver() throws Exception {
    // As the Kubernetes Job runs it: role launcher only, so the launcher is no host; the run's end
    // must still reach it (it waited forever when only hosts were told).
    ActorSystem<NodeGuardian.Command> standing = standingNode();

    CohortSettings settings = TestCohorts.settings(runs, "launched", "training.epochs = 1", "a", "b");
    CompletableFuture<RunFinished> outcome = new CompletableFuture<>();
    ActorSystem<NodeGuardian.Command> launcher = joiningLauncher(settings, outcome, "launcher", address(standing));

    RunFinished finished = outcome.get(3, TimeUnit.MINUTES);
    assertTrue(finished.getSuccess(), finished.getMessage());
    assertTrue(jsonLines(settings.runPath().resolve("events.jsonl")).stream()
            .filter(e -> e.get("event").asText().equals("peer-placed"))
            .allMatch(e -> e.get("node").asText().equals(address(standing).toString())),
        "no peer on the launcher");
  }

  @Test
  void aNodeThatJoinsMidRunTakesTheLostNodesPeer() throws Exception {
    CohortSettings settings =
        TestCohorts.settings(runs, "elastic",
            "cluster.nodes = 2\ntraining.epochs = 300\ntraining.checkpoint-every = 5\ndistillation.max-wait = 2s", "a", "b");
    CompletableFuture<RunFinished> outcome = new CompletableFuture<>();
    ActorSystem<NodeGuardian.Command> first = launcher(settings, outcome);
    ActorSystem<NodeGuardian.Command> second = trainer(address(first), new CompletableFuture<>());
    Path events = settings.runPath().resolve("events.jsonl");
    awaitLine(events, e -> e.get("event").asText().equals("checkpoint") && e.get("peer").asText().equals("b"));

    // A third node joins while the run is under way; it has every slot free.
    ActorSystem<NodeGuardian.Command> late = trainer(address(first), new CompletableFuture<>());
    String lateAddress = address(late).toString();
    awaitLine(events, e -> e.get("event").asText().equals("member-up") && e.get("node").asText().equals(lateAddress));
    ActorTestKit.shutdown(second, Duration.ofSeconds(30));

    RunFinished finished = outcome.get(3, TimeUnit.MINUTES);
    assertTrue(finished.getSuccess(), finished.getMessage());
    JsonNode back = jsonLines(events).stream()
        .filter(e -> e.get("event").asText().equals("peer-restarted") && e.get("peer").asText().equals("b"))
        .findFirst().orElseThrow(() -> new AssertionError("b restarted: " + console));
    assertEquals(lateAddress, back.get("node").asText(), "the restarted peer went to the node that joined late");
  }

  /** Waits (up to two minutes) until a line of a JSON-lines file matches. */
  private static void awaitLine(Path file, java.util.function.Predicate<JsonNode> wanted) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (true) {
      try {
        if (Files.exists(file) && jsonLines(file).stream().anyMatch(wanted)) {
          return;
        }
      } catch (IOException e) {
        // a line being written: read again
      }
      assertTrue(System.nanoTime() < deadline, "no line of " + file + " came that was waited for");
      Thread.sleep(50);
    }
  }
}
