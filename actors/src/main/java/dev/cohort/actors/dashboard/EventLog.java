package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Deque;

/** The dashboard's event log: the newest events of the run as one line of text each, at most a bound of them. */
final class EventLog {

  private final int capacity;
  private final Deque<ObjectNode> entries = new ArrayDeque<>();

  EventLog(int capacity) {
    this.capacity = capacity;
  }

  /** Logs an event line of events.jsonl; the entry, as browsers show it. */
  ObjectNode add(JsonNode line) {
    ObjectNode entry = JsonNodeFactory.instance.objectNode();
    entry.put("time", line.path("time").asText());
    entry.put("event", line.path("event").asText());
    entry.put("text", EventText.of(line));
    entries.addLast(entry);
    while (entries.size() > capacity) {
      entries.removeFirst();
    }
    return entry;
  }

  ArrayNode toJson() {
    ArrayNode log = JsonNodeFactory.instance.arrayNode();
    entries.forEach(log::add);
    return log;
  }
}
