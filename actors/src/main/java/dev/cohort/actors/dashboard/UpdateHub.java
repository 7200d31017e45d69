package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.stream.BoundedSourceQueue;

/**
 * Numbers every update, keeps the latest {@code replay} of them for clients that reconnect with
 * {@code Last-Event-ID}, and offers each to every connected client's queue. {@code offer} is
 * synchronous and returns at once; each client's stream buffers what its browser has not read yet
 * and drops the oldest when that is full, so a slow browser loses updates, never slows the
 * publisher. Updates refused by a full queue are counted. A client too far behind for the replay
 * buffer (or one that knew an earlier dashboard of the run) is sent a {@code reset}: reload the
 * snapshot. Owned by one actor.
 */
final class UpdateHub {

  private record Update(long id, ServerSentEvent event) {}

  private final int replay;
  private final Deque<Update> recent = new ArrayDeque<>();
  private final Set<BoundedSourceQueue<ServerSentEvent>> clients = new LinkedHashSet<>();
  private long lastId;
  private long refused;

  UpdateHub(int replay) {
    this.replay = replay;
  }

  long lastId() {
    return lastId;
  }

  int clients() {
    return clients.size();
  }

  /** Stamps {@code update} with the next id and sends it to every client. */
  void publish(ObjectNode update) {
    long id = ++lastId;
    update.put("id", id);
    Update numbered = new Update(id, event(update.toString(), id));
    recent.addLast(numbered);
    while (recent.size() > replay) {
      recent.removeFirst();
    }
    for (BoundedSourceQueue<ServerSentEvent> client : clients) {
      offer(client, numbered.event());
    }
  }

  /** A new client that has seen every update up to {@code after} (0: none; it loads the snapshot first). */
  void subscribe(BoundedSourceQueue<ServerSentEvent> client, long after) {
    clients.add(client);
    if (after > lastId || (!recent.isEmpty() && after < recent.peekFirst().id() - 1)) {
      offer(client, event(JsonNodeFactory.instance.objectNode().put("kind", "reset").put("id", lastId).toString(),
          lastId));
      return;
    }
    for (Update update : recent) {
      if (update.id() > after) {
        offer(client, update.event());
      }
    }
  }

  /** Updates a client's queue refused (it was full), since the start. */
  long refused() {
    return refused;
  }

  private void offer(BoundedSourceQueue<ServerSentEvent> client, ServerSentEvent event) {
    if (client.offer(event) != org.apache.pekko.stream.QueueOfferResult.enqueued()) {
      refused++;
    }
  }

  void unsubscribe(BoundedSourceQueue<ServerSentEvent> client) {
    clients.remove(client);
  }

  void closeAll() {
    clients.forEach(BoundedSourceQueue::complete);
    clients.clear();
  }

  private static ServerSentEvent event(String data, long id) {
    return ServerSentEvent.create(data, Optional.empty(), Optional.of(Long.toString(id)), OptionalInt.empty());
  }
}
