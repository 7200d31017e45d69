package dev.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a run whose node JVMs were SIGKILLed at {@code killedAt} records of its recovery, from its
 * {@code events.jsonl} and {@code metrics.jsonl}: which peers were lost and restarted, how long
 * from the kill until the last of them trained again, how many steps each had to take again (its
 * last report before the kill against the checkpoint it resumed from), and whether every peer
 * still finished every epoch.
 *
 * @param lost the peers the coordinator declared lost after the kill
 * @param restarted the peers restarted after the kill (each counted once)
 * @param givenUp peers the coordinator gave up on (max-restarts reached, or no room)
 * @param downedSeconds from the kill until the last killed node was downed
 * @param recoverySeconds from the kill until the last restarted peer's first report
 * @param stepsRedone per restarted peer, its last reported step before the kill minus the step it resumed from
 * @param everyPeerFinished each of {@code peers} reported its last epoch finished
 */
record FaultFigures(int killedJvms, TreeSet<String> lost, TreeSet<String> restarted, int givenUp,
    double downedSeconds, double recoverySeconds, Map<String, Long> stepsRedone, boolean everyPeerFinished) {

  static FaultFigures read(Path run, Instant killedAt, int killedJvms, int peers, int epochs) throws IOException {
    TreeSet<String> lost = new TreeSet<>();
    TreeSet<String> restarted = new TreeSet<>();
    Map<String, Long> resumedFrom = new HashMap<>();
    int givenUp = 0;
    Instant lastDowned = killedAt;
    for (JsonNode event : RunFiles.events(run)) {
      Instant time = Instant.parse(event.path("time").asText());
      if (time.isBefore(killedAt)) {
        continue;
      }
      String peer = event.path("peer").asText();
      switch (event.path("event").asText()) {
        case "member-downed" -> lastDowned = time.isAfter(lastDowned) ? time : lastDowned;
        case "peer-lost" -> lost.add(peer);
        case "peer-restarted" -> restarted.add(peer);
        case "peer-given-up" -> givenUp++;
        case "checkpoint-restored" -> resumedFrom.putIfAbsent(peer, event.path("step").asLong());
        default -> { }
      }
    }
    Map<String, Long> lastBefore = new HashMap<>();
    Map<String, Instant> firstAfterRestart = new HashMap<>();
    Map<String, Boolean> finished = new HashMap<>();
    for (JsonNode line : RunFiles.peerReports(run)) {
      String peer = line.path("peer").asText();
      Instant time = Instant.parse(line.path("time").asText());
      if (time.isBefore(killedAt)) {
        lastBefore.merge(peer, line.path("step").asLong(), Math::max);
      } else if (restarted.contains(peer) && line.path("restarts").asInt() > 0) {
        firstAfterRestart.putIfAbsent(peer, time);
      }
      if (line.path("finished").asBoolean() && line.path("epoch").asInt() == epochs) {
        finished.put(peer, true);
      }
    }
    Instant recovered = firstAfterRestart.values().stream().max(Instant::compareTo).orElse(killedAt);
    Map<String, Long> redone = new HashMap<>();
    for (String peer : restarted) {
      if (resumedFrom.containsKey(peer) && lastBefore.containsKey(peer)) {
        redone.put(peer, lastBefore.get(peer) - resumedFrom.get(peer));
      }
    }
    return new FaultFigures(killedJvms, lost, restarted, givenUp, seconds(killedAt, lastDowned),
        firstAfterRestart.size() == restarted.size() ? seconds(killedAt, recovered) : Double.NaN, redone,
        finished.size() == peers);
  }

  private static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toMillis() / 1000.0;
  }

  /** The largest number of steps a restarted peer had to take again; 0 without any. */
  long maxStepsRedone() {
    return stepsRedone.values().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  List<String> lostButNotRestarted() {
    List<String> missing = new ArrayList<>(lost);
    missing.removeAll(restarted);
    return missing;
  }
}
