package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;

/** The cluster's members as the dashboard lists them: address, roles, status, reachability. */
final class Members {

  private Members() {}

  static ArrayNode toJson(ClusterEvent.CurrentClusterState state) {
    Set<Member> unreachable = state.getUnreachable();
    ArrayNode members = JsonNodeFactory.instance.arrayNode();
    for (Member member : state.getMembers()) {
      ObjectNode row = members.addObject();
      row.put("address", member.address().toString());
      ArrayNode roles = row.putArray("roles");
      new TreeSet<>(member.getRoles()).stream().filter(r -> !r.startsWith("dc-")).forEach(roles::add);
      row.put("status", member.status().toString().toLowerCase(java.util.Locale.ROOT));
      row.put("reachable", !unreachable.contains(member));
      row.put("leader", state.getLeader() != null && state.getLeader().equals(member.address()));
    }
    return members;
  }

  /** {@code status/reachable} -> count, for Prometheus. */
  static Map<String, Integer> counts(ArrayNode members) {
    return StreamSupport.stream(members.spliterator(), false)
        .collect(Collectors.toMap(m -> m.path("status").asText() + "/" + m.path("reachable").asBoolean(), m -> 1,
            Integer::sum, TreeMap::new));
  }
}
