package dev.cohort.actors.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.TestCohorts;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.dashboard.RunFeed;
import dev.cohort.protocol.PeerFailed;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.PeerReport;
import dev.cohort.protocol.RunFinished;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's course without a coordinator actor: when the best peer is asked to export, what a lost
 * exporter changes, the KD teacher's start before its students', and how a run that cannot go on
 * ends (once, naming why, every peer stopped). The peers are test probes.
 */
class RunLifecycleTest {

  /** The timers the lifecycle asked for. */
  private static final class Timers implements RunTimers {
    final List<String> asked = new ArrayList<>();

    @Override
    public void cancelStartup() {
      asked.add("cancel startup");
    }

    @Override
    public void startExport() {
      asked.add("export");
    }

    @Override
    public void cancelExport() {
      asked.add("cancel export");
    }

    @Override
    public void startRestart(String peer, int restart) {
      asked.add("restart " + peer);
    }

    @Override
    public void cancelRestart(String peer) {
      asked.add("cancel restart " + peer);
    }

    @Override
    public void startRecovery() {
      asked.add("recovery");
    }

    @Override
    public boolean recovering() {
      return false;
    }
  }

  @TempDir Path runs;
  private ActorTestKit testKit;
  private final Timers timers = new Timers();
  private final List<RunFinished> outcomes = new ArrayList<>();
  private final List<String> console = new ArrayList<>();
  private CohortSettings settings;
  private final List<RunRecords> opened = new ArrayList<>();
  private Failover failover;
  private Roster roster;
  private RunLifecycle lifecycle;

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create(ConfigFactory.parseString(
        "pekko.actor.provider = cluster\npekko.remote.artery.canonical { hostname = 127.0.0.1, port = 0 }\n"
            + "pekko.actor.serialize-messages = on\npekko.actor.allow-java-serialization = off"));
  }

  @AfterEach
  void stop() {
    opened.forEach(records -> records.close(org.slf4j.LoggerFactory.getLogger(RunLifecycleTest.class)));
    testKit.shutdownTestKit();
  }

  private Map<String, TestProbe<PeerInbox>> cohort(String extra, String... peers) {
    settings = TestCohorts.settings(runs, "run", extra, peers);
    PeerResults results = new PeerResults(List.of(peers));
    RunRecords records = new RunRecords(settings, new RunDirectory(settings.runPath(), RunFeed.NONE), console::add,
        results);
    opened.add(records);
    NodeDirectory nodes = new NodeDirectory(Cluster.get(testKit.system()));
    failover = new Failover(nodes, results, timers, records::event, console::add, 1);
    roster = new Roster(settings, failover, ActorRefResolver.get(testKit.system())::toSerializationFormat);
    lifecycle = new RunLifecycle(settings, records, results, roster, failover,
        nodes, timers, outcomes::add);
    Map<String, TestProbe<PeerInbox>> probes = new java.util.LinkedHashMap<>();
    for (String peer : peers) {
      probes.put(peer, testKit.createTestProbe(PeerInbox.class));
    }
    return probes;
  }

  private void registerAll(Map<String, TestProbe<PeerInbox>> probes) {
    lifecycle.waitingForPeers();
    probes.forEach((peer, probe) -> roster.register(peer, probe.ref()));
  }

  private PeerReport lastEpoch(String peer, double valAccuracy) {
    return PeerReport.newBuilder().setRunId(settings.runId()).setPeer(peer).setEpoch(1).setTrainedThrough(7)
        .setEpochEnd(true).setFinished(true).setValAccuracy(valAccuracy).build();
  }

  private static void expectNothing(TestProbe<PeerInbox> probe) {
    probe.expectNoMessage(Duration.ofMillis(200));
  }

  private static PeerInbox.MessageCase next(TestProbe<PeerInbox> probe) {
    return probe.receiveMessage(Duration.ofSeconds(30)).getMessageCase();
  }

  @Test
  void theBestPeerOnValidationExportsOnlyOnceEveryLivePeerHasFinished() {
    Map<String, TestProbe<PeerInbox>> peers = cohort("", "a", "b");
    registerAll(peers);
    lifecycle.startTraining();
    peers.values().forEach(p -> assertEquals(PeerInbox.MessageCase.START, next(p)));

    lifecycle.report(lastEpoch("b", 0.9));
    expectNothing(peers.get("b"));
    lifecycle.report(lastEpoch("a", 0.8));

    assertEquals(PeerInbox.MessageCase.EXPORT, next(peers.get("b")));
    expectNothing(peers.get("a"));
    assertEquals(RunLifecycle.Phase.EXPORTING, lifecycle.phase());
    assertEquals(List.of("cancel startup", "export"), timers.asked);
  }

  @Test
  void anExportingPeerThatIsLostIsAskedAgainOnceEveryLivePeerHasFinished() {
    Map<String, TestProbe<PeerInbox>> peers = cohort("", "a", "b");
    registerAll(peers);
    lifecycle.startTraining();
    lifecycle.report(lastEpoch("a", 0.9));
    lifecycle.report(lastEpoch("b", 0.8));
    lifecycle.lost("b");
    assertEquals(RunLifecycle.Phase.EXPORTING, lifecycle.phase(), "b was not the one exporting");
    lifecycle.lost("a");
    assertEquals(RunLifecycle.Phase.TRAINING, lifecycle.phase());
    assertTrue(timers.asked.contains("cancel export"));

    lifecycle.maybeExport();

    assertEquals(List.of(PeerInbox.MessageCase.START, PeerInbox.MessageCase.EXPORT, PeerInbox.MessageCase.EXPORT),
        Stream.of(1, 2, 3).map(i -> next(peers.get("a"))).toList());
  }

  @Test
  void theKdTeacherStartsAloneAndItsStudentsOnceItIsFrozen() {
    Map<String, TestProbe<PeerInbox>> peers =
        cohort("distillation { topology = kd, kd.teacher-epochs = 2 }", "teacher", "student");
    registerAll(peers);
    lifecycle.startTraining();
    assertEquals(PeerInbox.MessageCase.START, next(peers.get("teacher")));
    expectNothing(peers.get("student"));

    PeerReport.Builder ownEpoch = PeerReport.newBuilder().setRunId(settings.runId()).setPeer("teacher")
        .setEpochEnd(true).setPretraining(true);
    lifecycle.report(ownEpoch.setEpoch(1).build());
    expectNothing(peers.get("student"));
    lifecycle.report(ownEpoch.setEpoch(2).setFrozen(true).build());

    assertEquals(PeerInbox.MessageCase.START, next(peers.get("student")));
    assertTrue(console.contains("KD teacher teacher is frozen after 2 epochs of its own; its students start"));
  }

  @Test
  void peersMissingAtTheStartupTimeoutAreNamedAndTheRunEndsOnceWithEveryPeerStopped() {
    Map<String, TestProbe<PeerInbox>> peers = cohort("", "a", "b");
    lifecycle.waitingForPeers();
    roster.register("a", peers.get("a").ref());

    lifecycle.startupTimedOut();
    lifecycle.startupTimedOut();

    assertEquals(1, outcomes.size());
    assertFalse(outcomes.get(0).getSuccess());
    assertTrue(outcomes.get(0).getMessage().startsWith("peers [b] did not register within"), outcomes.get(0).getMessage());
    assertEquals(PeerInbox.MessageCase.STOP, next(peers.get("a")));
    assertTrue(lifecycle.done());
  }

  @Test
  void aPeerThatFailsBeforeTrainingEndsTheRunAndOneThatFailsDuringItIsGivenUp() {
    Map<String, TestProbe<PeerInbox>> peers = cohort("", "a", "b");
    registerAll(peers);
    lifecycle.startTraining();
    lifecycle.failed(PeerFailed.newBuilder().setRunId(settings.runId()).setPeer("a").setReason("disk full").build());
    assertTrue(failover.isDead("a"));
    assertEquals(List.of(), outcomes, "the run goes on with b");
    assertEquals(List.of("b"), lifecycle.livePeers());

    Map<String, TestProbe<PeerInbox>> early = cohort("", "c");
    lifecycle.waitingForPeers();
    lifecycle.failed(PeerFailed.newBuilder().setRunId(settings.runId()).setPeer("c").setReason("no data").build());
    assertEquals(1, outcomes.size());
    assertEquals("no data", outcomes.get(0).getMessage());
    expectNothing(early.get("c"));
  }
}
