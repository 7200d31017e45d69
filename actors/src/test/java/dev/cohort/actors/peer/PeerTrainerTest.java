package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.Reachability;
import dev.cohort.actors.ServiceKeys;
import dev.cohort.actors.TestCohorts;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.actors.data.RunData;
import dev.cohort.actors.data.RunDataCache;
import dev.cohort.model.data.BatchSchedule;
import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.nn.Checkpoints;
import dev.cohort.model.nn.MlpPreset;
import dev.cohort.model.nn.PeerNetwork;
import dev.cohort.protocol.CoordinatorInbox;
import dev.cohort.protocol.Encoding;
import dev.cohort.protocol.PeerAddress;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.PeerJoined;
import dev.cohort.protocol.PeerProgress;
import dev.cohort.protocol.PeerReport;
import dev.cohort.protocol.ProbabilityCodec;
import dev.cohort.protocol.SoftPredictions;
import dev.cohort.protocol.StartTraining;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The peer's step loop against TestProbes playing its teachers and its coordinator. */
class PeerTrainerTest {

  private static final Duration GENEROUS = Duration.ofSeconds(60);

  @TempDir Path runs;
  private ActorTestKit testKit;
  private TestProbe<CoordinatorInbox> coordinator;

  @BeforeEach
  void start() {
    testKit =
        ActorTestKit.create(
            ConfigFactory.parseString(
                    "pekko.actor.serialize-messages = on\npekko.actor.allow-java-serialization = off")
                .withFallback(ConfigFactory.load()));
    coordinator = testKit.createTestProbe(CoordinatorInbox.class);
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  private final java.util.List<ActorRef<PeerTrainer.Command>> started = new java.util.ArrayList<>();

  /**
   * The test's node (its probes') is unreachable for the peers' next {@code -reads} looks, or for
   * good from {@code Integer.MIN_VALUE}; reachable at 0 and above.
   */
  private final AtomicInteger reads = new AtomicInteger();

  private Set<Address> unreachableNodes() {
    return reads.getAndIncrement() < 0 ? Set.of(testKit.system().address()) : Set.of();
  }

  /** Whether the peers' node sees only a minority of its cluster. */
  private final java.util.concurrent.atomic.AtomicBoolean minority = new java.util.concurrent.atomic.AtomicBoolean();

  private final Reachability reachability = new Reachability() {
    @Override
    public Set<Address> unreachableNodes() {
      return PeerTrainerTest.this.unreachableNodes();
    }

    @Override
    public boolean inMinority() {
      return minority.get();
    }
  };

  private ActorRef<PeerInbox> startPeer(CohortSettings settings, String name) {
    PeerSpec spec = settings.peers().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    started.add(testKit.spawn(
        PeerTrainer.create(new PeerSetup(settings, spec, coordinator.ref(), new RunDataCache(), "test-node"), reachability),
        ServiceKeys.peerActorName(name)));
    TestProbe<Receptionist.Listing> listings = testKit.createTestProbe(Receptionist.Listing.class);
    return listings.awaitAssert(
        GENEROUS,
        () -> {
          testKit.system().receptionist().tell(Receptionist.find(ServiceKeys.peers(settings.runId()), listings.ref()));
          return listings.receiveMessage().getServiceInstances(ServiceKeys.peers(settings.runId())).stream()
              .filter(ref -> ref.path().parent().name().equals(ServiceKeys.peerActorName(name)))
              .findFirst()
              .orElseThrow(() -> new AssertionError("peer " + name + " has not registered yet"));
        });
  }

  /** Tells {@code recipients} (the real peers; probes need no start) who is in the cohort. */
  private void startTraining(
      String runId, Map<String, ActorRef<PeerInbox>> peers, List<ActorRef<PeerInbox>> recipients) {
    ActorRefResolver resolver = ActorRefResolver.get(testKit.system());
    StartTraining.Builder start = StartTraining.newBuilder().setRunId(runId);
    peers.forEach((name, ref) ->
        start.addPeers(PeerAddress.newBuilder().setName(name).setRef(resolver.toSerializationFormat(ref))));
    PeerInbox message = PeerInbox.newBuilder().setStart(start).build();
    recipients.forEach(ref -> ref.tell(message));
  }

  /** Waits for the report of {@code peer} that says it has finished every epoch. */
  private PeerReport finishedReport(String peer) {
    List<CoordinatorInbox> seen =
        coordinator.fishForMessage(
            GENEROUS,
            m -> m.hasReport() && m.getReport().getPeer().equals(peer) && m.getReport().getFinished()
                ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore());
    return seen.get(seen.size() - 1).getReport();
  }

  private static SoftPredictions nextPredictions(TestProbe<PeerInbox> probe) {
    return nextPredictions(probe, GENEROUS);
  }

  private static SoftPredictions nextPredictions(TestProbe<PeerInbox> probe, Duration within) {
    PeerInbox message = probe.receiveMessage(within);
    assertTrue(message.hasPredictions(), "expected predictions, got " + message);
    return message.getPredictions();
  }

  @Test
  void aPeerSendsSoftenedPredictionsAndWaitsForItsTeacherBeforeTraining() {
    CohortSettings settings = TestCohorts.settings(runs, "lockstep", "", "a", "teacher");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    TestProbe<PeerInbox> teacher = testKit.createTestProbe(PeerInbox.class);
    startTraining("lockstep", Map.of("a", a, "teacher", teacher.ref()), List.of(a));
    SoftPredictions first = nextPredictions(teacher);
    assertEquals("a", first.getFromPeer());
    assertEquals(0, first.getBatchId());
    assertEquals(0, first.getModelStep());
    assertEquals(50, first.getRows());
    assertEquals(4, first.getClasses());
    assertEquals(2.0f, first.getTemperature());
    assertRowsAreDistributions(ProbabilityCodec.decode(first), 4, 1e-5f);

    teacher.expectNoMessage(Duration.ofMillis(500)); // lock-step: no batch 1 before the teacher answers
    float[] uniform = new float[50 * 4];
    Arrays.fill(uniform, 0.25f);
    a.tell(
        PeerInbox.newBuilder()
            .setPredictions(
                first.toBuilder()
                    .setFromPeer("teacher")
                    .setPayload(ProbabilityCodec.encode(uniform, Encoding.FLOAT32)))
            .build());
    SoftPredictions second = nextPredictions(teacher);
    assertEquals(1, second.getBatchId());
    assertEquals(1, second.getModelStep());
  }

  /**
   * Lookahead d = 2 in lock-step: the first step sends batches 0, 1 and 2 (from the initial model),
   * every later step t the batch t + 2 (model step t), so a student never waits for a teacher at
   * its own speed; the peer trains step t on what its teacher sent for batch t.
   */
  @Test
  void withLookaheadATeacherSendsTheBatchDStepsAheadFromAnInferencePass() {
    CohortSettings settings = TestCohorts.settings(runs, "lookahead", "distillation.lookahead = 2", "a", "teacher");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    TestProbe<PeerInbox> teacher = testKit.createTestProbe(PeerInbox.class);
    startTraining("lookahead", Map.of("a", a, "teacher", teacher.ref()), List.of(a));
    for (long batch = 0; batch <= 2; batch++) {
      SoftPredictions primed = nextPredictions(teacher);
      assertEquals(batch, primed.getBatchId());
      assertEquals(0, primed.getModelStep());
    }
    teacher.expectNoMessage(Duration.ofMillis(500)); // step 0 waits for the teacher's batch 0
    for (long batch = 0; batch < 4; batch++) {
      a.tell(uniformPredictions("teacher", batch, "lookahead").toBuilder()
          .setPredictions(uniformPredictions("teacher", batch, "lookahead").getPredictions().toBuilder().setModelStep(batch))
          .build()); // a teacher at the same step: it holds nobody back
      SoftPredictions ahead = nextPredictions(teacher);
      assertEquals(batch + 3, ahead.getBatchId(), "step " + (batch + 1) + " predicts batch " + (batch + 3));
      assertEquals(batch + 1, ahead.getModelStep());
    }
  }

  /** Each link in its student's encoding: float16 to one student, top-k (k = 2) to another. */
  @Test
  void aTeacherEncodesEachLinkAsItsStudentAsks() {
    CohortSettings settings = TestCohorts.settings(runs, "per-link",
        "peers = [{name = a, hidden = [16]}, {name = s1, hidden = [16], encoding = float16},"
            + " {name = s2, hidden = [16], encoding = top-k}]\n"
            + "distillation { topology = custom, links = [{teacher = a, student = s1}, {teacher = a, student = s2}],"
            + " top-k = 2 }", "a", "s1", "s2");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    TestProbe<PeerInbox> s1 = testKit.createTestProbe(PeerInbox.class);
    TestProbe<PeerInbox> s2 = testKit.createTestProbe(PeerInbox.class);
    startTraining("per-link", Map.of("a", a, "s1", s1.ref(), "s2", s2.ref()), List.of(a));
    SoftPredictions half = nextPredictions(s1);
    SoftPredictions top = nextPredictions(s2);
    assertEquals(Encoding.FLOAT16, half.getEncoding());
    assertEquals(50 * 4 * 2, half.getPayload().size());
    assertEquals(Encoding.TOP_K, top.getEncoding());
    assertEquals(2, top.getTopK());
    assertEquals(50 * 2 * 4, top.getPayload().size());
    float[] dense = ProbabilityCodec.decode(half);
    float[] sparse = ProbabilityCodec.decode(top);
    assertRowsAreDistributions(sparse, 4, 2e-3f);
    for (int r = 0; r < 50; r++) {
      assertEquals(rowMax(dense, r, 4), rowMax(sparse, r, 4), 2e-3f, "the same largest probability on both links, row " + r);
    }
  }

  private static void assertRowsAreDistributions(float[] rows, int classes, float tolerance) {
    for (int r = 0; r < rows.length / classes; r++) {
      float sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += rows[r * classes + c];
      }
      assertEquals(1f, sum, tolerance, "row " + r + " is a distribution");
    }
  }

  private static float rowMax(float[] rows, int r, int classes) {
    float largest = 0;
    for (int c = 0; c < classes; c++) {
      largest = Math.max(largest, rows[r * classes + c]);
    }
    return largest;
  }

  private static PeerInbox uniformPredictions(String from, long batchId) {
    return uniformPredictions(from, batchId, "early");
  }

  private static PeerInbox uniformPredictions(String from, long batchId, String runId) {
    float[] uniform = new float[50 * 4];
    Arrays.fill(uniform, 0.25f);
    return PeerInbox.newBuilder()
        .setPredictions(
            SoftPredictions.newBuilder()
                .setRunId(runId)
                .setFromPeer(from)
                .setBatchId(batchId)
                .setRows(50)
                .setClasses(4)
                .setTemperature(2.0f)
                .setEncoding(Encoding.FLOAT32)
                .setPayload(ProbabilityCodec.encode(uniform, Encoding.FLOAT32)))
        .build();
  }

  @Test
  void predictionsThatArriveBeforeThePeersOwnStartAreKeptNotDropped() {
    // A teacher may start (and send) before this peer's start message arrives: different senders.
    CohortSettings settings = TestCohorts.settings(runs, "early", "distillation.max-wait = 60s", "a", "teacher");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    TestProbe<PeerInbox> teacher = testKit.createTestProbe(PeerInbox.class);
    a.tell(uniformPredictions("teacher", 0));
    startTraining("early", Map.of("a", a, "teacher", teacher.ref()), List.of(a));
    assertEquals(0, nextPredictions(teacher).getBatchId());
    // Had batch 0's predictions been dropped, a would wait the full 60 s for them.
    assertEquals(1, nextPredictions(teacher, Duration.ofSeconds(20)).getBatchId());
  }

  @Test
  void aTeacherRunsAtMostTheWindowAheadOfItsStudent() {
    CohortSettings settings = TestCohorts.settings(runs, "window",
        "distillation { topology = ta-chain, window = 2, max-wait = 60s }", "large", "small");
    ActorRef<PeerInbox> large = startPeer(settings, "large");
    TestProbe<PeerInbox> small = testKit.createTestProbe(PeerInbox.class);
    startTraining("window", Map.of("large", large, "small", small.ref()), List.of(large));
    assertEquals(0, nextPredictions(small).getBatchId());
    assertEquals(1, nextPredictions(small).getBatchId());
    small.expectNoMessage(Duration.ofMillis(500)); // batch 2 would be 3 ahead of a student at -1
    large.tell(PeerInbox.newBuilder()
        .setProgress(PeerProgress.newBuilder().setRunId("window").setPeer("small").setTrainedThrough(0))
        .build());
    assertEquals(2, nextPredictions(small).getBatchId());
    small.expectNoMessage(Duration.ofMillis(300));
  }

  private static PeerInbox predictionsOf(String from, String runId, long batchId, long modelStep) {
    PeerInbox uniform = uniformPredictions(from, batchId, runId);
    return uniform.toBuilder()
        .setPredictions(uniform.getPredictions().toBuilder().setModelStep(modelStep))
        .build();
  }

  @Test
  void aTeacherHeldBackByAStudentGoesOnWhenTheStudentsLatePredictionsShowItCaughtUp() {
    CohortSettings settings = TestCohorts.settings(runs, "late-progress",
        "distillation { topology = dml, window = 2, max-wait = 60s }", "a", "b");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    TestProbe<PeerInbox> b = testKit.createTestProbe(PeerInbox.class);
    startTraining("late-progress", Map.of("a", a, "b", b.ref()), List.of(a));
    a.tell(predictionsOf("b", "late-progress", 0, 0));
    a.tell(predictionsOf("b", "late-progress", 1, 0)); // b has trained through -1 as far as a knows
    assertEquals(0, nextPredictions(b).getBatchId());
    assertEquals(1, nextPredictions(b).getBatchId());
    b.expectNoMessage(Duration.ofMillis(500)); // batch 2: b, at -1, is more than the window of 2 behind
    // b's answer for batch 1, computed after its step 0: too late for a, which has trained batch 1,
    // but it says b has trained through batch 0, so a may go on (not only after max-wait, 60 s).
    a.tell(predictionsOf("b", "late-progress", 1, 1));
    assertEquals(2, nextPredictions(b, Duration.ofSeconds(20)).getBatchId());
  }

  @Test
  void aPeerThatRejoinsHearsHowFarEachPeerLinkedWithItHasTrained() {
    CohortSettings settings = TestCohorts.settings(runs, "rejoin",
        "distillation { topology = ta-chain, window = 2, max-wait = 60s }", "large", "small");
    ActorRef<PeerInbox> large = startPeer(settings, "large");
    TestProbe<PeerInbox> small = testKit.createTestProbe(PeerInbox.class);
    startTraining("rejoin", Map.of("large", large, "small", small.ref()), List.of(large));
    assertEquals(0, nextPredictions(small).getBatchId());
    assertEquals(1, nextPredictions(small).getBatchId()); // held there: small is at -1

    TestProbe<PeerInbox> restarted = testKit.createTestProbe(PeerInbox.class);
    large.tell(PeerInbox.newBuilder()
        .setJoined(PeerJoined.newBuilder()
            .setRunId("rejoin")
            .setPeer(PeerAddress.newBuilder().setName("small")
                .setRef(ActorRefResolver.get(testKit.system()).toSerializationFormat(restarted.ref())))
            .setRejoinAtBatch(0))
        .build());
    PeerInbox told = restarted.fishForMessage(GENEROUS,
        m -> m.hasProgress() ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).get(0);
    assertEquals("large", told.getProgress().getPeer());
    assertEquals(1, told.getProgress().getTrainedThrough(),
        "large has trained batches 0 and 1: the returning student must not wait for their predictions again");
  }

  /** Reports of {@code peer} until (and with) the one that says it has finished. */
  private List<PeerReport> reportsUntilFinished(String peer) {
    return coordinator
        .fishForMessage(
            GENEROUS,
            m -> m.hasReport() && m.getReport().getPeer().equals(peer) && m.getReport().getFinished()
                ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndCollect())
        .stream()
        .filter(CoordinatorInbox::hasReport)
        .map(CoordinatorInbox::getReport)
        .filter(r -> r.getPeer().equals(peer))
        .toList();
  }

  @Test
  void codistillationUsesNoTargetBeforeTheBurnInAndNothingStalerThanTheLookahead() {
    // 500 training rows in 2 shards of 250, batches of 50: 5 steps an epoch, 30 steps in all.
    CohortSettings settings = TestCohorts.settings(runs, "codistill",
        "distillation { topology = codistill, codistill { burn-in-steps = 10, lookahead = 2 } }\n"
            + "training.epochs = 6", "a", "t");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    TestProbe<PeerInbox> t = testKit.createTestProbe(PeerInbox.class);
    // Also predictions beyond a's last step: they tell a that t is never more than d = 2 behind.
    for (long batch = 0; batch < 36; batch++) {
      long modelStep = batch == 12 ? batch - 3 : batch - 2; // batch 12's are too stale to use
      a.tell(predictionsOf("t", "codistill", batch, modelStep));
    }
    startTraining("codistill", Map.of("a", a, "t", t.ref()), List.of(a));

    SoftPredictions first = nextPredictions(t);
    assertEquals(10, first.getBatchId(), "nothing for the student's burn-in");
    assertEquals(8, first.getModelStep(), "computed d = 2 steps ahead");

    List<PeerReport> reports = reportsUntilFinished("a").stream().filter(r -> !r.getEpochEnd()).toList();
    assertEquals(List.of(5L, 10L, 15L, 20L, 25L, 30L), reports.stream().map(PeerReport::getStep).toList());
    assertEquals(0.0, reports.get(0).getKdLoss(), "steps 0-4: burn-in");
    assertEquals(0.0, reports.get(1).getKdLoss(), "steps 5-9: burn-in");
    for (PeerReport report : reports.subList(2, reports.size())) {
      assertTrue(report.getKdLoss() > 0, "distillation after the burn-in, step " + report.getStep());
      assertEquals(2, report.getMaxStaleness(), "never staler than d");
      assertEquals(0.0, report.getWaitFraction(), "no waiting while the teacher keeps up");
    }
    assertEquals(1, reports.get(2).getTeacherTimeouts(), "steps 10-14: batch 12 had nothing fresh enough");
  }

  @Test
  void aCodistillationPeerNeverWaitsDuringTheBurnInAndAfterItAtMostTheBoundPerStep() {
    CohortSettings settings = TestCohorts.settings(runs, "codistill-ghost",
        "distillation { topology = codistill, max-wait = 300ms, codistill { burn-in-steps = 2, lookahead = 1 } }", "a", "t");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    startTraining("codistill-ghost", Map.of("a", a, "t", testKit.createTestProbe(PeerInbox.class).ref()), List.of(a));
    long started = System.nanoTime();
    PeerReport done = finishedReport("a");
    assertEquals(5, done.getStep());
    assertEquals(3, done.getTeacherTimeouts(), "steps 2-4 had no teacher");
    assertEquals(0.0, done.getKdLoss());
    assertTrue(done.getWaitFraction() > 0, "after the burn-in it waited for the silent teacher, within the bound");
    assertTrue(System.nanoTime() - started < Duration.ofSeconds(30).toNanos());
  }

  @Test
  void aTeacherThatNeverAnswersDelaysEachStepByAtMostTheWaitBound() {
    CohortSettings settings =
        TestCohorts.settings(runs, "ghost", "distillation.max-wait = 200ms", "a", "ghost");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    TestProbe<PeerInbox> ghost = testKit.createTestProbe(PeerInbox.class);
    startTraining("ghost", Map.of("a", a, "ghost", ghost.ref()), List.of(a));

    PeerReport epoch = finishedReport("a");
    assertTrue(epoch.getEpochEnd());
    assertEquals(10, epoch.getTeacherTimeouts(), "one missing teacher in each of the 10 steps");
    assertEquals(0.0, epoch.getKdLoss(), "without a teacher the step is cross-entropy only");
    assertTrue(epoch.getValAccuracy() > 0.25, "it still learned: " + epoch.getValAccuracy());
  }

  private static PeerInbox finishedNotice(String runId, String peer) {
    return PeerInbox.newBuilder()
        .setProgress(PeerProgress.newBuilder().setRunId(runId).setPeer(peer).setTrainedThrough(Long.MAX_VALUE))
        .build();
  }

  @Test
  void aTeacherThatHasFinishedIsNotWaitedFor() {
    // With a wait bound of 10 minutes, waiting once would be the test's limit several times over.
    CohortSettings settings = TestCohorts.settings(runs, "done", "distillation.max-wait = 600s", "a", "teacher");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    TestProbe<PeerInbox> teacher = testKit.createTestProbe(PeerInbox.class);
    a.tell(uniformPredictions("teacher", 0, "done"));
    a.tell(finishedNotice("done", "teacher"));
    startTraining("done", Map.of("a", a, "teacher", teacher.ref()), List.of(a));

    PeerReport epoch = finishedReport("a");
    assertEquals(10, epoch.getStep());
    assertEquals(0, epoch.getTeacherTimeouts(), "a finished teacher is not missing");
    assertTrue(epoch.getKdLoss() > 0, "its predictions for batch 0, sent before it finished, were used");
  }

  /**
   * A peer restarted after its teachers finished (their node outlived its own) hears from each of
   * them that they have: without that it would wait max-wait for them at every step.
   */
  @Test
  void aFinishedPeerTellsAPeerThatRejoinsLaterThatItHasFinished() {
    CohortSettings settings = TestCohorts.settings(runs, "late", "distillation.max-wait = 600s", "b", "a");
    ActorRef<PeerInbox> b = startPeer(settings, "b");
    TestProbe<PeerInbox> a = testKit.createTestProbe(PeerInbox.class);
    b.tell(finishedNotice("late", "a"));
    startTraining("late", Map.of("a", a.ref(), "b", b), List.of(b));
    finishedReport("b");

    TestProbe<PeerInbox> restarted = testKit.createTestProbe(PeerInbox.class);
    b.tell(PeerInbox.newBuilder()
        .setJoined(PeerJoined.newBuilder()
            .setRunId("late")
            .setPeer(PeerAddress.newBuilder().setName("a")
                .setRef(ActorRefResolver.get(testKit.system()).toSerializationFormat(restarted.ref())))
            .setRejoinAtBatch(3))
        .build());
    PeerInbox notice = restarted.fishForMessage(GENEROUS,
        m -> m.hasProgress() ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).get(0);
    assertEquals("b", notice.getProgress().getPeer());
    assertEquals(Long.MAX_VALUE, notice.getProgress().getTrainedThrough());
  }

  @Test
  void nonFinitePredictionsAreRejectedAndNeverReachTheStudentsWeights() throws IOException {
    CohortSettings settings = TestCohorts.settings(runs, "nan",
        "distillation { topology = ta-chain, max-wait = 600s }\ntraining.checkpoint-every = 5", "teacher", "a");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    TestProbe<PeerInbox> teacher = testKit.createTestProbe(PeerInbox.class);
    float[] poisoned = new float[50 * 4];
    Arrays.fill(poisoned, 0.25f);
    poisoned[7] = Float.NaN;
    for (long batch = 0; batch < 10; batch++) {
      PeerInbox uniform = uniformPredictions("teacher", batch, "nan");
      a.tell(uniform.toBuilder().setPredictions(uniform.getPredictions().toBuilder()
          .setPayload(ProbabilityCodec.encode(poisoned, Encoding.FLOAT32))).build());
    }
    startTraining("nan", Map.of("a", a, "teacher", teacher.ref()), List.of(a));

    PeerReport done = finishedReport("a"); // rejected, not missing: no step waits 600 s for them
    assertEquals(10, done.getStep());
    assertEquals(0.0, done.getKdLoss(), "nothing of the teacher's went into a target");
    assertTrue(Double.isFinite(done.getCeLoss()) && Double.isFinite(done.getValLoss()), done.toString());
    List<Path> saved;
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(runs.resolve("nan/checkpoints/a"))) {
      saved = files.filter(f -> f.toString().endsWith(".zip")).toList();
    }
    assertTrue(!saved.isEmpty());
    for (Path checkpoint : saved) {
      assertTrue(PeerNetwork.load(checkpoint, "mlp").isFinite(), checkpoint + ": its weights are finite");
    }
  }

  @Test
  void aPeerThatCannotBuildItsLinksReportsWhyAndStops() {
    // One row of float32 predictions over 60,000 classes takes 240,000 bytes, more than a message carries.
    CohortSettings settings = TestCohorts.settings(runs, "too-wide",
        "data.synthetic { train-examples = 300, test-examples = 100, features = 4, classes = 60000 }", "a", "b");
    PeerSpec spec = settings.peers().get(0);
    ActorRef<PeerTrainer.Command> peer = testKit.spawn(
        PeerTrainer.create(new PeerSetup(settings, spec, coordinator.ref(), new RunDataCache(), "test-node"), reachability));
    CoordinatorInbox failed = coordinator.fishForMessage(GENEROUS,
        m -> m.hasFailed() ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).get(0);
    String reason = failed.getFailed().getReason();
    assertTrue(reason.contains("cannot start") && reason.contains("60000 classes") && reason.contains("use top-k"),
        reason);
    testKit.createTestProbe().expectTerminated(peer, GENEROUS);
  }

  @Test
  void aDivergingPeerFailsBeforeItSendsOrSavesAnythingNonFinite() {
    CohortSettings settings = TestCohorts.settings(runs, "diverge",
        "training.checkpoint-every = 1\npeers = [ { name = a, hidden = [16], learning-rate = 1e30 }, { name = b } ]",
        "a", "b");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    // b answers each batch as a lock-step peer would, after checking what a sent it.
    java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<String> bad = new java.util.concurrent.atomic.AtomicReference<>();
    ActorRef<PeerInbox> b = testKit.spawn(org.apache.pekko.actor.typed.javadsl.Behaviors.receiveMessage(m -> {
      if (m.hasPredictions()) {
        received.incrementAndGet();
        try {
          ProbabilityCodec.decode(m.getPredictions());
        } catch (IllegalArgumentException e) {
          bad.set(e.getMessage());
        }
        a.tell(uniformPredictions("b", m.getPredictions().getBatchId(), "diverge"));
      }
      return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
    }));
    startTraining("diverge", Map.of("a", a, "b", b), List.of(a));

    CoordinatorInbox failed = coordinator.fishForMessage(GENEROUS,
        m -> m.hasFailed() ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).get(0);
    String reason = failed.getFailed().getReason();
    assertTrue(reason.contains("diverged at step") && reason.contains("learning rate 1.0E30"), reason);
    assertTrue(received.get() >= 1, "it trained (and sent) before it diverged");
    assertEquals(null, bad.get(), "everything it sent was a probability");
  }

  @Test
  void aPeerWhoseNodeSeesOnlyAMinorityTrainsNotAStepUntilItSeesAMajority() {
    CohortSettings settings = TestCohorts.settings(runs, "minority", "training.report-every = 1", "a");
    minority.set(true);
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    startTraining("minority", Map.of("a", a), List.of(a));
    coordinator.expectNoMessage(Duration.ofSeconds(3)); // no step, so no report: it may be trained elsewhere
    minority.set(false);
    PeerReport first = coordinator.expectMessageClass(CoordinatorInbox.class, GENEROUS).getReport();
    assertEquals(1, first.getStep(), "it trains on from where it paused");
    assertEquals(10, finishedReport("a").getStep());
  }

  @Test
  void aCopyOfAPeerRestartedElsewhereStopsWithoutSavingOrReporting() throws IOException {
    CohortSettings settings = TestCohorts.settings(runs, "fenced", "training.checkpoint-every = 1", "a");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    Path folder = runs.resolve("fenced/checkpoints/a");
    java.nio.file.Files.writeString(folder.resolve(CheckpointFence.FILE), "a-later-copy\n"); // claimed elsewhere
    TestProbe<Object> watcher = testKit.createTestProbe();
    startTraining("fenced", Map.of("a", a), List.of(a));

    watcher.expectTerminated(started.get(0), GENEROUS);
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(folder)) {
      assertEquals(List.of(CheckpointFence.FILE), files.map(f -> f.getFileName().toString()).toList(),
          "it saved nothing over the later copy's checkpoints");
    }
    coordinator.expectNoMessage(Duration.ofSeconds(1)); // no failure either: that would drop the live copy
  }

  @Test
  void aTeacherWhoseNodeIsUnreachableIsNotWaitedForWhileItIs() {
    CohortSettings settings = TestCohorts.settings(runs, "cut",
        "distillation { topology = ta-chain, max-wait = 600s }\ntraining.epochs = 3", "teacher", "a");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    TestProbe<PeerInbox> teacher = testKit.createTestProbe(PeerInbox.class);
    startTraining("cut", Map.of("a", a, "teacher", teacher.ref()), List.of(a));
    teacher.expectNoMessage(Duration.ofMillis(500)); // no progress: waiting for batch 0 (10 minutes at most)

    reads.set(Integer.MIN_VALUE); // unreachable from now on
    PeerReport done = finishedReport("a"); // 30 steps: within the test's bound only without waiting
    assertEquals(30, done.getStep());
    assertEquals(0, done.getTeacherTimeouts(), "an unreachable teacher is not a late one");
  }

  @Test
  void aTeacherHeldBackByAStudentGoesOnWhenTheStudentsNodeIsUnreachable() {
    CohortSettings settings = TestCohorts.settings(runs, "cut-student",
        "distillation { topology = ta-chain, window = 2, max-wait = 600s }", "large", "small");
    ActorRef<PeerInbox> large = startPeer(settings, "large");
    TestProbe<PeerInbox> small = testKit.createTestProbe(PeerInbox.class);
    startTraining("cut-student", Map.of("large", large, "small", small.ref()), List.of(large));
    assertEquals(0, nextPredictions(small).getBatchId());
    assertEquals(1, nextPredictions(small).getBatchId());
    small.expectNoMessage(Duration.ofMillis(500)); // held back: the student is still at -1

    reads.set(Integer.MIN_VALUE);
    assertEquals(10, finishedReport("large").getStep(), "it went on without waiting 600 s");
  }

  @Test
  void aTeacherWhoseNodeIsReachableAgainIsWaitedForAgain() {
    CohortSettings settings = TestCohorts.settings(runs, "back",
        "distillation { topology = ta-chain, max-wait = 600s }\ntraining.epochs = 3", "teacher", "a");
    reads.set(-3); // a looks once a step: unreachable for its first three steps, then reachable
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    TestProbe<PeerInbox> teacher = testKit.createTestProbe(PeerInbox.class);
    startTraining("back", Map.of("a", a, "teacher", teacher.ref()), List.of(a));
    for (long batch = 0; batch < 3; batch++) {
      PeerInbox progress = teacher.receiveMessage(GENEROUS);
      assertEquals(batch, progress.getProgress().getTrainedThrough(), "trained on alone: " + progress);
    }
    teacher.expectNoMessage(Duration.ofSeconds(2)); // batch 3 waits for the teacher again
  }

  @Test
  void withLambdaZeroMutualLearningGivesExactlyTheWeightsOfIndependentTraining() throws IOException {
    INDArray mutual = trainPairAndReadWeights("lambda0", 0.0);
    INDArray independent = trainedAlone(TestCohorts.settings(runs, "x", "", "a", "b"));
    assertEquals(independent, mutual);
    // The comparison can tell: with λ = 1 the same run moves away from independent training.
    assertNotEquals(independent, trainPairAndReadWeights("lambda1", 1.0));
  }

  private INDArray trainPairAndReadWeights(String runId, double lambda) throws IOException {
    CohortSettings settings = TestCohorts.settings(runs, runId, "distillation.lambda = " + lambda, "a", "b");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    ActorRef<PeerInbox> b = startPeer(settings, "b");
    startTraining(runId, Map.of("a", a, "b", b), List.of(a, b));
    PeerReport aDone = finishedReport("a");
    assertEquals(0, aDone.getTeacherTimeouts(), "every step had b's predictions");
    INDArray weights =
        new Checkpoints(settings.runPath().resolve("checkpoints/a")).latest("a").orElseThrow().network().parameters();
    started.forEach(peer -> testKit.stop(peer, GENEROUS));
    started.clear();
    return weights;
  }

  @Test
  void underALearningRateDecayEachEpochTrainsAtItsScheduledRate() throws IOException {
    String decay = "training { epochs = 4, learning-rate-decay-from = 2 }";
    CohortSettings settings = TestCohorts.settings(runs, "decay", decay, "a");
    ActorRef<PeerInbox> a = startPeer(settings, "a");
    startTraining("decay", Map.of("a", a), List.of(a));
    finishedReport("a");
    PeerNetwork trained = new Checkpoints(settings.runPath().resolve("checkpoints/a")).latest("a").orElseThrow().network();
    assertEquals(0.01 / 3, trained.learningRate(), 1e-12, "the last epoch's rate: 1/(4 - 2 + 1) of 0.01");
    // The runtime's weights are those of the same four epochs trained by hand at 0.01, 0.01, 2/3 and 1/3 of it...
    assertEquals(trainedAlone(settings), trained.parameters());
    // ...and not those of a constant rate.
    assertNotEquals(trainedAlone(TestCohorts.settings(runs, "constant", "training.epochs = 4", "a")), trained.parameters());
  }

  /** Peer a's network trained alone for every epoch at the scheduled rate: same seed, same schedule, cross-entropy only. */
  private static INDArray trainedAlone(CohortSettings settings) {
    RunData data = RunData.load(settings.data());
    PeerNetwork network = PeerNetwork.of(
        new MlpPreset(data.train().featureCount(), List.of(16), data.train().classes()),
        settings.peers().get(0).seed(), settings.training().learningRate(),
        new DistillationLoss(0.0, settings.distillation().temperature()));
    BatchSchedule schedule =
        new BatchSchedule(data.train().size(), settings.training().batchSize(), settings.training().seed());
    for (int epoch = 0; epoch < settings.training().epochs(); epoch++) {
      network.learningRate(settings.training().learningRate() * settings.training().learningRateFactor(epoch));
      for (int b = 0; b < schedule.batchesPerEpoch(); b++) {
        int[] rows = schedule.batch(epoch, b);
        network.train(data.train().features(rows),
            SoftTargets.labels(data.train().labels(rows), new float[rows.length * data.train().classes()],
                data.train().classes()));
      }
    }
    return network.parameters();
  }
}
