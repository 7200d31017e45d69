package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;

/**
 * Numbers every update, keeps the latest {@code replay} of them for clients that reconnect with
 * {@code Last-Event-ID}, and offers each to every connected client's queue. The queues drop their
 * oldest element when full ({@code OverflowStrategy.dropHead}), so a slow browser loses updates,
 * never slows the publisher: {@code offer} returns at once. A client too far behind for the replay
 * buffer (or one that knew an earlier dashboard of the run) is sent a {@code reset}: reload the
 * snapshot. Owned by one actor.
 */
final class UpdateHub {

  private record Update(long id, ServerSentEvent event) {}

  private final int replay;
  private final Deque<Update> recent = new ArrayDeque<>();
  private final Set<SourceQueueWithComplete<ServerSentEvent>> clients = new LinkedHashSet<>();
  private long lastId;

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
    for (SourceQueueWithComplete<ServerSentEvent> client : clients) {
      client.offer(numbered.event());
    }
  }

  /** A new client that has seen every update up to {@code after} (0: none; it loads the snapshot first). */
  void subscribe(SourceQueueWithComplete<ServerSentEvent> client, long after) {
    clients.add(client);
    if (after > lastId || (!recent.isEmpty() && after < recent.peekFirst().id() - 1)) {
      client.offer(event("{\"kind\":\"reset\",\"id\":" + lastId + "}", lastId));
      return;
    }
    for (Update update : recent) {
      if (update.id() > after) {
        client.offer(update.event());
      }
    }
  }

  void unsubscribe(SourceQueueWithComplete<ServerSentEvent> client) {
    clients.remove(client);
  }

  void closeAll() {
    clients.forEach(SourceQueueWithComplete::complete);
    clients.clear();
  }

  private static ServerSentEvent event(String data, long id) {
    return ServerSentEvent.create(data, Optional.empty(), Optional.of(Long.toString(id)), OptionalInt.empty());
  }
}
