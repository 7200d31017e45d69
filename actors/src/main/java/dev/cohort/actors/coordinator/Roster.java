package dev.cohort.actors.coordinator;

import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.protocol.PeerAddress;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.PeerJoined;
import dev.cohort.protocol.StartTraining;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The run's peers as the coordinator knows them: the current address of each that registered,
 * which have been told to start, and what it tells them. Every start names every registered peer
 * that is neither given up nor being restarted. With the kd topology the teacher starts alone and
 * its students once it is frozen; a peer that comes back is announced to the others, and those
 * linked with it take it back.
 */
final class Roster {

  private final CohortSettings settings;
  private final List<String> names;
  private final Failover failover;
  private final Function<ActorRef<?>, String> serialized;
  private final Map<String, ActorRef<PeerInbox>> peers = new LinkedHashMap<>();
  private final Set<String> started = new TreeSet<>();
  private boolean teacherFrozen;

  /** @param serialized an actor's address as peers on any node can resolve it */
  Roster(CohortSettings settings, Failover failover, Function<ActorRef<?>, String> serialized) {
    this.settings = settings;
    this.names = settings.peers().stream().map(PeerSpec::name).toList();
    this.failover = failover;
    this.serialized = serialized;
  }

  /** Every peer of the run, in the cohort file's order. */
  List<String> names() {
    return names;
  }

  /** The peers not given up. */
  List<String> live() {
    return names.stream().filter(p -> !failover.isDead(p)).toList();
  }

  boolean has(String peer) {
    return peers.containsKey(peer);
  }

  ActorRef<PeerInbox> ref(String peer) {
    return peers.get(peer);
  }

  /** {@code ref} is where {@code peer} is now; true when that is news (a restart, or found after a takeover). */
  boolean register(String peer, ActorRef<PeerInbox> ref) {
    return !ref.equals(peers.put(peer, ref));
  }

  List<String> missing() {
    return names.stream().filter(p -> !peers.containsKey(p)).toList();
  }

  /** Every live peer registered, none of them restarting (placed again, its new copy not registered yet). */
  boolean allRegistered() {
    return live().stream().allMatch(p -> peers.containsKey(p) && !failover.isRestarting(p));
  }

  int registered() {
    return peers.size();
  }

  void teacherFrozen(boolean frozen) {
    teacherFrozen = frozen;
  }

  /** Whether {@code peer} may train now: anyone but a KD student whose teacher is not frozen yet. */
  boolean mayStart(String peer) {
    Optional<String> teacher = settings.distillation().frozenTeacher();
    return teacher.isEmpty() || teacher.get().equals(peer) || teacherFrozen;
  }

  boolean wasStarted(String peer) {
    return started.contains(peer);
  }

  /** The first start: with the kd topology the teacher alone (its students when it is frozen), else everyone. */
  void startTraining() {
    Optional<String> teacher = settings.distillation().frozenTeacher().filter(peers::containsKey);
    teacher.ifPresent(this::start);
    if (teacher.isEmpty() || teacherFrozen) {
      startStudents();
    }
  }

  /** Starts every peer that is not a (frozen) KD teacher. */
  void startStudents() {
    PeerInbox start = startMessage();
    for (String name : names) {
      if (settings.distillation().frozenTeacher().filter(name::equals).isEmpty()
          && peers.containsKey(name) && !failover.isRestarting(name) && !failover.isDead(name)) {
        start(name, start);
      }
    }
  }

  /**
   * Tells {@code peer} to start with the peers registered now; a peer already training ignores it
   * (so a coordinator that took over may start every peer it found).
   */
  void start(String peer) {
    start(peer, startMessage());
  }

  private void start(String peer, PeerInbox start) {
    started.add(peer);
    peers.get(peer).tell(start);
  }

  private PeerInbox startMessage() {
    StartTraining.Builder start = StartTraining.newBuilder().setRunId(settings.runId());
    for (String name : names) {
      if (peers.containsKey(name) && !failover.isDead(name) && !failover.isRestarting(name)) {
        start.addPeers(PeerAddress.newBuilder().setName(name).setRef(serialized.apply(peers.get(name))));
      }
    }
    return PeerInbox.newBuilder().setStart(start).build();
  }

  /** Tells the other live peers where {@code peer} is now; those linked with it take it (back). */
  void announce(String peer, long rejoinAt) {
    PeerInbox joined =
        PeerInbox.newBuilder()
            .setJoined(PeerJoined.newBuilder()
                .setRunId(settings.runId())
                .setPeer(PeerAddress.newBuilder().setName(peer).setRef(serialized.apply(peers.get(peer))))
                .setRejoinAtBatch(rejoinAt))
            .build();
    peers.forEach((other, ref) -> {
      if (!other.equals(peer) && !failover.isDead(other)) {
        ref.tell(joined);
      }
    });
  }

  /** To every peer registered. */
  void tellAll(PeerInbox message) {
    peers.values().forEach(peer -> peer.tell(message));
  }
}
