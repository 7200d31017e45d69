package dev.cohort.actors.coordinator;

/** The coordinator's timers, armed and cancelled by the plain classes that decide about the run. */
interface RunTimers {

  void cancelStartup();

  /** The best peer's export must come within {@code export-timeout}. */
  void startExport();

  void cancelExport();

  /** A restarted peer must register within {@code startup-timeout}. */
  void startRestart(String peer, int restart);

  void cancelRestart(String peer);

  /** A coordinator that took over waits {@code recovery-grace} for the peers to register again. */
  void startRecovery();

  /** Whether that grace period is running: peers missing meanwhile are not lost yet. */
  boolean recovering();
}
