package dev.cohort.actors.dashboard;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.cohort.actors.config.CohortConfigException;
import dev.cohort.actors.config.CohortSettings;
import java.time.Duration;

/** {@code cohort.dashboard}: where the dashboard listens and how much it buffers (see reference.conf). */
public record DashboardSettings(
    boolean enabled, String host, int port, int clientBuffer, int replay, Duration stallAfter) {

  public static DashboardSettings of(CohortSettings settings) {
    Config c = settings.source().getConfig("dashboard");
    try {
      DashboardSettings parsed = new DashboardSettings(c.getBoolean("enabled"), c.getString("host"), c.getInt("port"),
          c.getInt("client-buffer"), c.getInt("replay"), c.getDuration("stall-after"));
      if (parsed.port < 0 || parsed.port > 65535) {
        throw new CohortConfigException("cohort.dashboard.port must be 0..65535, found " + parsed.port);
      }
      if (parsed.clientBuffer < 1 || parsed.replay < 1) {
        throw new CohortConfigException("cohort.dashboard.client-buffer and .replay must be at least 1, found "
            + parsed.clientBuffer + " and " + parsed.replay);
      }
      return parsed;
    } catch (ConfigException e) {
      throw new CohortConfigException("invalid cohort.dashboard: " + e.getMessage(), e);
    }
  }
}
