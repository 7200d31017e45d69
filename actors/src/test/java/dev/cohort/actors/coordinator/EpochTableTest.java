package dev.cohort.actors.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.protocol.PeerReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which epoch rows the terminal gets, and when: a fresh run, a peer that skips an epoch, a resumed run. */
class EpochTableTest {

  private final EpochTable table = new EpochTable(List.of("a", "b"));

  private static PeerReport end(String peer, int epoch) {
    return PeerReport.newBuilder().setRunId("r").setPeer(peer).setEpoch(epoch).setEpochEnd(true).build();
  }

  private static List<String> peersOf(List<String> rows) {
    return rows.stream().map(row -> row.trim().split("\\s+")[0] + ":" + row.trim().split("\\s+")[1]).toList();
  }

  @Test
  void anEpochPrintsOnceEveryLivePeerHasReportedIt() {
    table.add(end("b", 1));
    assertEquals(List.of(), table.completedRows(List.of("a", "b")));
    assertEquals(List.of(), table.cohortLine(1, "cohort 1"), "held until the epoch's rows are out");
    table.add(end("a", 1));
    List<String> rows = table.completedRows(List.of("a", "b"));
    assertEquals(List.of("1:a", "1:b"), peersOf(rows.subList(0, 2)), "in the cohort file's order");
    assertEquals("cohort 1", rows.get(2));
    assertEquals(List.of(), table.completedRows(List.of("a", "b")), "printed once");
  }

  @Test
  void aPeerThatRestartedPastAnEpochDoesNotHoldItBack() {
    table.add(end("a", 1));
    table.add(end("a", 2));
    table.add(end("b", 2)); // b came back from a checkpoint after epoch 1's end
    assertEquals(List.of("1:a", "2:a", "2:b"), peersOf(table.completedRows(List.of("a", "b"))));
  }

  @Test
  void aResumedRunPrintsTheEpochsItTrainsNotTheOnesBefore() {
    // The stopped run had got a through epoch 3 and b through epoch 2 (both printed there up to 2).
    table.restore(List.of(end("a", 3), end("b", 2)));
    assertEquals(List.of(), table.completedRows(List.of("a", "b")), "epoch 3 waits for b");
    table.add(end("b", 3));
    assertEquals(List.of("3:a", "3:b"), peersOf(table.completedRows(List.of("a", "b"))));
    table.add(end("a", 4));
    table.add(end("b", 4));
    assertEquals(List.of("4:a", "4:b"), peersOf(table.completedRows(List.of("a", "b"))));
  }

  @Test
  void aLatePeerCannotReopenAPrintedEpoch() {
    table.add(end("a", 1));
    table.add(end("b", 1));
    table.completedRows(List.of("a", "b"));
    table.add(end("b", 1));
    assertTrue(table.completedRows(List.of("a", "b")).isEmpty());
  }

  @Test
  void withSmallLossSelectionEachRowEndsWithTheShareOfExamplesKept() {
    EpochTable selecting = new EpochTable(List.of("a"), true);
    selecting.add(end("a", 1).toBuilder().setKeptFraction(0.6).build());
    String row = selecting.completedRows(List.of("a")).get(0);
    assertTrue(row.endsWith("    60.0"), row);
    assertTrue(EpochTable.header(true).endsWith("kept%"));
    assertEquals(EpochTable.header(true).length(), row.length(), "the column sits under its heading");
    table.add(end("a", 1));
    table.add(end("b", 1));
    assertEquals(EpochTable.header(false).length(), table.completedRows(List.of("a", "b")).get(0).length(),
        "without selection, no such column");
  }
}
