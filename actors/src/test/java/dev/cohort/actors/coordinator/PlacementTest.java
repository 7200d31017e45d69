package dev.cohort.actors.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementTest {

  private static final Placement.Node A = new Placement.Node("a", 4, 0);
  private static final Placement.Node B = new Placement.Node("b", 2, 0);
  private static final Placement.Node GPU = new Placement.Node("g", 8, 2);

  private static List<String> placeAll(Placement placement, List<Placement.Node> nodes, int peers) {
    List<String> where = new ArrayList<>();
    for (int i = 0; i < peers; i++) {
      where.add(placement.place(nodes).orElseThrow().node().address());
    }
    return where;
  }

  @Test
  void peersGoWhereMostSlotsAreFreeSpreadingOverNodes() {
    // a: 4 free, b: 2 free -> a, then a(3) vs b(2) -> a, then a(2)=b(2): fewer peers wins -> b, ...
    assertEquals(List.of("a", "a", "b", "a", "b", "a"), placeAll(new Placement(), List.of(A, B), 6));
  }

  @Test
  void equalNodesAreFilledRoundRobinInTheGivenOrder() {
    var x = new Placement.Node("x", 2, 0);
    var y = new Placement.Node("y", 2, 0);
    var z = new Placement.Node("z", 2, 0);
    assertEquals(List.of("x", "y", "z", "x", "y", "z"), placeAll(new Placement(), List.of(x, y, z), 6));
  }

  @Test
  void beyondTheSlotsPeersStillGoToTheLeastLoadedNodeAndAreMarkedOversubscribed() {
    Placement placement = new Placement();
    placeAll(placement, List.of(B), 2);
    Placement.Decision third = placement.place(List.of(B)).orElseThrow();
    assertTrue(third.oversubscribed());
    assertEquals(1, third.threads(), "never fewer than one thread");
    assertTrue(placement.place(List.of()).isEmpty(), "no node, no placement");
  }

  @Test
  void aNodeThatJoinsLateGetsTheNextPeerAndReleasedSlotsAreReused() {
    Placement placement = new Placement();
    placeAll(placement, List.of(B), 2);
    var late = new Placement.Node("late", 2, 0);
    assertEquals("late", placement.place(List.of(B, late)).orElseThrow().node().address());
    placement.release("b");
    placement.release("b");
    assertEquals("b", placement.place(List.of(B, late)).orElseThrow().node().address());
  }

  @Test
  void gpusAreHandedOutRoundRobinAndThreadsShareTheSlots() {
    Placement placement = new Placement();
    List<Integer> devices = new ArrayList<>();
    List<Integer> threads = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Placement.Decision d = placement.place(List.of(GPU)).orElseThrow();
      devices.add(d.device());
      threads.add(d.threads());
      assertFalse(d.oversubscribed());
    }
    assertEquals(List.of(0, 1, 0), devices);
    assertEquals(List.of(8, 4, 2), threads);
    assertEquals(-1, placement.place(List.of(A)).orElseThrow().device(), "no GPU: the CPU");
  }

  @Test
  void aFirstPlacementDividesEachNodesSlotsAmongAllThePeersItGets() {
    Placement oneByOne = new Placement();
    assertEquals(List.of(2, 1), List.of(oneByOne.place(List.of(B)).orElseThrow().threads(),
        oneByOne.place(List.of(B)).orElseThrow().threads()), "one at a time: the first on b took both slots");
    assertEquals(List.of(1, 1), new Placement().placeAll(2, List.of(B)).stream().map(Placement.Decision::threads).toList());
    List<Placement.Decision> all = new Placement().placeAll(3, List.of(A, B));
    assertEquals(List.of("a", "a", "b"), all.stream().map(d -> d.node().address()).toList());
    assertEquals(List.of(2, 2, 2), all.stream().map(Placement.Decision::threads).toList(),
        "a's 4 slots for its 2 peers, b's 2 for its one");
    List<Placement.Decision> gpus = new Placement().placeAll(3, List.of(GPU));
    assertEquals(List.of(0, 1, 0), gpus.stream().map(Placement.Decision::device).toList());
    assertEquals(List.of(2, 2, 2), gpus.stream().map(Placement.Decision::threads).toList());
    assertEquals(List.of(), new Placement().placeAll(2, List.of()), "no node, no placement");
  }

  @Test
  void nodesAdvertiseSlotsAndGpusInTheirRoles() {
    assertEquals(new Placement.Node("n", 6, 2), Placement.fromRoles("n", Set.of("trainer", "slots-6", "gpus-2")));
    assertEquals(new Placement.Node("n", 1, 0), Placement.fromRoles("n", Set.of("trainer")));
  }
}
