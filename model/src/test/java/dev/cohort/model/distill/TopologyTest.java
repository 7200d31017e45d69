package dev.cohort.model.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopologyTest {

  private static final List<String> PEERS = List.of("large", "assistant", "small");

  private static List<String> teacherNames(Topology topology, String student) {
    return topology.teachersOf(student).stream().map(Topology.Link::teacher).toList();
  }

  @Test
  void theMutualLearningTargetExcludesThePeerItself() {
    Topology dml = Topology.mutual(PEERS);
    assertEquals(List.of("assistant", "small"), teacherNames(dml, "large"));
    assertEquals(List.of("large", "small"), teacherNames(dml, "assistant"));
    assertEquals(List.of("large", "assistant"), dml.studentsOf("small"));
  }

  @Test
  void theEnsembleTargetIsTheWholeCohortThePeerIncluded() {
    Topology ensemble = Topology.ensemble(PEERS);
    assertEquals(PEERS, teacherNames(ensemble, "small"));
    assertEquals(List.of("assistant", "small"), ensemble.studentsOf("large"), "no message to itself");
  }

  @Test
  void theTeacherAssistantChainTeachesEachPeerFromTheNextLarger() {
    Topology chain = Topology.chain(PEERS, false);
    assertEquals(List.of(), teacherNames(chain, "large"));
    assertEquals(List.of("large"), teacherNames(chain, "assistant"));
    assertEquals(List.of("assistant"), teacherNames(chain, "small"), "the small student learns only from its assistant");
    Topology withBackLinks = Topology.chain(PEERS, true);
    assertEquals(List.of("assistant"), teacherNames(withBackLinks, "large"));
    assertEquals(List.of("large", "small"), teacherNames(withBackLinks, "assistant"));
  }

  @Test
  void classicDistillationTeachesEveryStudentFromTheFirstPeerOnly() {
    Topology kd = Topology.teacher(PEERS);
    assertEquals(List.of(), teacherNames(kd, "large"));
    assertEquals(List.of("large"), teacherNames(kd, "assistant"));
    assertEquals(List.of("large"), teacherNames(kd, "small"));
    assertEquals(List.of("assistant", "small"), kd.studentsOf("large"));
  }

  @Test
  void independentTrainingHasNoLinks() {
    assertEquals(List.of(), Topology.independent(PEERS).links());
  }

  @Test
  void badLinksAreNamedByPositionAndReason() {
    assertEquals(
        "link 1 (tiny -> small): unknown teacher 'tiny'; the peers are [large, assistant, small]",
        assertThrows(IllegalArgumentException.class, () -> Topology.custom(PEERS, List.of(
            new Topology.Link("large", "small", 1), new Topology.Link("tiny", "small", 1)))).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Topology.custom(PEERS, List.of(
            new Topology.Link("large", "small", 0)))).getMessage().contains("weight 0.0 must be finite and > 0"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Topology.custom(PEERS, List.of(
            new Topology.Link("large", "small", 1), new Topology.Link("large", "small", 2)))).getMessage().contains("listed twice"));
  }

  @Test
  void aRingGivesEachPeerItsPredecessorAsTheOneTeacher() {
    Topology ring = Topology.ring(List.of("a", "b", "c", "d"));
    assertEquals(List.of("d"), teacherNames(ring, "a"), "the first learns from the last");
    assertEquals(List.of("a"), teacherNames(ring, "b"));
    assertEquals(List.of("c"), teacherNames(ring, "d"));
    assertEquals(List.of("b"), ring.studentsOf("a"), "one message a step, whatever K");
    assertEquals(4, ring.links().size(), "K links, not K(K-1)");
    assertEquals(Topology.mutual(List.of("a", "b")).links().stream().map(l -> l.teacher() + l.student()).sorted().toList(),
        Topology.ring(List.of("a", "b")).links().stream().map(l -> l.teacher() + l.student()).sorted().toList(),
        "two peers: mutual learning");
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Topology.ring(List.of("a")));
  }

  @Test
  void randomKDrawsKOtherTeachersPerStudentTheSameEverywhereAndRedrawsThemByBlock() {
    List<String> peers = List.of("p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7");
    Topology topology = Topology.randomK(peers, 2, 10, 42);
    assertEquals(Topology.mutual(peers).links(), topology.links(), "linked with every other peer");
    java.util.Set<String> pairs = new java.util.HashSet<>();
    java.util.Map<String, Integer> taught = new java.util.HashMap<>();
    for (long batch = 0; batch < 2_000; batch += 10) {
      for (String student : peers) {
        java.util.Set<String> teachers = topology.teachersAt(student, batch);
        assertEquals(2, teachers.size(), student + " at " + batch + ": " + teachers);
        assertTrue(!teachers.contains(student) && peers.containsAll(teachers));
        assertEquals(teachers, topology.teachersAt(student, batch + 9), "one draw per block of 10 batches");
        assertEquals(teachers, Topology.randomK(peers, 2, 10, 42).teachersAt(student, batch),
            "from the seed alone: every node draws the same");
        for (String teacher : teachers) {
          pairs.add(teacher + ">" + student);
          taught.merge(teacher, 1, Integer::sum);
          assertTrue(topology.studentsAt(teacher, batch).contains(student), "students are the inverse of teachers");
        }
      }
    }
    assertEquals(8 * 7, pairs.size(), "over the run every ordered pair is drawn: the graph mixes");
    // 200 blocks x 16 links: each peer teaches 400 times in expectation (sd about 19).
    taught.forEach((peer, times) -> assertTrue(Math.abs(times - 400) < 100, peer + " taught " + times + " times"));
    assertTrue(!topology.teachersAt("p0", 0).equals(topology.teachersAt("p0", 10))
        || !topology.teachersAt("p0", 10).equals(topology.teachersAt("p0", 20)), "blocks differ");
    assertTrue(!Topology.randomK(peers, 2, 10, 43).equals(topology), "another seed, another topology");
    assertEquals(List.of("p1"), List.copyOf(Topology.randomK(List.of("p0", "p1"), 1, 5, 1).teachersAt("p0", 3)));
    assertThrows(IllegalArgumentException.class, () -> Topology.randomK(peers, 8, 10, 1), "k >= K");
    assertThrows(IllegalArgumentException.class, () -> Topology.randomK(peers, 0, 10, 1));
    assertThrows(IllegalArgumentException.class, () -> Topology.randomK(peers, 2, 0, 1));
    assertEquals(Topology.ring(peers).teachersOf("p1").stream().map(Topology.Link::teacher).toList(),
        List.copyOf(Topology.ring(peers).teachersAt("p1", 123)), "a fixed topology holds at every batch");
  }
}
