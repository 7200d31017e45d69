package dev.cohort.model.distill;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Who learns from whom in a cohort: weighted links teacher → student between named peers.
 *
 * <p>A student's target is the weighted average {@code Σ w_ij q_j / Σ w_ij} of its teachers'
 * softened predictions. A link from a peer to itself means "my own softened prediction is part of
 * my target" (ensemble targets, ONE/KDCL style); it is used as a constant, never as a message.
 * The presets expand to links:
 *
 * <ul>
 *   <li>{@link #independent}: none (the cross-entropy baseline);
 *   <li>{@link #mutual}: every peer from every other, equal weights (deep mutual learning: the
 *       target is the average of the others, never the peer itself);
 *   <li>{@link #ensemble}: every peer from every peer including itself, equal weights (the
 *       cohort's averaged prediction);
 *   <li>{@link #chain}: each peer from the one before it in the list (large → assistant → small,
 *       Mirzadeh et al.), optionally with back-links from each student to its teacher;
 *   <li>{@link #teacher}: the first peer teaches all the others (classic KD, Hinton et al.);
 *   <li>{@link #ring}: each peer from the one before it, the first from the last: one teacher per
 *       student, K links instead of K·(K−1), so a peer's messages a step do not grow with K;
 *   <li>{@link #randomK}: each student from k teachers drawn from the others, redrawn every N
 *       batches: k links per student at any batch, and over the run every pair, so the graph mixes.
 * </ul>
 *
 * <p>Most topologies hold at every batch. {@link #randomK}'s links are the superset (every peer
 * with every other, for linking, watching and flow control) and {@link #teachersAt} says which of
 * them count at a batch: every node computes the same draw from the seed, so nothing about it
 * travels.
 */
public final class Topology {

  /** One teacher → student link and its weight (> 0). */
  public record Link(String teacher, String student, double weight) {}

  /** Random-k's draw: k teachers per student, redrawn every {@code every} batches from {@code seed}. */
  public record Draw(int k, int every, long seed) {}

  private final List<String> peers;
  private final List<Link> links;
  /** Null: every link holds at every batch. */
  private final Draw draw;

  private Topology(List<String> peers, List<Link> links, Draw draw) {
    this.peers = List.copyOf(peers);
    this.links = List.copyOf(links);
    this.draw = draw;
  }

  public static Topology independent(List<String> peers) {
    return custom(peers, List.of());
  }

  public static Topology mutual(List<String> peers) {
    List<Link> links = new ArrayList<>();
    for (String student : peers) {
      for (String teacher : peers) {
        if (!teacher.equals(student)) {
          links.add(new Link(teacher, student, 1.0));
        }
      }
    }
    return custom(peers, links);
  }

  public static Topology ensemble(List<String> peers) {
    List<Link> links = new ArrayList<>();
    for (String student : peers) {
      for (String teacher : peers) {
        links.add(new Link(teacher, student, 1.0));
      }
    }
    return custom(peers, links);
  }

  /** Classic knowledge distillation: the first peer teaches every other, and learns from none. */
  public static Topology teacher(List<String> peers) {
    List<Link> links = new ArrayList<>();
    for (String student : peers.subList(1, peers.size())) {
      links.add(new Link(peers.get(0), student, 1.0));
    }
    return custom(peers, links);
  }

  /** {@code peers} ordered from the largest to the smallest; each learns from the one before it. */
  public static Topology chain(List<String> peers, boolean backLinks) {
    List<Link> links = new ArrayList<>();
    for (int i = 1; i < peers.size(); i++) {
      links.add(new Link(peers.get(i - 1), peers.get(i), 1.0));
      if (backLinks) {
        links.add(new Link(peers.get(i), peers.get(i - 1), 1.0));
      }
    }
    return custom(peers, links);
  }

  /**
   * Each peer learns from its predecessor in {@code peers}, the first from the last: a directed
   * cycle, one teacher and one student each (for two peers, the same links as {@link #mutual}).
   *
   * @throws IllegalArgumentException for fewer than two peers (a ring of one would be a self-link)
   */
  public static Topology ring(List<String> peers) {
    if (peers.size() < 2) {
      throw new IllegalArgumentException("a ring needs at least 2 peers, found " + peers);
    }
    List<Link> links = new ArrayList<>();
    for (int i = 0; i < peers.size(); i++) {
      links.add(new Link(peers.get((i + peers.size() - 1) % peers.size()), peers.get(i), 1.0));
    }
    return custom(peers, links);
  }

  /**
   * Explicit links, checked: both ends must be peers, weights finite and > 0, no link twice.
   *
   * @throws IllegalArgumentException naming the offending link (by its position) and why
   */
  public static Topology custom(List<String> peers, List<Link> links) {
    Set<String> known = new LinkedHashSet<>(peers);
    if (known.size() != peers.size()) {
      throw new IllegalArgumentException("peer names must be unique, found " + peers);
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < links.size(); i++) {
      Link link = links.get(i);
      String where = "link " + i + " (" + link.teacher() + " -> " + link.student() + ")";
      if (!known.contains(link.teacher())) {
        throw new IllegalArgumentException(where + ": unknown teacher '" + link.teacher() + "'; the peers are " + known);
      }
      if (!known.contains(link.student())) {
        throw new IllegalArgumentException(where + ": unknown student '" + link.student() + "'; the peers are " + known);
      }
      if (!(link.weight() > 0) || Double.isInfinite(link.weight())) {
        throw new IllegalArgumentException(
            where + ": weight " + link.weight() + " must be finite and > 0 (leave a link out to give it no weight)");
      }
      if (!seen.add(link.teacher() + "\u0000" + link.student())) {
        throw new IllegalArgumentException(where + ": this link is listed twice");
      }
    }
    return new Topology(peers, links, null);
  }

  /**
   * Each student learns from {@code k} teachers drawn uniformly without replacement from the other
   * peers, the draw redrawn every {@code every} batches (batch ids of the run's schedule), from
   * {@code seed} alone: a student's bytes received per step are k messages whatever K, and a
   * teacher's sent are k on average.
   *
   * @throws IllegalArgumentException unless 1 <= k < peers and every >= 1
   */
  public static Topology randomK(List<String> peers, int k, int every, long seed) {
    if (k < 1 || k >= peers.size()) {
      throw new IllegalArgumentException("random-k draws k teachers from the other peers: k must be 1.." + (peers.size() - 1)
          + " for " + peers.size() + " peers, found " + k);
    }
    if (every < 1) {
      throw new IllegalArgumentException("random-k redraws every N batches, N >= 1, found " + every);
    }
    Topology all = mutual(peers);
    return new Topology(all.peers, all.links, new Draw(k, every, seed));
  }

  /** The draw, when the links that count change from batch to batch. */
  public java.util.Optional<Draw> draw() {
    return java.util.Optional.ofNullable(draw);
  }

  /**
   * The peers whose predictions count for {@code student} at {@code batchId} (itself excluded): its
   * k drawn teachers under {@link #randomK}, else every teacher it is linked with.
   */
  public Set<String> teachersAt(String student, long batchId) {
    if (draw == null) {
      Set<String> teachers = new LinkedHashSet<>();
      teachersOf(student).stream().map(Link::teacher).filter(t -> !t.equals(student)).forEach(teachers::add);
      return teachers;
    }
    int index = peers.indexOf(student);
    if (index < 0) {
      throw new IllegalArgumentException("unknown peer '" + student + "'; the peers are " + peers);
    }
    long block = Math.floorDiv(batchId, (long) draw.every());
    // A generator per (seed, block, student): the same draw on every node, whatever else it drew.
    java.util.SplittableRandom random = new java.util.SplittableRandom(
        draw.seed() * 0x9E3779B97F4A7C15L + block * 0xC2B2AE3D27D4EB4FL + index * 0x165667B19E3779F9L);
    List<String> others = new ArrayList<>(peers);
    others.remove(index);
    Set<String> teachers = new LinkedHashSet<>();
    for (int i = 0; i < draw.k(); i++) { // partial Fisher-Yates
      int j = i + random.nextInt(others.size() - i);
      String chosen = others.get(j);
      others.set(j, others.get(i));
      others.set(i, chosen);
      teachers.add(chosen);
    }
    return teachers;
  }

  /** The peers that learn from {@code teacher} at {@code batchId}: those whose {@link #teachersAt} include it. */
  public Set<String> studentsAt(String teacher, long batchId) {
    if (draw == null) {
      return new LinkedHashSet<>(studentsOf(teacher));
    }
    Set<String> students = new LinkedHashSet<>();
    for (String student : peers) {
      if (!student.equals(teacher) && teachersAt(student, batchId).contains(teacher)) {
        students.add(student);
      }
    }
    return students;
  }

  public List<String> peers() {
    return peers;
  }

  public List<Link> links() {
    return links;
  }

  /** The links into {@code student}, the peer itself included when it has a self-link. */
  public List<Link> teachersOf(String student) {
    return links.stream().filter(l -> l.student().equals(student)).toList();
  }

  /** The peers that learn from {@code teacher}, other than itself: those it sends predictions to. */
  public List<String> studentsOf(String teacher) {
    return links.stream()
        .filter(l -> l.teacher().equals(teacher) && !l.student().equals(teacher))
        .map(Link::student)
        .toList();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Topology other && other.peers.equals(peers) && other.links.equals(links)
        && java.util.Objects.equals(other.draw, draw);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * peers.hashCode() + links.hashCode()) + java.util.Objects.hashCode(draw);
  }

  @Override
  public String toString() {
    return draw == null ? "Topology" + links : "Topology(random " + draw + " of " + peers + ")";
  }
}
