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
 *       student, K links instead of K·(K−1), so a peer's messages a step do not grow with K.
 * </ul>
 */
public final class Topology {

  /** One teacher → student link and its weight (> 0). */
  public record Link(String teacher, String student, double weight) {}

  private final List<String> peers;
  private final List<Link> links;

  private Topology(List<String> peers, List<Link> links) {
    this.peers = List.copyOf(peers);
    this.links = List.copyOf(links);
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
    return new Topology(peers, links);
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
    return o instanceof Topology other && other.peers.equals(peers) && other.links.equals(links);
  }

  @Override
  public int hashCode() {
    return 31 * peers.hashCode() + links.hashCode();
  }

  @Override
  public String toString() {
    return "Topology" + links;
  }
}
