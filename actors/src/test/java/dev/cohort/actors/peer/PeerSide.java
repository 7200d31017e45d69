package dev.cohort.actors.peer;

import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.SettingsParser;
import dev.cohort.protocol.PeerInbox;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.LoggerFactory;

/**
 * Peer {@code s} of run {@code run}, linked with {@code a} and {@code b}, as the exchange tests
 * build it without an actor: its {@link Softening} at a temperature, and its {@link Links} and
 * {@link PredictionIntake} over a given {@link Exchange}. The peers it is asked to watch are kept.
 */
final class PeerSide {

  final Softening softening;
  final Exchange exchange;
  final StepFigures figures = new StepFigures();
  final Links links;
  final List<String> watched = new ArrayList<>();

  PeerSide(Exchange exchange, double temperature, int classes) {
    CohortSettings settings = SettingsParser.parse(ConfigFactory.parseString("cohort { run.id = run,"
        + " distillation.temperature = " + temperature + ", peers = [{name = a}, {name = b}, {name = s}] }"));
    this.softening = new Softening(settings, "s", classes);
    this.exchange = exchange;
    this.links = new Links("s", exchange, softening,
        new PeerMessages(new PeerSetup(settings, settings.peers().get(2), null, null, "node-1"), classes), figures,
        true, (peer, ref) -> watched.add(peer), LoggerFactory.getLogger(PeerSide.class));
  }

  PredictionIntake intake(long maxStaleness, BooleanSupplier finished) {
    return new PredictionIntake("s", "run", softening, maxStaleness, exchange, links, figures, finished,
        LoggerFactory.getLogger(PeerSide.class));
  }

  /** Links {@code peer} at {@code ref}, as the coordinator's start does. */
  void link(String peer, ActorRef<PeerInbox> ref) {
    links.link(peer, ref);
  }
}
