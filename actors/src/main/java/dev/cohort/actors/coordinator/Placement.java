package dev.cohort.actors.coordinator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where peers go. Each node offers slots (CPU threads it gives to training) and GPUs; a peer takes
 * one slot. The next peer goes to the node with the most free slots (ties: the fewest peers, then
 * the order the nodes are given in), so peers spread over the nodes and a node that joins late
 * gets the next ones; a run's first placement decides every peer's node before it divides a node's
 * slots into threads ({@link #placeAll}). When every slot is taken, peers still go to the least loaded node
 * (oversubscribed, and said so) rather than wait. Pure: the coordinator keeps one.
 */
final class Placement {

  /** A node that can host peers, as its cluster roles advertise it. */
  record Node(String address, int slots, int gpus) {}

  /** Where one peer goes, with the GPU it uses (-1: the CPU) and the ND4J threads per peer there. */
  record Decision(Node node, int device, int threads, boolean oversubscribed) {}

  private final Map<String, Integer> placed = new HashMap<>();
  private final Map<String, Integer> devicesHanded = new HashMap<>();

  /** Chooses the node for one more peer among {@code nodes}, and records it there. */
  Optional<Decision> place(List<Node> nodes) {
    Optional<Node> chosen =
        nodes.stream()
            .min(Comparator.comparingInt((Node n) -> -(n.slots() - peersOn(n)))
                .thenComparingInt(this::peersOn)
                .thenComparingInt(nodes::indexOf));
    return chosen.map(node -> {
      int index = devicesHanded.merge(node.address(), 1, Integer::sum) - 1;
      int peers = placed.merge(node.address(), 1, Integer::sum);
      return new Decision(node, device(index, node.gpus()), threads(node.slots(), peers), peers > node.slots());
    });
  }

  /**
   * Chooses nodes for {@code peers} more peers at once (each as {@link #place} would), then divides
   * each node's slots among every peer it then hosts: a run's first placement, so the first peer on
   * a node does not get the whole node's threads and the last a share. Empty when no node is given.
   */
  List<Decision> placeAll(int peers, List<Node> nodes) {
    List<Decision> chosen = new ArrayList<>();
    for (int i = 0; i < peers; i++) {
      Optional<Decision> decision = place(nodes);
      if (decision.isEmpty()) {
        return List.of();
      }
      chosen.add(decision.get());
    }
    return chosen.stream()
        .map(d -> new Decision(d.node(), d.device(), threads(d.node().slots(), peersOn(d.node())), d.oversubscribed()))
        .toList();
  }

  /** A peer left {@code address} (lost, or finished and stopped): its slot is free again. */
  void release(String address) {
    placed.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
  }

  int peersOn(Node node) {
    return placed.getOrDefault(node.address(), 0);
  }

  /** GPUs are handed out round-robin to the peers placed on a node; none: the CPU. */
  static int device(int peerIndexOnNode, int gpus) {
    return gpus <= 0 ? -1 : peerIndexOnNode % gpus;
  }

  /** The node's slots shared by the peers on it, at least one thread each. */
  static int threads(int slots, int peersOnNode) {
    return Math.max(1, slots / Math.max(1, peersOnNode));
  }

  /** The slots and GPUs a node advertises in its roles ({@code slots-N}, {@code gpus-N}). */
  static Node fromRoles(String address, java.util.Set<String> roles) {
    return new Node(address, roleValue(roles, "slots-", 1), roleValue(roles, "gpus-", 0));
  }

  private static int roleValue(java.util.Set<String> roles, String prefix, int absent) {
    return roles.stream()
        .filter(r -> r.startsWith(prefix))
        .map(r -> r.substring(prefix.length()))
        .filter(v -> v.matches("\\d+"))
        .map(Integer::parseInt)
        .findFirst()
        .orElse(absent);
  }
}
