package dev.cohort.actors.args;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** A small reader over command-line words: positionals and {@code --option value} pairs. */
public final class Arguments {

  private final Deque<String> words;

public   Arguments(List<String> words) {
    this.words = new ArrayDeque<>(words);
  }

  public boolean hasMore() {
    return !words.isEmpty();
  }

  public String next() {
    return words.removeFirst();
  }

  /** The value after option {@code option}, which was just read. */
  public String valueOf(String option) {
    if (words.isEmpty() || words.peekFirst().startsWith("--")) {
      throw new UsageException(option + " needs a value");
    }
    return words.removeFirst();
  }

  public int intValueOf(String option) {
    String value = valueOf(option);
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new UsageException(option + " expects an integer, found '" + value + "'");
    }
  }

  public static List<String> remaining(Arguments arguments) {
    List<String> rest = new ArrayList<>();
    while (arguments.hasMore()) {
      rest.add(arguments.next());
    }
    return rest;
  }
}
