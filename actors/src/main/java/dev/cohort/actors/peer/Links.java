package dev.cohort.actors.peer;

import dev.cohort.protocol.Contributor;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.ProbabilityCodec;
import dev.cohort.protocol.Relay;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * The current address of every peer this one is linked with, and what goes out to them: each
 * encoding of a batch's predictions ({@link Softening}) is computed once, however many students
 * ask for it. A peer
 * learns the addresses from the coordinator's start and from a peer's return; a departed peer
 * ({@link PeerWatch}) is unlinked from the {@link Exchange} for good.
 *
 * <p>With {@code distillation.one-message-per-node}, what goes to students on another node goes
 * there once, as a {@link Relay} to the node's carrier (the first of this peer's students there,
 * the same while it stays linked), whose wire inbox hands it to each of them ({@link PeerWire}).
 * Every message to a student takes its node's one way, so a student hears this peer in order.
 */
final class Links implements Outbox {

  private final String self;
  private final Exchange exchange;
  private final Softening softening;
  private final PeerMessages messages;
  private final StepFigures figures;
  private final BiConsumer<String, ActorRef<PeerInbox>> watch;
  private final Logger log;
  private final boolean perNode;
  private final Map<String, ActorRef<PeerInbox>> peers = new HashMap<>();
  /** Each linked peer's address as a relay names it (its path with node and incarnation). */
  private final Map<String, String> relayAddresses = new HashMap<>();
  /** Each node's carrier, while it stays linked there: the first of this peer's students there when chosen. */
  private final Map<Address, String> carriers = new HashMap<>();
  private volatile List<ActorRef<PeerInbox>> localInboxes = List.of();

  /**
   * @param perNode one message per other node, handed on there by a carrier, instead of one per peer
   * @param watch watches a peer's incarnation, so that its departure ends waits for it ({@link PeerWatch})
   */
  Links(String self, Exchange exchange, Softening softening, PeerMessages messages, StepFigures figures,
      boolean perNode, BiConsumer<String, ActorRef<PeerInbox>> watch, Logger log) {
    this.self = self;
    this.perNode = perNode;
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
    relayAddresses.put(peer, ref.path().toSerializationFormat());
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
    relayAddresses.remove(peer);
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
    // carrier -> encoding -> the students it carries to in that encoding (the carrier itself, alone: direct)
    Map<String, Map<ProbabilityCodec.Format, List<String>>> ways = new LinkedHashMap<>();
    for (String student : exchange.studentsAt(batchId)) {
      if (to.test(student)) {
        ways.computeIfAbsent(carrierOf(student), carrier -> new LinkedHashMap<>())
            .computeIfAbsent(softening.formatFor(student), format -> new ArrayList<>()).add(student);
      }
    }
    ways.forEach((carrier, byFormat) -> byFormat.forEach((format, students) -> {
      List<PeerInbox> messages =
          encoded.computeIfAbsent(format, f -> encode(batchId, modelStep, rows, softened, f));
      deliver(carrier, students, batchId, messages);
    }));
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
    receivers.forEach(receiver -> deliver(receiver, List.of(receiver), batchId, batch));
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

  /**
   * Who carries messages to {@code peer}: for a student of this peer on another node, its node's
   * carrier, the first of this peer's students linked there (by name) when chosen, kept while it
   * stays linked there, so that every message to a student takes one way; the peer itself when it
   * is on this node, is no student of this one (it only hears this peer's progress, always
   * directly), or when messages go one per peer.
   */
  String carrierOf(String peer) {
    Address node = peers.get(peer).path().address();
    if (!perNode || node.hasLocalScope() || !exchange.students().contains(peer)) {
      return peer;
    }
    String carrier = carriers.get(node);
    ActorRef<PeerInbox> carrierRef = carrier == null ? null : peers.get(carrier);
    if (carrierRef == null || !carrierRef.path().address().equals(node)) {
      carrier = peers.entrySet().stream()
          .filter(e -> e.getValue().path().address().equals(node) && exchange.students().contains(e.getKey()))
          .map(Map.Entry::getKey).min(String::compareTo).orElse(null);
      if (carrier == null) {
        carriers.remove(node);
        return peer;
      }
      carriers.put(node, carrier);
    }
    return carrier;
  }

  @Override
  public void toStudent(String student, long batchId, long modelStep, int rows, float[] softened) {
    deliver(carrierOf(student), List.of(student), batchId,
        encode(batchId, modelStep, rows, softened, softening.formatFor(student)));
  }

  /**
   * {@code messages} (a batch's predictions, in parts if it needs several) to {@code students}:
   * straight to the one when it is its own carrier, else as relays through {@code carrier}.
   */
  private void deliver(String carrier, List<String> students, long batchId, List<PeerInbox> messages) {
    ActorRef<PeerInbox> ref = peers.get(carrier);
    messages.forEach(message -> carry(ref, carrier, students, message));
    int delivered = messages.size() * students.size();
    figures.addSends(delivered, ref.path().address().hasLocalScope() ? 0 : messages.size());
    students.forEach(student -> ExchangeEvents.sent(self, student, batchId, messages.size()));
  }

  /** {@code message} to {@code to}: straight to the one when it is its own carrier, else as a relay through the carrier. */
  private void carry(ActorRef<PeerInbox> carrierRef, String carrier, List<String> to, PeerInbox message) {
    if (to.size() == 1 && to.get(0).equals(carrier)) {
      carrierRef.tell(message);
    } else {
      carrierRef.tell(PeerInbox.newBuilder().setRelay(Relay.newBuilder()
          .addAllTo(to.stream().map(relayAddresses::get).toList()).setMessage(message)).build());
    }
  }

  @Override
  public void progress(long trainedThrough, Collection<String> recipients) {
    if (recipients.isEmpty()) {
      return;
    }
    PeerInbox progress = messages.progress(trainedThrough);
    Map<String, List<String>> ways = new LinkedHashMap<>();
    recipients.forEach(peer -> ways.computeIfAbsent(carrierOf(peer), carrier -> new ArrayList<>()).add(peer));
    ways.forEach((carrier, to) -> carry(peers.get(carrier), carrier, to, progress));
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
