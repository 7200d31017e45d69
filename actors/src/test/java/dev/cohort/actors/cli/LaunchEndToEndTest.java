package dev.cohort.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as a user runs it: {@code cohort run FILE --nodes 2} starts a second JVM, the two
 * form a cluster over loopback, the run ends with the best peer exported, and the second JVM is
 * gone when the command returns.
 */
class LaunchEndToEndTest {

  @TempDir Path dir;

  @Test
  void aRunOnTwoJvmsExportsTheBestPeerAndLeavesNoProcessBehind() throws IOException {
    Path runs = dir.resolve("runs");
    Path file = dir.resolve("two-jvms.conf");
    Files.writeString(
        file,
        "cohort {\n"
            + "  run { id = \"e2e\", directory = \"" + runs + "\" }\n"
            + "  data { format = synthetic, validation-size = 100,\n"
            + "         synthetic { train-examples = 400, test-examples = 100, features = 10, classes = 3 } }\n"
            + "  training { epochs = 2, batch-size = 40, learning-rate = 0.01 }\n"
            + "  peers = [ { name = a, hidden = [8] }, { name = b, hidden = [8] } ]\n"
            + "}\n");

    PrintStream originalOut = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run(new String[] {"run", file.toString(), "--nodes", "2"});
    } finally {
      System.setOut(originalOut);
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, printed);
    assertTrue(printed.contains("starting 1 more JVM(s)"), printed);
    assertTrue(printed.contains("best peer "), printed);

    Path run = runs.resolve("e2e");
    assertTrue(Files.exists(run.resolve("best/model.zip")), printed);
    assertTrue(Files.exists(run.resolve("best/model-card.json")));
    assertTrue(Files.readString(run.resolve("config.conf")).contains("e2e"));
    String nodeLog = Files.readString(run.resolve("logs/node-2.log"));
    assertTrue(nodeLog.contains("starts on this node"), "the second JVM hosted a peer:\n" + nodeLog);
    List<String> nodes;
    try (Stream<String> lines = Files.lines(run.resolve("events.jsonl"))) {
      nodes = lines.filter(l -> l.contains("peer-placed")).toList();
    }
    assertEquals(2, nodes.stream().map(l -> l.replaceAll(".*\"node\":\"([^\"]+)\".*", "$1")).distinct().count(),
        "the peers are on two different nodes: " + nodes);
    assertTrue(
        ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive),
        "every JVM the launcher started has exited");
  }
}
