package dev.cohort.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * docs/RESULTS.md as {@code cohort bench learning} keeps it: a header, then one {@code ## } section
 * per setting. A run rewrites the header and the sections it measured and keeps every other
 * section of the existing file as it was, in its place, so measuring one setting again does not
 * throw away hours of runs of the others.
 */
final class ResultsFile {

  private static final String HEADING = "\n## ";

  private ResultsFile() {}

  /**
   * @param existing the file as it is ("" when there is none)
   * @param sections heading → body (the text under the heading), in the order new ones are appended
   */
  static String merge(String existing, String header, Map<String, String> sections) {
    Map<String, String> merged = new LinkedHashMap<>(parse(existing));
    merged.putAll(sections);
    StringBuilder out = new StringBuilder(header.endsWith("\n") ? header : header + "\n");
    merged.forEach((heading, body) -> out.append(HEADING).append(heading).append("\n\n").append(body.strip()).append('\n'));
    return out.toString();
  }

  /** The sections of a file: heading → body, in file order. */
  static Map<String, String> parse(String text) {
    Map<String, String> sections = new LinkedHashMap<>();
    int at = text.indexOf(HEADING);
    while (at >= 0) {
      int lineEnd = text.indexOf('\n', at + HEADING.length());
      if (lineEnd < 0) {
        lineEnd = text.length();
      }
      String heading = text.substring(at + HEADING.length(), lineEnd).strip();
      int next = text.indexOf(HEADING, lineEnd);
      sections.put(heading, text.substring(lineEnd, next < 0 ? text.length() : next).strip());
      at = next;
    }
    return sections;
  }
}
