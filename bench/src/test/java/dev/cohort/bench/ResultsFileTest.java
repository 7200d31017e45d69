package dev.cohort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A benchmark run rewrites the sections it measured and keeps the others where they were. */
class ResultsFileTest {

  @Test
  void measuredSectionsAreReplacedInPlaceNewOnesAppendedAndTheRestKept() {
    String existing = "# Old title\n\nold header\n\n## A\n\nalpha table\n\n## B\n\nbeta table\n| x |\n\n## C\n\ngamma\n";
    Map<String, String> measured = new LinkedHashMap<>();
    measured.put("D", "delta\n");
    measured.put("B", "beta, measured again\n");
    String merged = ResultsFile.merge(existing, "# Title\n\nnew header\n", measured);
    assertEquals("# Title\n\nnew header\n\n## A\n\nalpha table\n\n## B\n\nbeta, measured again\n\n## C\n\ngamma\n"
        + "\n## D\n\ndelta\n", merged);
    assertEquals(List.of("A", "B", "C", "D"), List.copyOf(ResultsFile.parse(merged).keySet()));
    assertEquals(merged, ResultsFile.merge(merged, "# Title\n\nnew header\n", Map.of()), "a fixed point");
    assertEquals("# T\n\n## D\n\ndelta\n", ResultsFile.merge("", "# T\n", Map.of("D", "delta")), "no file yet");
  }
}
