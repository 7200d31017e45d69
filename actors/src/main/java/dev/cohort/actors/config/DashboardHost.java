package dev.cohort.actors.config;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The spelling of a host a dashboard listens on or answers to: an IPv4 address (four numbers of
 * 0..255), an IPv6 address, or a host name (RFC 1123 labels, not all digits, so {@code 999.1.1.1}
 * is refused rather than looked up). Checked without resolving anything.
 */
public final class DashboardHost {

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?");
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
  private static final Pattern DIGITS_AND_DOTS = Pattern.compile("[0-9.]+");

  private DashboardHost() {}

  public static boolean isValid(String host) {
    return isIpAddress(host) || isName(host);
  }

  /** An IPv4 or IPv6 literal (without brackets). */
  public static boolean isIpAddress(String host) {
    if (IPV4.matcher(host).matches()) {
      for (String part : host.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          return false;
        }
      }
      return true;
    }
    return IPV6.matcher(host).matches() && host.chars().filter(c -> c == ':').count() >= 2;
  }

  private static boolean isName(String host) {
    if (host.isEmpty() || host.length() > 253 || DIGITS_AND_DOTS.matcher(host).matches()) {
      return false;
    }
    String trimmed = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    for (String label : trimmed.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  /** A host name as a request's Host header compares: lower case, without a trailing dot. */
  public static String normalized(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }
}
