package dev.cohort.actors.peer;

import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.data.RunData;
import dev.cohort.model.BatchSchedule;
import dev.cohort.model.Checkpoints;
import dev.cohort.model.FeatureBuffers;
import dev.cohort.model.PeerNetwork;
import dev.cohort.model.Shards;
import dev.cohort.model.SoftTargets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * Puts a peer's step loop together from its setup: its batch schedule (the whole training split in
 * lock-step, its own shard in codistillation), where it starts (a checkpoint's position, or the
 * batch a failover rejoins at), the exchange along its links and the mode of its steps.
 */
final class PeerAssembly {

  private PeerAssembly() {}

  /** The actor's own parts: its wire inbox and the watch on its linked peers feed {@code inbound}. */
  record Wiring(InboundPredictions inbound, ActorRef<PeerWatch.Command> watch, Reachability reachability,
      BooleanSupplier shuttingDown, CoordinatorLink coordinator, PeerMessages messages, Logger log) {}

  static StepLoop.Parts assemble(PeerSetup setup, RunData data, PeerNetwork network,
      Optional<Checkpoints.Restored> restored, CheckpointFence fence, Wiring wiring) {
    CohortSettings settings = setup.settings();
    var distillation = settings.distillation();
    String name = setup.spec().name();
    boolean codistillation = distillation.isCodistillation();
    int classes = data.train().classes();
    BatchSchedule schedule = codistillation ? shardSchedule(settings, data, name)
        : new BatchSchedule(data.train().size(), settings.training().batchSize(), settings.training().seed());
    Position position = new Position(setup.start().resume()
        ? Resumption.resume(restored.map(Checkpoints.Restored::state), setup.start().rejoinAtBatch(),
            schedule.batchesPerEpoch())
        : Resumption.START, settings.training().epochs(), distillation.teacherEpochs());
    Exchange exchange = new Exchange(name, distillation.topology(), distillation.teacherWeighting());
    Logger log = wiring.log();
    StepFigures figures = new StepFigures();
    Links links = new Links(name, exchange, wiring.messages(), figures, wiring.watch(), log);
    PredictionIntake intake = new PredictionIntake(name, new PredictionIntake.Expected(settings.runId(), classes,
        distillation.temperature(), codistillation ? distillation.codistill().lookahead() : Long.MAX_VALUE),
        wiring.inbound(), exchange, figures, position::finished, links::departed, log);
    LinkReachability reachable = new LinkReachability(name, wiring.reachability(), log);
    FeatureBuffers aheadInput = new FeatureBuffers();
    StepMode.Predictor predictor = rows -> SoftTargets.soften(network.logitValues(aheadInput.of(data.train(), rows)),
        classes, distillation.temperature());
    StepMode mode;
    if (codistillation) {
      Map<String, BatchSchedule> studentSchedules = new HashMap<>();
      exchange.students().forEach(student -> studentSchedules.put(student, shardSchedule(settings, data, student)));
      mode = new Codistillation(exchange, links, intake, figures, studentSchedules,
          distillation.codistill().burnInSteps(), distillation.codistill().lookahead(), settings.training().epochs(),
          predictor, position);
    } else {
      TeacherWait wait = new TeacherWait(name, exchange, wiring.inbound(), intake, distillation.maxWait(),
          wiring.shuttingDown(), () -> reachable.refresh(links.addresses(), exchange), figures, log);
      mode = new LockStep(exchange, links, intake, wait, figures, distillation.lookahead(), schedule,
          (long) settings.training().epochs() * schedule.batchesPerEpoch(), predictor, position);
    }
    StepGate gate = new StepGate(codistillation, distillation.codistill().burnInSteps(),
        codistillation ? distillation.codistill().lookahead() : distillation.window());
    PeerRecords records = new PeerRecords(setup, network, data, wiring.messages(), wiring.coordinator(),
        checkpoints(setup), fence, figures, schedule.batchesPerEpoch());
    FrozenTeacher frozen = new FrozenTeacher(network, exchange, links, figures, classes, distillation.temperature());
    EpochEnds epochEnds = new EpochEnds(name, network, data, exchange, position, records, links, log);
    if (setup.start().resume()) {
      exchange.startAt(schedule.batchId(position.epoch(), position.batchIndex()));
    }
    return new StepLoop.Parts(name, settings, data, network, schedule, position, exchange, gate, mode, frozen,
        epochEnds, links, reachable, intake, records, figures);
  }

  static Checkpoints checkpoints(PeerSetup setup) {
    return new Checkpoints(setup.settings().runPath().resolve("checkpoints").resolve(setup.spec().name()));
  }

  private static BatchSchedule shardSchedule(CohortSettings settings, RunData data, String peer) {
    List<String> names = settings.distillation().topology().peers();
    int[] shard = Shards.of(data.train().size(), names.size(), names.indexOf(peer), settings.data().seed());
    return new BatchSchedule(shard, settings.training().batchSize(), settings.training().seed());
  }
}
