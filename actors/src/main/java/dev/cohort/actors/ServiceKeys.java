package dev.cohort.actors;

import dev.cohort.protocol.HostInbox;
import dev.cohort.protocol.PeerInbox;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/** The Receptionist keys through which nodes and peers find each other. */
public final class ServiceKeys {

  /** Every node that can host peers. */
  public static final ServiceKey<HostInbox> HOSTS = ServiceKey.create(HostInbox.class, "cohort-hosts");

  private ServiceKeys() {}

  /** The peers of one run. */
  public static ServiceKey<PeerInbox> peers(String runId) {
    return ServiceKey.create(PeerInbox.class, "cohort-peers-" + runId);
  }

  /** Actor name of a peer: its name under a fixed prefix, so the coordinator can read it back. */
  public static String peerActorName(String peer) {
    return "peer-" + peer;
  }

  /** The peer name inside an actor name made by {@link #peerActorName}, or null. */
  public static String peerName(String actorName) {
    return actorName.startsWith("peer-") ? actorName.substring("peer-".length()) : null;
  }
}
