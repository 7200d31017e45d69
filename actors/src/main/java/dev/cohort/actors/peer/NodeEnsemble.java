package dev.cohort.actors.peer;

import dev.cohort.protocol.Contributor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a peer sends under topology node-ensemble: dml's targets with one message per pair of nodes
 * and batch between nodes, instead of one per pair of peers.
 *
 * <p>A peer's softened predictions go, a message each, to the students on its own node. For the
 * other nodes, one peer of each node — its sender: the one with the smallest name among the node's
 * peers still training — averages its node's predictions of a batch (its own and those its node's
 * peers sent it) and sends that one aggregate, naming every peer it averages, to one peer of every
 * other node, which hands it on to its node's peers ({@link PeerWire}). A student counts each peer
 * the aggregate names as one teacher whose rows are the average: n peers' average counted n times
 * is their sum, so its target is dml's, the average over every other peer, up to rounding.
 *
 * <p>The sender sends a batch's aggregate as soon as every teacher on its node has answered for it
 * (or is past it, or gone), and at the latest once its own step on the batch has waited for them
 * (at most max-wait; {@link TeacherWait#awaitSome}) — never after waiting for the other nodes,
 * which would make every node wait for every other. A peer that is lost is left out of its node's
 * averages, and its students renormalise over the teachers that remain, as under dml.
 */
final class NodeEnsemble implements Outbox {

  /** This peer's softened predictions of a batch, kept until its node's aggregate of it is sent. */
  private record Own(long modelStep, int rows, float[] softened) {}

  private final String self;
  private final Exchange exchange;
  private final Links links;
  private final TeacherWait wait;
  private final TreeMap<Long, Own> unsent = new TreeMap<>();

  NodeEnsemble(String self, Exchange exchange, Links links, TeacherWait wait) {
    this.self = self;
    this.exchange = exchange;
    this.links = links;
    this.wait = wait;
  }

  @Override
  public void toStudents(long batchId, long modelStep, int rows, float[] softened) {
    links.toStudents(batchId, modelStep, rows, softened, links::isLocal);
    if (isSender()) {
      unsent.put(batchId, new Own(modelStep, rows, softened.clone()));
      sendAnswered();
    } else {
      unsent.clear(); // another peer of this node sends its aggregates
    }
  }

  @Override
  public void toStudent(String student, long batchId, long modelStep, int rows, float[] softened) {
    links.toStudent(student, batchId, modelStep, rows, softened);
  }

  @Override
  public void progress(long trainedThrough, Collection<String> recipients) {
    links.progress(trainedThrough, recipients);
  }

  /** Waits (within max-wait) for the node's teachers on {@code batchId}, then sends the node's aggregates through it. */
  @Override
  public void beforeWaiting(long batchId) {
    if (!unsent.containsKey(batchId)) {
      return;
    }
    wait.awaitSome(batchId, links::isLocal);
    while (!unsent.isEmpty() && unsent.firstKey() <= batchId) {
      send(unsent.pollFirstEntry());
    }
  }

  /** Whether this peer sends its node's aggregates: the smallest name among the node's peers still training. */
  boolean isSender() {
    return links.localPeers().stream().noneMatch(p -> p.compareTo(self) < 0 && !exchange.hasFinished(p));
  }

  /** Sends the aggregates of the batches every teacher on this node has answered for, in order. */
  private void sendAnswered() {
    while (!unsent.isEmpty() && !exchange.waitsFor(unsent.firstKey(), links::isLocal)) {
      send(unsent.pollFirstEntry());
    }
  }

  private void send(Map.Entry<Long, Own> batch) {
    long batchId = batch.getKey();
    Own own = batch.getValue();
    float[] sum = own.softened().clone();
    List<Contributor> contributors = new ArrayList<>();
    contributors.add(contributor(self, own.modelStep(), exchange.ownAccuracy()));
    long modelStep = own.modelStep();
    List<String> local = exchange.teachers().stream().filter(links::isLocal).toList();
    for (Exchange.Answer answer : exchange.answers(batchId, local)) {
      if (answer.rows().length != sum.length) {
        continue;
      }
      for (int i = 0; i < sum.length; i++) {
        sum[i] += answer.rows()[i];
      }
      contributors.add(contributor(answer.peer(), answer.modelStep(), answer.validationAccuracy()));
      modelStep = Math.min(modelStep, answer.modelStep());
    }
    float scale = 1f / contributors.size();
    for (int i = 0; i < sum.length; i++) {
      sum[i] *= scale;
    }
    List<String> receivers = new ArrayList<>();
    for (List<String> peers : links.remoteByNode().values()) {
      receivers.add(receiverAmong(peers));
    }
    if (!receivers.isEmpty()) {
      links.aggregateTo(receivers, batchId, modelStep, own.rows(), sum, contributors);
    }
  }

  /** Who receives a node's aggregates for it: its peer with the smallest name still training (any, if none is). */
  private String receiverAmong(List<String> peers) {
    return peers.stream().filter(p -> !exchange.hasFinished(p)).min(String::compareTo)
        .orElseGet(() -> peers.stream().min(String::compareTo).orElseThrow());
  }

  private static Contributor contributor(String peer, long modelStep, double validationAccuracy) {
    Contributor.Builder contributor = Contributor.newBuilder().setPeer(peer).setModelStep(modelStep);
    if (!Double.isNaN(validationAccuracy)) {
      contributor.setValidationAccuracy(validationAccuracy);
    }
    return contributor.build();
  }
}
