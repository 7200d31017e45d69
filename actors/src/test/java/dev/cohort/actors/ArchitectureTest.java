package dev.cohort.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package structure as the sources spell it: which package uses which (imports and fully
 * qualified names), read from the source files of every module. No package may reach itself
 * through the others, so each can be read, tested and changed from its dependencies upwards.
 */
class ArchitectureTest {

  private static final Path SOURCES = Path.of("..");
  private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
  private static final Pattern USE = Pattern.compile("\\b(dev\\.cohort(?:\\.[a-z]\\w*)+)\\.[A-Z]");
  /** Comments and string literals: a class named there (e.g. a main class to start a JVM with) is not used. */
  private static final Pattern NOT_CODE =
      Pattern.compile("'(?:\\\\.|[^'\\\\])'|/\\*.*?\\*/|//[^\\n]*|\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"", Pattern.DOTALL);

  /** Package → the other Cohort packages its main sources use, each with the files that use it. */
  private static Map<String, Map<String, Set<String>>> packageUses() throws IOException {
    Map<String, Map<String, Set<String>>> uses = new TreeMap<>();
    for (String module : List.of("protocol", "model", "actors")) {
      try (Stream<Path> files = Files.walk(SOURCES.resolve(module).resolve("src/main/java"))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          String source = Files.readString(file);
          Matcher declared = PACKAGE.matcher(source);
          assertTrue(declared.find(), "no package declaration in " + file);
          String pkg = declared.group(1);
          Map<String, Set<String>> used = uses.computeIfAbsent(pkg, p -> new TreeMap<>());
          Matcher use = USE.matcher(NOT_CODE.matcher(source).replaceAll(" "));
          while (use.find()) {
            if (!use.group(1).equals(pkg)) {
              used.computeIfAbsent(use.group(1), p -> new TreeSet<>()).add(file.getFileName().toString());
            }
          }
        }
      }
    }
    return uses;
  }

  /** A path of uses from {@code from} back to {@code to}, or empty. */
  private static List<String> pathBack(Map<String, Map<String, Set<String>>> uses, String from, String to) {
    List<List<String>> queue = new ArrayList<>(List.of(List.of(from)));
    Set<String> seen = new TreeSet<>(Set.of(from));
    while (!queue.isEmpty()) {
      List<String> path = queue.remove(0);
      String last = path.get(path.size() - 1);
      for (String next : uses.getOrDefault(last, Map.of()).keySet()) {
        List<String> longer = new ArrayList<>(path);
        longer.add(next);
        if (next.equals(to)) {
          return longer;
        }
        if (seen.add(next)) {
          queue.add(longer);
        }
      }
    }
    return List.of();
  }

  @Test
  void noPackageUsesItselfThroughOthers() throws IOException {
    Map<String, Map<String, Set<String>>> uses = packageUses();
    assertTrue(uses.containsKey("dev.cohort.actors.peer") && uses.containsKey("dev.cohort.model"),
        "the sources were found: " + uses.keySet());
    List<String> cycles = new ArrayList<>();
    for (Map.Entry<String, Map<String, Set<String>>> pkg : uses.entrySet()) {
      for (Map.Entry<String, Set<String>> use : pkg.getValue().entrySet()) {
        List<String> back = pathBack(uses, use.getKey(), pkg.getKey());
        if (!back.isEmpty()) {
          cycles.add(pkg.getKey() + " uses " + use.getKey() + " (in " + use.getValue() + "), which leads back: "
              + String.join(" -> ", back));
        }
      }
    }
    assertEquals(List.of(), cycles);
  }

  /** No production class over 300 lines, the size STYLE.md holds a class to (issue 16). */
  @Test
  void noClassIsOverThreeHundredLines() throws IOException {
    Set<String> large = new TreeSet<>();
    for (String module : List.of("protocol", "model", "actors")) {
      try (Stream<Path> files = Files.walk(SOURCES.resolve(module).resolve("src/main/java"))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          if (Files.readAllLines(file).size() > 300) {
            large.add(file.getFileName().toString());
          }
        }
      }
    }
    assertEquals(Set.of(), large);
  }

  @Test
  void theModelKnowsNothingOfPekkoAndTheProtocolNothingOfDl4j() throws IOException {
    for (String[] rule : new String[][] {{"model", "org.apache.pekko"}, {"protocol", "org.deeplearning4j"},
        {"protocol", "org.nd4j"}, {"protocol", "dev.cohort.model"}}) {
      try (Stream<Path> files = Files.walk(SOURCES.resolve(rule[0]).resolve("src/main/java"))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          assertTrue(!Files.readString(file).contains(rule[1]), file + " uses " + rule[1]);
        }
      }
    }
  }
}
