package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** One readable line per run event, for the dashboard's event log. */
final class EventText {

  private EventText() {}

  static String of(JsonNode e) {
    String peer = e.path("peer").asText();
    String node = e.path("node").asText();
    return switch (e.path("event").asText()) {
      case "run-started" -> "run " + e.path("run").asText() + " started: " + e.path("peers").asInt() + " peers, "
          + e.path("topology").asText() + ", " + e.path("nodes").asInt() + " node(s)"
          + (e.path("label_noise").asDouble() > 0 ? ", label noise " + e.path("label_noise").asDouble() : "");
      case "run-resumed" -> "run " + e.path("run").asText() + " resumed";
      case "member-up" -> "node " + node + " joined " + e.path("roles");
      case "member-left", "member-removed" -> "node " + node + " left (" + e.path("event").asText() + ")";
      case "member-unreachable" -> "node " + node + " is unreachable";
      case "member-reachable" -> "node " + node + " is reachable again";
      case "member-downed" -> "node " + node + " was downed";
      case "peer-placed" -> "peer " + peer + " placed on " + node + " (" + e.path("device").asText() + ", "
          + e.path("threads").asInt() + " thread(s))" + (e.path("resume").asBoolean() ? ", from its checkpoint" : "");
      case "training-started" -> "all peers registered; training started";
      case "checkpoint" -> "peer " + peer + " checkpointed at step " + e.path("step").asLong();
      case "checkpoint-restored" -> "peer " + peer + " restored its checkpoint of step " + e.path("step").asLong();
      case "peer-lost" -> "peer " + peer + " lost: " + e.path("reason").asText();
      case "peer-restarting" -> "peer " + peer + " restarting (restart " + e.path("restart").asInt() + ")";
      case "peer-restarted" -> "peer " + peer + " is back on " + node;
      case "peer-given-up" -> "peer " + peer + " given up after " + e.path("restarts").asInt() + " restart(s)";
      case "peer-awaiting-down" -> "peer " + peer + " is unreachable; restarted only if its node is downed";
      case "peer-reachable-again" -> "peer " + peer + " is reachable again";
      case "teacher-frozen" -> "KD teacher " + peer + " frozen";
      case "best-peer-changed" -> String.format(Locale.ROOT, "best peer so far: %s (val_acc %.4f)", peer,
          e.path("val_accuracy").asDouble());
      case "best-peer-chosen" -> String.format(Locale.ROOT, "best peer chosen: %s (val_acc %.4f)", peer,
          e.path("val_accuracy").asDouble());
      case "model-exported" -> String.format(Locale.ROOT, "exported %s: test_acc %.4f", peer,
          e.path("test_accuracy").asDouble());
      case "extraction-finished" -> String.format(Locale.ROOT, "extracted %s now (%s): val_acc %.4f, test_acc %.4f -> %s",
          peer, e.path("selected_by").asText(), e.path("val_accuracy").asDouble(), e.path("test_accuracy").asDouble(),
          e.path("model").asText());
      case "extraction-failed" -> "extraction failed: " + e.path("error").asText();
      case "stop-requested" -> "stop requested from the dashboard";
      case "coordinator-took-over" -> "coordinator took over on " + node;
      case "run-finished" -> (e.path("success").asBoolean() ? "run finished: " : "run ended: ") + e.path("message").asText();
      default -> generic(e);
    };
  }

  private static String generic(JsonNode e) {
    StringBuilder text = new StringBuilder(e.path("event").asText());
    Iterator<Map.Entry<String, JsonNode>> fields = e.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!field.getKey().equals("time") && !field.getKey().equals("event")) {
        text.append(' ').append(field.getKey()).append('=').append(field.getValue().isTextual()
            ? field.getValue().asText() : field.getValue().toString());
      }
    }
    return text.toString();
  }
}
