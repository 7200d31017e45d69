package dev.cohort.actors.peer;

import org.nd4j.linalg.factory.Nd4j;

/** Puts a peer's ND4J work where its placement says: its thread on a GPU, and the node's thread budget. */
final class PeerDevices {

  private PeerDevices() {}

  /** Called on the peer's own (pinned) thread before it builds its network. */
  static void apply(PeerSetup.Start start) {
    if (start.threads() > 0) {
      Nd4j.getEnvironment().setMaxMasterThreads(start.threads());
      Nd4j.getEnvironment().setMaxThreads(start.threads());
    }
    if (start.device() >= 0) {
      int devices = Nd4j.getAffinityManager().getNumberOfDevices();
      if (start.device() >= devices) {
        throw new IllegalStateException("placed on GPU " + start.device() + " but ND4J sees " + devices
            + " device(s) on this node (is the CUDA backend on the classpath? build with -Pcuda)");
      }
      Nd4j.getAffinityManager().unsafeSetDevice(start.device());
    }
  }
}
