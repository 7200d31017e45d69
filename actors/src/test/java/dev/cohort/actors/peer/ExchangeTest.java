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
}
