package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.Topology;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExchangeTest {

  private static final float[] A = {0.2f, 0.8f};
  private static final float[] B = {0.6f, 0.4f};
  private static final float[] OWN = {1.0f, 0.0f};

  @Test
  void theTargetIsTheWeightedAverageOfTheTeachersThatAnswered() {
    Exchange exchange = new Exchange("s", Topology.custom(List.of("a", "b", "s"), List.of(
        new Topology.Link("a", "s", 1), new Topology.Link("b", "s", 3))));
    exchange.predictionsFrom("a", 0, 0, A);
    assertFalse(exchange.complete(0));
    assertEquals(Set.of("b"), exchange.missing(0));
    exchange.predictionsFrom("b", 0, 0, B);
    assertTrue(exchange.complete(0));
    assertArrayEquals(new float[] {0.5f, 0.5f}, exchange.takeTarget(0, OWN, 2).values(), 1e-6f);
  }

  @Test
  void anEnsembleTargetIncludesThePeersOwnPredictionsButNeverAlone() {
    Exchange exchange = new Exchange("s", Topology.ensemble(List.of("a", "s")));
    assertTrue(exchange.usesOwnPredictions());
    assertEquals(Set.of("a"), exchange.teachers(), "its own predictions are not waited for");
    exchange.predictionsFrom("a", 0, 0, A);
    assertArrayEquals(new float[] {0.6f, 0.4f}, exchange.takeTarget(0, OWN, 2).values(), 1e-6f);
    assertArrayEquals(new float[] {0f, 0f}, exchange.takeTarget(1, OWN, 2).values(), "no teacher: no target");
  }

  @Test
  void usedBatchesAndEverythingBeforeThemAreLate() {
    Exchange exchange = new Exchange("s", Topology.mutual(List.of("a", "s")));
    assertTrue(exchange.isCurrentOrAhead(0));
    exchange.takeTarget(5, OWN, 2);
    assertFalse(exchange.isCurrentOrAhead(5));
    assertTrue(exchange.isCurrentOrAhead(6));
    assertFalse(exchange.isCurrentOrAhead(5 + Exchange.MAX_BATCHES_AHEAD + 1));
  }

  @Test
  void aTeacherMustNotRunMoreThanTheWindowAheadOfItsSlowestStudent() {
    Exchange teacher = new Exchange("large", Topology.chain(List.of("large", "mid", "small"), false));
    assertEquals(List.of(), teacher.studentsBehind(3, 4));
    assertEquals(List.of("mid"), teacher.studentsBehind(4, 4));
    teacher.progressOf("mid", 0);
    assertEquals(List.of(), teacher.studentsBehind(4, 4));
    teacher.progressOf("small", 99); // not its student: ignored
    assertEquals(List.of("mid"), teacher.studentsBehind(5, 4));
    assertTrue(teacher.remove("mid"));
    assertEquals(List.of(), teacher.studentsBehind(1000, 4), "a gone student holds nobody back");
  }

  @Test
  void studentsThatAreAlsoTeachersReportProgressThroughTheirPredictions() {
    Exchange dml = new Exchange("a", Topology.mutual(List.of("a", "b")));
    assertEquals(List.of(), dml.oneWayTeachers());
    dml.predictionsFrom("b", 7, 7, B);
    assertEquals(List.of(), dml.studentsBehind(10, 4), "b has trained through 6");
    Exchange small = new Exchange("small", Topology.chain(List.of("large", "small"), false));
    assertEquals(List.of("large"), small.oneWayTeachers());
  }

  @Test
  void aTeacherAlreadyPastABatchIsNotWaitedForIt() {
    Exchange exchange = new Exchange("s", Topology.mutual(List.of("a", "b", "s")));
    assertEquals(Set.of("a", "b"), exchange.missing(9));
    exchange.predictionsFrom("a", 10, 10, A);
    assertEquals(Set.of("b"), exchange.missing(9), "a sent batch 10 first: it will never send 9");
    assertEquals(Set.of("b"), exchange.missing(10));
    exchange.seen("b", 12); // too late or too far ahead to keep, but it tells where b is
    assertTrue(exchange.complete(10), "b is past 10, a answered for it");
    assertArrayEquals(new float[] {0.2f, 0.8f}, exchange.takeTarget(10, OWN, 2).values(), 1e-6f,
        "the target is made of the teachers that answered");
  }

  @Test
  void aPeerThatReturnsIsTakenBackWithItsTopologyLinksFromItsRejoinBatch() {
    Exchange exchange = new Exchange("s", Topology.custom(List.of("a", "b", "s"), List.of(
        new Topology.Link("a", "s", 1), new Topology.Link("b", "s", 3), new Topology.Link("s", "a", 1))));
    assertTrue(exchange.remove("b"));
    assertTrue(exchange.remove("a"));
    assertEquals(Set.of(), exchange.teachers());
    assertTrue(exchange.isLinked("a"), "gone, but still linked by the topology");

    assertTrue(exchange.rejoin("b", 40));
    assertTrue(exchange.rejoin("a", 40));
    assertEquals(Set.of("a", "b"), exchange.teachers());
    assertEquals(Set.of("a"), exchange.students());
    assertEquals(List.of(), exchange.studentsBehind(43, 4), "a rejoined at 40: trained through 39");
    assertEquals(List.of("a"), exchange.studentsBehind(44, 4));
    exchange.predictionsFrom("a", 41, 41, A);
    exchange.predictionsFrom("b", 41, 41, B);
    assertArrayEquals(new float[] {0.5f, 0.5f}, exchange.takeTarget(41, OWN, 2).values(), 1e-6f,
        "b's weight 3 is back");
    assertFalse(new Exchange("s", Topology.mutual(List.of("a", "s"))).rejoin("zz", 0), "not linked: not taken");
  }

  @Test
  void aResumedPeerTreatsEverythingBeforeItsStartAsPast() {
    Exchange exchange = new Exchange("s", Topology.mutual(List.of("a", "s")));
    exchange.predictionsFrom("a", 3, 3, A);
    exchange.startAt(20);
    assertFalse(exchange.isCurrentOrAhead(19));
    assertTrue(exchange.isCurrentOrAhead(20));
  }
}
