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
}
