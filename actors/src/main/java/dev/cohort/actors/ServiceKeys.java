package dev.cohort.actors;

import dev.cohort.protocol.CoordinatorInbox;
import dev.cohort.protocol.HostInbox;
import dev.cohort.protocol.PeerInbox;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/** The Receptionist keys through which nodes and peers find each other. */
public final class ServiceKeys {

  /** Every node that can host peers. */
  public static final ServiceKey<HostInbox> HOSTS = ServiceKey.create(HostInbox.class, "cohort-hosts");

  /**
   * Every node that launched a run and waits for its outcome, whatever its roles: a launcher that
   * hosts no peers (role launcher, as the Kubernetes Job's) is no host, yet must hear the end.
   */
  public static final ServiceKey<HostInbox> LAUNCHERS = ServiceKey.create(HostInbox.class, "cohort-launchers");

  private ServiceKeys() {}

  /** The peers of one run. */
  public static ServiceKey<PeerInbox> peers(String runId) {
    return ServiceKey.create(PeerInbox.class, "cohort-peers-" + runId);
  }

  /** The coordinator of one run, wherever the cluster singleton runs now. */
  public static ServiceKey<CoordinatorInbox> coordinator(String runId) {
    return ServiceKey.create(CoordinatorInbox.class, "cohort-coordinator-" + runId);
  }

  /** Actor name of a peer: its name under a fixed prefix, so the coordinator can read it back. */
  public static String peerActorName(String peer) {
    return peerActorName(peer, 0);
  }

  /** Actor name of a peer's {@code restarts}-th incarnation: unique even on a node that hosted an earlier one. */
  public static String peerActorName(String peer, int restarts) {
    return "peer-" + peer + (restarts > 0 ? "~" + restarts : "");
  }

  /** The peer name inside an actor name made by {@link #peerActorName}, or null. */
  public static String peerName(String actorName) {
    if (!actorName.startsWith("peer-")) {
      return null;
    }
    int tilde = actorName.indexOf('~');
    return actorName.substring("peer-".length(), tilde < 0 ? actorName.length() : tilde);
  }
}
