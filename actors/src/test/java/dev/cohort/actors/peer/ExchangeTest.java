package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.distill.TeacherWeighting;
import dev.cohort.model.distill.Topology;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExchangeTest {

  private static final float[] A = {0.2f, 0.8f};
  private static final float[] B = {0.6f, 0.4f};
  private static final float[] OWN = {1.0f, 0.0f};
  private static final int[] ROW_OF_CLASS_0 = {0};

  private static Exchange exchange(String self, Topology topology) {
    return new Exchange(self, topology, TeacherWeighting.NONE);
  }

  @Test
  void theTargetIsTheWeightedAverageOfTheTeachersThatAnswered() {
    Exchange exchange = exchange("s", Topology.custom(List.of("a", "b", "s"), List.of(
        new Topology.Link("a", "s", 1), new Topology.Link("b", "s", 3))));
    exchange.predictionsFrom("a", 0, 0, A, Double.NaN);
    assertFalse(exchange.complete(0));
    assertEquals(Set.of("b"), exchange.missing(0));
    exchange.predictionsFrom("b", 0, 0, B, Double.NaN);
    assertTrue(exchange.complete(0));
    assertArrayEquals(new float[] {0.5f, 0.5f}, exchange.takeTarget(0, OWN, 2, ROW_OF_CLASS_0).values(), 1e-6f);
  }

  /** The wait's allocation-free question gives missing()'s answer, whatever has arrived, been seen or become unreachable. */
  @Test
  void waitsForAgreesWithMissingInEveryState() {
    List<String> peers = List.of("a", "b", "c", "d", "e", "s");
    java.util.SplittableRandom random = new java.util.SplittableRandom(11);
    for (int round = 0; round < 300; round++) {
      Exchange exchange = exchange("s", Topology.mutual(peers));
      for (int event = 0; event < 12; event++) {
        String peer = peers.get(random.nextInt(5));
        long batch = random.nextInt(4);
        switch (random.nextInt(4)) {
          case 0 -> exchange.predictionsFrom(peer, batch, 0, A, Double.NaN);
          case 1 -> exchange.seen(peer, batch);
          case 2 -> exchange.rejected(peer, batch);
          default -> exchange.unreachable(random.nextBoolean() ? Set.of(peer) : Set.of());
        }
        for (long batch2 = 0; batch2 < 4; batch2++) {
          Set<String> missing = exchange.missing(batch2);
          for (java.util.function.Predicate<String> among : List.<java.util.function.Predicate<String>>of(
              t -> true, t -> t.compareTo("c") < 0, "d"::equals)) {
            assertEquals(missing.stream().anyMatch(among), exchange.waitsFor(batch2, among),
                "round " + round + ", batch " + batch2 + ", missing " + missing);
          }
          assertEquals(missing.isEmpty(), exchange.complete(batch2));
        }
      }
    }
  }

  @Test
  void anEnsembleTargetIncludesThePeersOwnPredictionsButNeverAlone() {
    Exchange exchange = exchange("s", Topology.ensemble(List.of("a", "s")));
    assertTrue(exchange.usesOwnPredictions());
    assertEquals(Set.of("a"), exchange.teachers(), "its own predictions are not waited for");
    exchange.predictionsFrom("a", 0, 0, A, Double.NaN);
    assertArrayEquals(new float[] {0.6f, 0.4f}, exchange.takeTarget(0, OWN, 2, ROW_OF_CLASS_0).values(), 1e-6f);
    assertArrayEquals(new float[] {0f, 0f}, exchange.takeTarget(1, OWN, 2, ROW_OF_CLASS_0).values(), "no teacher: no target");
  }

  @Test
  void usedBatchesAndEverythingBeforeThemAreLate() {
    Exchange exchange = exchange("s", Topology.mutual(List.of("a", "s")));
    assertTrue(exchange.isCurrentOrAhead(0));
    exchange.takeTarget(5, OWN, 2, ROW_OF_CLASS_0);
    assertFalse(exchange.isCurrentOrAhead(5));
    assertTrue(exchange.isCurrentOrAhead(6));
    assertFalse(exchange.isCurrentOrAhead(5 + Exchange.MAX_BATCHES_AHEAD + 1));
  }

  @Test
  void aTeacherMustNotRunMoreThanTheWindowAheadOfItsSlowestStudent() {
    Exchange teacher = exchange("large", Topology.chain(List.of("large", "mid", "small"), false));
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
    Exchange dml = exchange("a", Topology.mutual(List.of("a", "b")));
    assertEquals(List.of(), dml.progressRecipients(0, 4));
    dml.predictionsFrom("b", 7, 7, B, Double.NaN);
    assertEquals(List.of(), dml.studentsBehind(10, 4), "b has trained through 6");
    Exchange small = exchange("small", Topology.chain(List.of("large", "small"), false));
    assertEquals(List.of("large"), small.progressRecipients(0, 4));
  }

  @Test
  void aFinishedPeerIsNeitherWaitedForNorWaitedOnButWhatItSentIsUsed() {
    Exchange exchange = exchange("s", Topology.mutual(List.of("a", "b", "s")));
    exchange.predictionsFrom("a", 3, 3, A, Double.NaN);
    exchange.finished("a");
    assertEquals(Set.of("b"), exchange.missing(3));
    assertEquals(Set.of("b"), exchange.missing(1_000_000), "a sends nothing more: no batch waits for it");
    assertEquals(List.of("b"), exchange.studentsBehind(100, 4), "a is past every batch");
    exchange.predictionsFrom("b", 3, 3, B, Double.NaN);
    assertArrayEquals(new float[] {0.4f, 0.6f}, exchange.takeTarget(3, OWN, 2, ROW_OF_CLASS_0).values(), 1e-6f,
        "a's last predictions, sent before it finished, are in the target");
  }

  @Test
  void aRejectedAnswerIsNotWaitedForAgainNorUsed() {
    Exchange exchange = exchange("s", Topology.mutual(List.of("a", "b", "s")));
    exchange.rejected("a", 3);
    assertEquals(Set.of("b"), exchange.missing(3), "a answered, even if unusably");
    assertEquals(Set.of("a", "b"), exchange.missing(4));
    exchange.predictionsFrom("b", 3, 3, B, Double.NaN);
    assertEquals(1, exchange.takeTarget(3, OWN, 2, ROW_OF_CLASS_0).teachersUsed(), "only b's rows in it");
    exchange.rejected("a", 4);
    exchange.predictionsFrom("a", 4, 4, A, Double.NaN); // a valid answer that comes after replaces it
    exchange.predictionsFrom("b", 4, 4, B, Double.NaN);
    Exchange.Target target = exchange.takeTarget(4, OWN, 2, ROW_OF_CLASS_0);
    assertEquals(2, target.teachersUsed());
  }

  @Test
  void aPeerOnAnUnreachableNodeIsNeitherWaitedForNorWaitedOnUntilItIsBack() {
    Exchange exchange = exchange("s", Topology.mutual(List.of("a", "b", "s")));
    exchange.predictionsFrom("b", 5, 5, B, Double.NaN); // b has trained through 4
    exchange.unreachable(Set.of("a"));
    assertEquals(Set.of(), exchange.missing(5), "b answered; a is not waited for");
    assertEquals(List.of(), exchange.studentsBehind(8, 4), "a (at -1) holds nobody back while unreachable");
    assertArrayEquals(B, exchange.takeTarget(5, OWN, 2, ROW_OF_CLASS_0).values(), 1e-6f);
    exchange.unreachable(Set.of());
    assertEquals(Set.of("a", "b"), exchange.missing(6), "reachable again: waited for as before");
    assertEquals(List.of("a", "b"), exchange.studentsBehind(10, 4), "with the progress it had told");
  }

  @Test
  void aTeacherAlreadyPastABatchIsNotWaitedForIt() {
    Exchange exchange = exchange("s", Topology.mutual(List.of("a", "b", "s")));
    assertEquals(Set.of("a", "b"), exchange.missing(9));
    exchange.predictionsFrom("a", 10, 10, A, Double.NaN);
    assertEquals(Set.of("b"), exchange.missing(9), "a sent batch 10 first: it will never send 9");
    assertEquals(Set.of("b"), exchange.missing(10));
    exchange.seen("b", 12); // too late or too far ahead to keep, but it tells where b is
    assertTrue(exchange.complete(10), "b is past 10, a answered for it");
    assertArrayEquals(new float[] {0.2f, 0.8f}, exchange.takeTarget(10, OWN, 2, ROW_OF_CLASS_0).values(), 1e-6f,
        "the target is made of the teachers that answered");
  }

  @Test
  void aTeacherThatSaysHowFarItHasTrainedIsNotWaitedForBeforeThatButWhatItSentIsUsed() {
    Exchange exchange = exchange("s", Topology.mutual(List.of("a", "b", "s")));
    exchange.predictionsFrom("a", 3, 3, A, Double.NaN);
    exchange.predictionsFrom("b", 3, 3, B, Double.NaN);
    exchange.trainedThrough("a", 30); // its predictions for 4..30 were lost while this peer was cut off
    assertEquals(Set.of("b"), exchange.missing(4), "a will never send batch 4 now");
    assertEquals(Set.of("b"), exchange.missing(30));
    assertEquals(Set.of("a", "b"), exchange.missing(31), "a's next batch: waited for again");
    assertArrayEquals(new float[] {0.4f, 0.6f}, exchange.takeTarget(3, OWN, 2, ROW_OF_CLASS_0).values(), 1e-6f,
        "what a sent for batch 3 is still used");
    assertEquals(List.of("b"), exchange.studentsBehind(30, 4), "as a student it holds nobody back below 30");
    Exchange oneWay = exchange("s", Topology.custom(List.of("s", "t"), List.of(new Topology.Link("s", "t", 1))));
    oneWay.trainedThrough("t", 30);
    assertEquals(List.of(), oneWay.studentsBehind(34, 4), "a student's progress, as before");
  }

  @Test
  void aPeerThatReturnsIsTakenBackWithItsTopologyLinksFromItsRejoinBatch() {
    Exchange exchange = exchange("s", Topology.custom(List.of("a", "b", "s"), List.of(
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
    exchange.predictionsFrom("a", 41, 41, A, Double.NaN);
    exchange.predictionsFrom("b", 41, 41, B, Double.NaN);
    assertArrayEquals(new float[] {0.5f, 0.5f}, exchange.takeTarget(41, OWN, 2, ROW_OF_CLASS_0).values(), 1e-6f,
        "b's weight 3 is back");
    assertFalse(exchange("s", Topology.mutual(List.of("a", "s"))).rejoin("zz", 0), "not linked: not taken");
  }

  @Test
  void aResumedPeerTreatsEverythingBeforeItsStartAsPast() {
    Exchange exchange = exchange("s", Topology.mutual(List.of("a", "s")));
    exchange.predictionsFrom("a", 3, 3, A, Double.NaN);
    exchange.startAt(20);
    assertFalse(exchange.isCurrentOrAhead(19));
    assertTrue(exchange.isCurrentOrAhead(20));
  }

  @Test
  void validationWeightingSkipsATeacherWorseThanItsStudentAtTheLastEvaluation() {
    Exchange exchange = new Exchange("s", Topology.mutual(List.of("a", "b", "s")), TeacherWeighting.VALIDATION);
    exchange.predictionsFrom("a", 0, 0, A, Double.NaN);
    exchange.predictionsFrom("b", 0, 0, B, Double.NaN);
    assertArrayEquals(new float[] {0.4f, 0.6f}, exchange.takeTarget(0, OWN, 2, ROW_OF_CLASS_0).values(), 1e-6f,
        "before any evaluation every teacher counts");
    exchange.evaluated(0.80);
    exchange.predictionsFrom("a", 1, 1, A, 0.79);
    exchange.predictionsFrom("b", 1, 1, B, 0.80);
    assertArrayEquals(B, exchange.takeTarget(1, OWN, 2, ROW_OF_CLASS_0).values(), 1e-6f,
        "a (0.79) is worse than the student (0.80) and left out; b, as good, counts");
    exchange.predictionsFrom("b", 2, 2, B, 0.70);
    exchange.predictionsFrom("a", 2, 2, A, 0.79);
    assertArrayEquals(new float[] {0f, 0f}, exchange.takeTarget(2, OWN, 2, ROW_OF_CLASS_0).values(),
        "no teacher as good as the student: no distillation");
    assertEquals(0.80, exchange.ownAccuracy(), "what this peer tells its own students");
  }

  @Test
  void correctionWeightingKeepsATeacherOnlyWhereItIsRightAndTheStudentWrong() {
    Exchange exchange = new Exchange("s", Topology.mutual(List.of("a", "b", "s")), TeacherWeighting.CORRECTION);
    assertTrue(exchange.weighsPerExample());
    // Three rows labelled 1, 0, 0. The student gets row 0 wrong, rows 1 and 2 wrong and right.
    float[] student = {0.6f, 0.4f, 0.3f, 0.7f, 0.9f, 0.1f};
    float[] a = {0.2f, 0.8f, 0.45f, 0.55f, 0.8f, 0.2f};
    float[] b = {0.3f, 0.7f, 0.6f, 0.4f, 0.7f, 0.3f};
    exchange.predictionsFrom("a", 0, 0, a, Double.NaN);
    exchange.predictionsFrom("b", 0, 0, b, Double.NaN);
    assertArrayEquals(new float[] {0.25f, 0.75f, 0.6f, 0.4f, 0f, 0f},
        exchange.takeTarget(0, student, 6, new int[] {1, 0, 0}).values(), 1e-6f,
        "row 0: both right, the student wrong: their average; row 1: only b right; row 2: the student is right,"
            + " nothing to correct");
    Exchange alone = new Exchange("s", Topology.independent(List.of("s")), TeacherWeighting.CORRECTION);
    assertFalse(alone.weighsPerExample(), "no teachers: nothing to weigh");
    assertArrayEquals(new float[6], alone.takeTarget(0, null, 6, new int[] {1, 0, 0}).values(),
        "and no target, without the student's predictions, which it then does not compute");
  }

  @Test
  void correctionWeightingAddsTheSelfLinkOnlyToRowsThatATeacherCorrects() {
    Exchange exchange = new Exchange("s", Topology.ensemble(List.of("a", "s")), TeacherWeighting.CORRECTION);
    float[] student = {0.6f, 0.4f, 0.6f, 0.4f};
    exchange.predictionsFrom("a", 0, 0, new float[] {0.2f, 0.8f, 0.8f, 0.2f}, Double.NaN);
    assertArrayEquals(new float[] {0.4f, 0.6f, 0f, 0f},
        exchange.takeTarget(0, student, 4, new int[] {1, 0}).values(), 1e-6f,
        "row 0: (a + own) / 2; row 1: the student is right, no target");
  }

  @Test
  void selectiveWeightingGatesOnValidationThenTeachesOnlyWhereTheStudentIsWrong() {
    Exchange exchange = new Exchange("s", Topology.mutual(List.of("a", "b", "s")), TeacherWeighting.SELECTIVE);
    assertTrue(exchange.weighsPerExample());
    // Two rows labelled 1 and 0; the student gets the first wrong, the second right.
    float[] student = {0.6f, 0.4f, 0.7f, 0.3f};
    float[] a = {0.7f, 0.3f, 0.2f, 0.8f};
    float[] b = {0.2f, 0.8f, 0.9f, 0.1f};
    exchange.predictionsFrom("a", 0, 0, a, Double.NaN);
    exchange.predictionsFrom("b", 0, 0, b, Double.NaN);
    assertArrayEquals(new float[] {0.45f, 0.55f, 0f, 0f}, exchange.takeTarget(0, student, 4, new int[] {1, 0}).values(),
        1e-6f, "row 0: both teachers, even a, which is wrong there too; row 1: the student is right");
    exchange.evaluated(0.8);
    exchange.predictionsFrom("a", 1, 1, a, 0.7);
    exchange.predictionsFrom("b", 1, 1, b, 0.9);
    assertArrayEquals(new float[] {0.2f, 0.8f, 0f, 0f}, exchange.takeTarget(1, student, 4, new int[] {1, 0}).values(),
        1e-6f, "a is behind the student on validation: only b");
  }

  @Test
  void underRandomKOnlyTheDrawOfTheBatchIsWaitedForUsedSentToAndWaitedOn() {
    List<String> peers = List.of("a", "b", "c", "d", "s");
    Topology topology = Topology.randomK(peers, 2, 3, 7);
    Exchange exchange = exchange("s", topology);
    assertEquals(Set.of("a", "b", "c", "d"), exchange.teachers(), "linked with everyone");
    for (long batch = 0; batch < 12; batch++) {
      Set<String> drawn = topology.teachersAt("s", batch);
      assertEquals(drawn, exchange.teachersAt(batch));
      assertEquals(drawn, exchange.missing(batch), "batch " + batch + ": only the drawn teachers are waited for");
      assertEquals(topology.studentsAt("s", batch), exchange.studentsAt(batch));
      // Every peer answers; only the drawn ones make the target.
      for (String teacher : peers.subList(0, 4)) {
        exchange.predictionsFrom(teacher, batch, batch, drawn.contains(teacher) ? A : B, Double.NaN);
      }
      Exchange.Target target = exchange.takeTarget(batch, OWN, 2, ROW_OF_CLASS_0);
      assertEquals(2, target.teachersUsed());
      assertArrayEquals(A, target.values(), 1e-6f, "batch " + batch);
    }
    // Flow control: a student of the batch's draw holds it back; one outside the draw does not.
    Exchange teacher = exchange("a", topology);
    long batch = 30;
    Set<String> students = teacher.studentsAt(batch);
    for (String peer : List.of("b", "c", "d", "s")) {
      teacher.progressOf(peer, students.contains(peer) ? 0 : 1000);
    }
    assertEquals(List.copyOf(new java.util.TreeSet<>(students)), teacher.studentsBehind(batch, 4));
    assertEquals(List.copyOf(topology.teachersAt("a", batch + 4)), teacher.progressRecipients(batch, 4),
        "its progress goes to the teachers it will wait for 4 batches on");
    // A drawn teacher that is gone is not waited for: the rest of the draw counts.
    String gone = exchange.teachersAt(60).iterator().next();
    exchange.remove(gone);
    assertEquals(1, exchange.missing(60).size());
    assertFalse(exchange.missing(60).contains(gone));
  }
}

