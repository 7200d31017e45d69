package dev.cohort.actors.peer;

import dev.cohort.protocol.Contributor;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.ProbabilityCodec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * The current address of every peer this one is linked with, and what goes out to them: each
 * encoding of a batch's predictions ({@link Softening}) is computed once, however many students
 * ask for it. A peer
 * learns the addresses from the coordinator's start and from a peer's return; a departed peer
 * ({@link PeerWatch}) is unlinked from the {@link Exchange} for good.
 */
final class Links implements Outbox {

  private final String self;
  private final Exchange exchange;
  private final Softening softening;
  private final PeerMessages messages;
  private final StepFigures figures;
  private final BiConsumer<String, ActorRef<PeerInbox>> watch;
  private final Logger log;
  private final Map<String, ActorRef<PeerInbox>> peers = new HashMap<>();
  private volatile List<ActorRef<PeerInbox>> localInboxes = List.of();

  /** @param watch watches a peer's incarnation, so that its departure ends waits for it ({@link PeerWatch}) */
  Links(String self, Exchange exchange, Softening softening, PeerMessages messages, StepFigures figures,
      BiConsumer<String, ActorRef<PeerInbox>> watch, Logger log) {
    this.self = self;
    this.exchange = exchange;
    this.softening = softening;
    this.messages = messages;
    this.figures = figures;
    this.watch = watch;
    this.log = log;
  }

  /** {@code ref} is {@code peer}'s current incarnation: sent to and watched from now on. */
  void link(String peer, ActorRef<PeerInbox> ref) {
    peers.put(peer, ref);
    localChanged();
    watch.accept(peer, ref);
  }

  /** The linked peers' addresses, for a look at which of their nodes are unreachable. */
  Map<String, ActorRef<PeerInbox>> addresses() {
    return peers;
  }

  /**
   * A peer that stopped, or whose node left or was downed, is neither waited for nor waited on
   * again: the others go on with the links that remain instead of paying max-wait each step.
   * Nothing happens for an earlier incarnation of a peer that is back.
   */
  void departed(String peer, ActorRef<PeerInbox> ref) {
    if (!ref.equals(peers.get(peer)) || !exchange.remove(peer)) {
      return;
    }
    peers.remove(peer);
    localChanged();
    log.warn("peer {}: {} is gone; teachers now {}, students {}", self, peer, exchange.teachers(), exchange.students());
  }

  @Override
  public void toStudents(long batchId, long modelStep, int rows, float[] softened) {
    toStudents(batchId, modelStep, rows, softened, student -> true);
  }

  /** softmax(z / T) of batch {@code batchId} to the students {@code to} accepts, each in its link's encoding. */
  void toStudents(long batchId, long modelStep, int rows, float[] softened, Predicate<String> to) {
    Map<ProbabilityCodec.Format, List<PeerInbox>> encoded = new HashMap<>();
    for (String student : exchange.studentsAt(batchId)) {
      if (!to.test(student)) {
        continue;
      }
      List<PeerInbox> messages =
          encoded.computeIfAbsent(softening.formatFor(student), format -> encode(batchId, modelStep, rows, softened, format));
      send(student, batchId, messages);
    }
  }

  /**
   * A node's aggregate of batch {@code batchId} for node-ensemble (the average of {@code
   * contributors}' predictions, {@link Softening#encodeAggregate}), encoded once, to each of {@code
   * receivers}.
   */
  void aggregateTo(Collection<String> receivers, long batchId, long modelStep, int rows, float[] averaged,
      List<Contributor> contributors) {
    long started = System.nanoTime();
    List<PeerInbox> batch = softening.encodeAggregate(batchId, modelStep, rows, averaged, contributors);
    figures.addCodec(System.nanoTime() - started,
        batch.stream().mapToInt(m -> m.getPredictions().getSerializedSize()).sum());
    receivers.forEach(receiver -> send(receiver, batchId, batch));
  }

  /** Whether {@code peer} is linked and hosted on this peer's node. */
  boolean isLocal(String peer) {
    ActorRef<PeerInbox> ref = peers.get(peer);
    return ref != null && ref.path().address().hasLocalScope();
  }

  /** The linked peers hosted on this peer's node. */
  List<String> localPeers() {
    return peers.keySet().stream().filter(this::isLocal).toList();
  }

  /** The linked peers on other nodes, by node address. */
  Map<String, List<String>> remoteByNode() {
    Map<String, List<String>> nodes = new TreeMap<>();
    peers.forEach((peer, ref) -> {
      if (!ref.path().address().hasLocalScope()) {
        nodes.computeIfAbsent(ref.path().address().toString(), n -> new ArrayList<>()).add(peer);
      }
    });
    return nodes;
  }

  /**
   * The inboxes of the linked peers on this node, as they are now; read on other threads (the
   * wire inbox passes a node's aggregate on to them, {@link PeerWire}).
   */
  List<ActorRef<PeerInbox>> localInboxes() {
    return localInboxes;
  }

  private void localChanged() {
    localInboxes = peers.values().stream().filter(ref -> ref.path().address().hasLocalScope()).toList();
  }

  @Override
  public void toStudent(String student, long batchId, long modelStep, int rows, float[] softened) {
    send(student, batchId, encode(batchId, modelStep, rows, softened, softening.formatFor(student)));
  }

  private void send(String student, long batchId, List<PeerInbox> messages) {
    ActorRef<PeerInbox> ref = peers.get(student);
    messages.forEach(ref::tell);
    figures.addSends(messages.size(), !ref.path().address().hasLocalScope());
    ExchangeEvents.sent(self, student, batchId, messages.size());
  }

  @Override
  public void progress(long trainedThrough, Collection<String> recipients) {
    if (recipients.isEmpty()) {
      return;
    }
    PeerInbox progress = messages.progress(trainedThrough);
    recipients.forEach(peer -> peers.get(peer).tell(progress));
  }

  private List<PeerInbox> encode(long batchId, long modelStep, int rows, float[] softened,
      ProbabilityCodec.Format format) {
    long started = System.nanoTime();
    List<PeerInbox> batch = softening.encode(batchId, modelStep, rows, softened, format, exchange.ownAccuracy());
    figures.addCodec(System.nanoTime() - started,
        batch.stream().mapToInt(m -> m.getPredictions().getSerializedSize()).sum());
    return batch;
  }
}
