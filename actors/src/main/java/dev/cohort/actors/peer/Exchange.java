package dev.cohort.actors.peer;

import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.distill.TeacherWeighting;
import dev.cohort.model.distill.Topology;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One peer's side of its links: which teachers it waits for and with what weight, the predictions
 * they sent (kept by batch until used, so early ones are never lost), and how far each of its
 * students has trained (for flow control). Plain Java, no actor: the trainer owns one. Under a
 * topology that redraws its links ({@code random-k}), {@link #teachers()} and {@link #students()}
 * are every peer it may be linked with, and {@link #teachersAt} / {@link #studentsAt} the ones
 * that count at a batch.
 */
final class Exchange {

  /** How far ahead of this peer predictions are kept; beyond, they are dropped. */
  static final int MAX_BATCHES_AHEAD = 256;

  private final Map<String, Double> teachers = new LinkedHashMap<>();
  private final Map<String, Double> linkedTeachers;
  private final Set<String> linkedStudents;
  private final Map<String, Long> teacherPosition = new HashMap<>();
  private final double selfWeight;
  private final Set<String> students;
  private final Map<String, Long> studentProgress = new HashMap<>();
  private final TreeMap<Long, Map<String, Received>> received = new TreeMap<>();
  private long trainedThrough = -1;
  private final TeacherWeighting weighting;
  private final Map<String, Double> teacherAccuracy = new HashMap<>();
  private double ownAccuracy = Double.NaN;
  private Set<String> unreachable = Set.of();
  private final String self;
  private final Topology topology;
  /** The topology's draw for the block of batches last asked about (random-k): its teachers and students of this peer. */
  private long drawnBlock = Long.MIN_VALUE;
  private Set<String> drawnTeachers = Set.of();
  private Set<String> drawnStudents = Set.of();

  Exchange(String self, Topology topology, TeacherWeighting weighting) {
    this.self = self;
    this.topology = topology;
    this.weighting = weighting;
    double ownWeight = 0;
    for (Topology.Link link : topology.teachersOf(self)) {
      if (link.teacher().equals(self)) {
        ownWeight = link.weight();
      } else {
        teachers.put(link.teacher(), link.weight());
      }
    }
    this.selfWeight = ownWeight;
    this.linkedTeachers = Map.copyOf(teachers);
    this.students = new TreeSet<>(topology.studentsOf(self));
    this.linkedStudents = Set.copyOf(students);
    students.forEach(s -> studentProgress.put(s, -1L));
  }

  /** This peer's accuracy on the validation split at its last evaluation (NaN before the first). */
  double ownAccuracy() {
    return ownAccuracy;
  }

  void evaluated(double validationAccuracy) {
    ownAccuracy = validationAccuracy;
  }

  /** Whether targets are weighed example by example (they then need this peer's own softened predictions). */
  boolean weighsPerExample() {
    return weighting.perExample() && !teachers.isEmpty();
  }

  /** A peer that resumes from a checkpoint starts at {@code batchId}: anything before is past. */
  void startAt(long batchId) {
    trainedThrough = batchId - 1;
    received.headMap(batchId, false).clear();
  }

  Set<String> teachers() {
    return teachers.keySet();
  }

  Set<String> students() {
    return students;
  }

  /** The teachers whose predictions count for {@code batchId}: all of them, or random-k's draw of those still here. */
  Set<String> teachersAt(long batchId) {
    if (topology.draw().isEmpty()) {
      return teachers.keySet();
    }
    draw(batchId);
    Set<String> present = new TreeSet<>(drawnTeachers);
    present.retainAll(teachers.keySet());
    return present;
  }

  /** The students that wait for this peer's predictions on {@code batchId}. */
  Set<String> studentsAt(long batchId) {
    if (topology.draw().isEmpty()) {
      return students;
    }
    draw(batchId);
    Set<String> present = new TreeSet<>(drawnStudents);
    present.retainAll(students);
    return present;
  }

  private void draw(long batchId) {
    long block = Math.floorDiv(batchId, (long) topology.draw().orElseThrow().every());
    if (block != drawnBlock) {
      drawnBlock = block;
      drawnTeachers = topology.teachersAt(self, batchId);
      drawnStudents = topology.studentsAt(self, batchId);
    }
  }

  /**
   * Who hears of this peer's progress by message once it has trained {@code batchId} (its
   * students hear it from its predictions): teachers that do not learn from it; under random-k,
   * the teachers it will have {@code window} batches on, which hold their step on that batch until
   * it is at most {@code window} behind.
   */
  List<String> progressRecipients(long batchId, int window) {
    if (topology.draw().isEmpty()) {
      return teachers.keySet().stream().filter(t -> !students.contains(t)).toList();
    }
    return List.copyOf(teachersAt(batchId + window));
  }

  boolean usesOwnPredictions() {
    return selfWeight > 0;
  }

  /** Whether a message from {@code peer} for {@code batchId} can still be used (not late, not too far ahead). */
  boolean isCurrentOrAhead(long batchId) {
    return batchId > trainedThrough && batchId <= trainedThrough + MAX_BATCHES_AHEAD;
  }

  /** A teacher's rows for a batch and the model step it computed them at. */
  private record Received(float[] rows, long modelStep) {
    /** An answer that came but cannot be used: rejected at decode. */
    static final Received UNUSABLE = new Received(new float[0], Long.MIN_VALUE);
  }

  /**
   * The target of one step, the teachers' rows it was made of (with their link weights; empty:
   * none answered) and how stale they were.
   */
  record Target(float[] values, List<SoftTargets.Weighted> teachers, long stalenessSum, long maxStaleness) {

    /** A step without teachers: the all-zero target of {@code length} values. */
    static Target none(int length) {
      return new Target(new float[length], List.of(), 0, 0);
    }

    int teachersUsed() {
      return teachers.size();
    }
  }

  /**
   * Keeps a teacher's rows for {@code batchId}, computed at its model step {@code modelStep}; in
   * lock-step a student's predictions also tell its progress.
   */
  void predictionsFrom(String peer, long batchId, long modelStep, float[] rows, double validationAccuracy) {
    seen(peer, batchId);
    if (!Double.isNaN(validationAccuracy)) {
      teacherAccuracy.put(peer, validationAccuracy);
    }
    received.computeIfAbsent(batchId, b -> new HashMap<>()).put(peer, new Received(rows, modelStep));
    progressOf(peer, modelStep - 1); // at model step m it has trained through batch m − 1
  }

  /**
   * {@code peer} answered for {@code batchId} with rows that are no probabilities (rejected at
   * decode): that batch does not wait for it any more, and its target goes without them.
   */
  void rejected(String peer, long batchId) {
    seen(peer, batchId);
    received.computeIfAbsent(batchId, b -> new HashMap<>()).putIfAbsent(peer, Received.UNUSABLE);
  }

  /**
   * {@code peer} has finished its training: it holds nobody back and will send nothing more, so no
   * step waits for it; what it sent before (received in order, ahead of this notice) is still used.
   */
  void finished(String peer) {
    progressOf(peer, Long.MAX_VALUE);
    if (teachers.containsKey(peer)) {
      seen(peer, Long.MAX_VALUE);
    }
  }

  /**
   * {@code peer} says it has trained through {@code batchId}. As a student it holds nobody back
   * below that; as a teacher it has sent whatever it will send for that batch and the ones before
   * (its predictions come ahead of this notice), so no step there waits for it: what was lost on
   * the way (a partition) never comes.
   */
  void trainedThrough(String peer, long batchId) {
    progressOf(peer, batchId);
    if (teachers.containsKey(peer)) {
      seen(peer, batchId + 1);
    }
  }

  void progressOf(String student, long trainedThroughBatch) {
    studentProgress.computeIfPresent(student, (s, old) -> Math.max(old, trainedThroughBatch));
  }

  /**
   * Notes that {@code peer} has sent something for {@code batchId}, even when it is too late or too
   * far ahead to keep: a teacher past a batch will never send predictions for it.
   */
  void seen(String peer, long batchId) {
    teacherPosition.merge(peer, batchId, Math::max);
  }

  /**
   * Linked peers whose node cannot be reached now: not waited for (as teachers) nor waited on (as
   * students) until they can again, when they count as before with what they had told.
   */
  void unreachable(Set<String> peers) {
    unreachable = Set.copyOf(peers);
  }

  /** Every reachable teacher has answered for {@code batchId}, or is already past it and never will. */
  boolean complete(long batchId) {
    return !waitsFor(batchId, teacher -> true);
  }

  /**
   * Whether a teacher accepted by {@code among} is among {@link #missing}'s for {@code batchId},
   * without building the set. A waiting student asks after every arrival, K − 1 times a step, so
   * building a sorted set of K − 1 names each time cost O(K² log K) and K² set entries of garbage
   * per step (at K = 64 the largest allocation site of a node JVM).
   */
  boolean waitsFor(long batchId, java.util.function.Predicate<String> among) {
    Map<String, Received> answers = received.getOrDefault(batchId, Map.of());
    for (String teacher : teachersAt(batchId)) {
      if (among.test(teacher) && stillMissing(teacher, batchId, answers)) {
        return true;
      }
    }
    return false;
  }

  /** Reachable teachers that have not answered for {@code batchId} and may still. */
  Set<String> missing(long batchId) {
    Map<String, Received> answers = received.getOrDefault(batchId, Map.of());
    Set<String> missing = new TreeSet<>();
    for (String teacher : teachersAt(batchId)) {
      if (stillMissing(teacher, batchId, answers)) {
        missing.add(teacher);
      }
    }
    return missing;
  }

  /** {@code teacher} has not answered for {@code batchId}, is reachable, and is not past it (so it may still). */
  private boolean stillMissing(String teacher, long batchId, Map<String, Received> answers) {
    if (answers.containsKey(teacher) || unreachable.contains(teacher)) {
      return false;
    }
    Long position = teacherPosition.get(teacher);
    return position == null || position <= batchId;
  }

  /**
   * The target for {@code batchId}, {@code Σ w q / Σ w} over the teachers that answered and that
   * the teacher weighting admits (and this peer's own softened predictions where it has a
   * self-link), all zero when none did; with per-example weighting, row by row
   * ({@link TeacherWeighting#exampleTarget}). Forgets the batch and everything before it.
   *
   * @param labels the batch's class labels (read by per-example weighting)
   */
  Target takeTarget(long batchId, float[] ownSoftened, int length, int[] labels) {
    List<SoftTargets.Weighted> parts = new ArrayList<>();
    Map<String, Received> answers = received.getOrDefault(batchId, Map.of());
    long stalenessSum = 0;
    long maxStaleness = 0;
    Set<String> counting = teachersAt(batchId);
    for (Map.Entry<String, Double> teacher : teachers.entrySet()) {
      if (!counting.contains(teacher.getKey())) {
        continue;
      }
      Received q = answers.get(teacher.getKey());
      boolean admitted = !weighting.gatesOnValidation()
          || TeacherWeighting.admits(teacherAccuracy.getOrDefault(teacher.getKey(), Double.NaN), ownAccuracy);
      if (q != null && q.rows().length == length && admitted) {
        parts.add(new SoftTargets.Weighted(q.rows(), teacher.getValue()));
        long staleness = batchId - q.modelStep();
        stalenessSum += staleness;
        maxStaleness = Math.max(maxStaleness, staleness);
      }
    }
    List<SoftTargets.Weighted> teachersUsed = List.copyOf(parts);
    received.headMap(batchId, true).clear();
    trainedThrough = batchId;
    if (weighting.perExample() && !parts.isEmpty()) {
      float[] target = weighting.exampleTarget(parts, ownSoftened, selfWeight, labels, length / labels.length);
      return new Target(target, teachersUsed, stalenessSum, maxStaleness);
    }
    // A peer's own predictions say something only next to another's: alone they are no target.
    if (usesOwnPredictions() && !parts.isEmpty()) {
      parts.add(new SoftTargets.Weighted(ownSoftened, selfWeight));
    }
    return new Target(SoftTargets.average(parts, length), teachersUsed, stalenessSum, maxStaleness);
  }

  /** A teacher's usable rows for a batch, the model step it computed them at, and its last validation accuracy. */
  record Answer(String peer, float[] rows, long modelStep, double validationAccuracy) {}

  /**
   * What the teachers among {@code peers} sent for {@code batchId} and is kept (not yet taken, not
   * rejected), in the order of {@code peers}: what node-ensemble averages of a node's peers.
   */
  List<Answer> answers(long batchId, java.util.Collection<String> peers) {
    Map<String, Received> answers = received.getOrDefault(batchId, Map.of());
    List<Answer> found = new ArrayList<>();
    for (String peer : peers) {
      Received q = answers.get(peer);
      if (q != null && q != Received.UNUSABLE) {
        found.add(new Answer(peer, q.rows(), q.modelStep(), teacherAccuracy.getOrDefault(peer, Double.NaN)));
      }
    }
    return found;
  }

  /** Whether {@code peer} has told it finished its training. */
  boolean hasFinished(String peer) {
    return studentProgress.getOrDefault(peer, -1L) == Long.MAX_VALUE;
  }

  /** Forgets what arrived for {@code batchId} and before without using it (a step without distillation). */
  void skip(long batchId) {
    received.headMap(batchId, true).clear();
    trainedThrough = batchId;
  }

  /**
   * Linked peers (students; in codistillation, whose links go both ways, also the teachers) more
   * than {@code window} batches behind {@code batchId}: this peer must not start it yet. Under
   * random-k only the students of that batch's draw hold it back.
   */
  List<String> studentsBehind(long batchId, int window) {
    Set<String> waiting = studentsAt(batchId);
    return studentProgress.entrySet().stream()
        .filter(e -> e.getValue() < batchId - window)
        .filter(e -> waiting.contains(e.getKey()))
        .map(Map.Entry::getKey)
        .filter(peer -> !unreachable.contains(peer))
        .sorted()
        .toList();
  }

  /** Forgets a peer that is gone: it is neither waited for nor waited on. */
  boolean remove(String peer) {
    boolean wasTeacher = teachers.remove(peer) != null;
    boolean wasStudent = students.remove(peer);
    studentProgress.remove(peer);
    teacherPosition.remove(peer);
    return wasTeacher || wasStudent;
  }

  /**
   * Takes back a peer that returns (restarted from a checkpoint) with the links the topology
   * gives it, starting at {@code batchId}; false when it is not linked with this peer.
   */
  boolean rejoin(String peer, long batchId) {
    boolean linked = false;
    Double weight = linkedTeachers.get(peer);
    if (weight != null) {
      teachers.put(peer, weight);
      teacherPosition.remove(peer);
      linked = true;
    }
    if (linkedStudents.contains(peer)) {
      students.add(peer);
      studentProgress.merge(peer, batchId - 1, Math::max); // a peer that never left keeps what it told
      linked = true;
    }
    return linked;
  }

  /** Whether the topology makes {@code peer} a teacher of this one, gone or not. */
  boolean isLinkedTeacher(String peer) {
    return linkedTeachers.containsKey(peer);
  }

  /** Whether {@code peer} is linked with this one by the topology, gone or not. */
  boolean isLinked(String peer) {
    return linkedTeachers.containsKey(peer) || linkedStudents.contains(peer);
  }
}
