package dev.cohort.actors.dashboard;

import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.DashboardHost;
import java.io.IOException;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.Set;

/**
 * The host names a dashboard answers to, against DNS rebinding: a page of another site whose name
 * its owner points at 127.0.0.1 would otherwise read the run through the victim's browser. A
 * request names its host in the Host header; IP addresses, {@code localhost}, this machine's own
 * names, the address the dashboard listens on and {@code cohort.dashboard.allowed-hosts} pass
 * ({@code *} lets every name pass, for proxies that rewrite it).
 */
final class AllowedHosts {

  private final Set<String> names = new HashSet<>();
  private final boolean everyName;

  AllowedHosts(CohortSettings.Dashboard settings) {
    names.add("localhost");
    names.add(DashboardHost.normalized(settings.host()));
    try { // what a user on the network types for this machine (with host = 0.0.0.0)
      InetAddress self = InetAddress.getLocalHost();
      names.add(DashboardHost.normalized(self.getHostName()));
      names.add(DashboardHost.normalized(self.getCanonicalHostName()));
    } catch (IOException e) {
      // no name of its own: addresses and the configured names still pass
    }
    settings.allowedHosts().forEach(name -> names.add(DashboardHost.normalized(name)));
    everyName = settings.allowedHosts().contains("*");
  }

  /** @param host the request's host, without its port ({@code [::1]} or {@code ::1} for IPv6) */
  boolean allows(String host) {
    if (everyName || host.isEmpty()) {
      return true;
    }
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return DashboardHost.isIpAddress(bare) || names.contains(DashboardHost.normalized(bare));
  }
}
