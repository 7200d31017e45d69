package dev.cohort.actors.cli;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** A small reader over command-line words: positionals and {@code --option value} pairs. */
final class Arguments {

  private final Deque<String> words;

  Arguments(List<String> words) {
    this.words = new ArrayDeque<>(words);
  }

  boolean hasMore() {
    return !words.isEmpty();
  }

  String next() {
    return words.removeFirst();
  }

  /** The value after option {@code option}, which was just read. */
  String valueOf(String option) {
    if (words.isEmpty() || words.peekFirst().startsWith("--")) {
      throw new UsageException(option + " needs a value");
    }
    return words.removeFirst();
  }

  int intValueOf(String option) {
    String value = valueOf(option);
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new UsageException(option + " expects an integer, found '" + value + "'");
    }
  }

  static List<String> remaining(Arguments arguments) {
    List<String> rest = new ArrayList<>();
    while (arguments.hasMore()) {
      rest.add(arguments.next());
    }
    return rest;
  }
}
