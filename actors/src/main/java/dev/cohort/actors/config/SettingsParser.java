package dev.cohort.actors.config;

import static dev.cohort.actors.config.ConfigValues.atLeast;
import static dev.cohort.actors.config.ConfigValues.atLeastZero;
import static dev.cohort.actors.config.ConfigValues.invalid;
import static dev.cohort.actors.config.ConfigValues.labelNoise;
import static dev.cohort.actors.config.ConfigValues.labelNoiseType;
import static dev.cohort.actors.config.ConfigValues.oneOf;
import static dev.cohort.actors.config.ConfigValues.positive;
import static dev.cohort.actors.config.ConfigValues.positiveDouble;
import static dev.cohort.actors.config.ConfigValues.rejectUnknownKeys;
import static dev.cohort.actors.config.ConfigValues.teacherWeighting;
import static dev.cohort.actors.config.ConfigValues.widths;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.distill.SmallLossSelection;
import dev.cohort.model.distill.Topology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns a config holding a {@code cohort} section into {@link CohortSettings}, or fails with one
 * {@link CohortConfigException} naming the key, the value found and what was expected.
 */
public final class SettingsParser {

  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  private static final Pattern PEER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
  private static final Set<String> PEER_KEYS = Set.of("name", "model", "hidden", "conv", "seed", "encoding", "learning-rate");
  private static final Set<String> MODELS = Set.of("mlp", "cnn");
  private static final Set<String> ENCODINGS = Set.of("float32", "float16", "top-k");
  private static final Set<String> LINK_KEYS = Set.of("teacher", "student", "weight");

  private SettingsParser() {}

  /**
   * Parses {@code config}'s {@code cohort} section, with the documented defaults (reference.conf)
   * beneath it. Keys under {@code cohort} that the defaults do not know are rejected.
   */
  public static CohortSettings parse(Config config) {
    // cohort.log.level is a JVM property for logback (-Dcohort.log.level), which the defaults pick
    // up from the system properties; it is no run setting and never part of a run's config.
    Config defaults = ConfigFactory.defaultReference().getConfig("cohort").withoutPath("log");
    Config user = config.hasPath("cohort") ? config.getConfig("cohort").withoutPath("log") : ConfigFactory.empty();
    rejectUnknownKeys(user, defaults);
    Config c;
    try {
      c = user.withFallback(defaults).resolve();
    } catch (ConfigException e) {
      throw new CohortConfigException("invalid cohort config: " + e.getMessage(), e);
    }
    try {
      List<PeerSpec> peers = peers(c);
      CohortSettings.Distillation distillation = distillation(c, peers);
      CohortSettings.Cluster cluster = cluster(c);
      if (distillation.preset() == CohortSettings.TopologyPreset.NODE_ENSEMBLE) {
        checkNodeEnsemble(distillation, cluster);
      }
      return new CohortSettings(
          runId(c),
          Path.of(c.getString("run.directory")),
          data(c),
          training(c),
          distillation,
          peers,
          cluster,
          dashboard(c),
          c);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw new CohortConfigException("invalid cohort config: " + e.getMessage(), e);
    }
  }

  /**
   * Checks a cohort file as a whole, before its {@code cohort} section is read: the file holds that
   * one section, so a misspelt or missing root is an error rather than a run on the defaults.
   *
   * @param source the file's name, for the message
   */
  public static void checkFile(Config file, String source) {
    List<String> others = file.root().keySet().stream().filter(key -> !key.equals("cohort")).sorted().toList();
    if (!others.isEmpty()) {
      String key = others.get(0);
      int line = file.root().get(key).origin().lineNumber();
      throw new CohortConfigException("unknown top-level key '" + key + "' in " + source + (line > 0 ? " (line " + line + ")" : "")
          + ": a cohort file holds one section, cohort { ... }, and every setting goes inside it"
          + (file.hasPath("cohort") ? "" : " (this file has none)"));
    }
    if (!file.hasPath("cohort")) {
      throw new CohortConfigException(source + " has no cohort { ... } section: it is empty, so the run would train"
          + " the defaults (see cluster-config's reference.conf for every key)");
    }
    if (!(file.root().get("cohort") instanceof ConfigObject)) {
      throw new CohortConfigException("cohort in " + source + " must be a section, cohort { ... }, found "
          + file.root().get("cohort").valueType().name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  private static String runId(Config c) {
    String id = c.getString("run.id");
    if (!id.isEmpty() && !RUN_ID.matcher(id).matches()) {
      throw invalid("run.id", "'" + id + "'", "a folder name of letters, digits, '.', '-' and '_' (at most 100,"
          + " starting with a letter or digit), or \"\" for a fresh id; the run's folder is always inside run.directory");
    }
    return id;
  }

  private static CohortSettings.Dashboard dashboard(Config c) {
    Config d = c.getConfig("dashboard");
    int port = d.getInt("port");
    if (port < 0 || port > 65535) {
      throw invalid("dashboard.port", port, "a TCP port 1..65535, or 0 for any free port");
    }
    String host = d.getString("host");
    if (!DashboardHost.isValid(host)) {
      throw invalid("dashboard.host", "'" + host + "'", "an IP address of this machine (127.0.0.1: loopback only,"
          + " 0.0.0.0: every interface) or a host name");
    }
    List<String> allowed = d.getStringList("allowed-hosts");
    for (String name : allowed) {
      if (!name.equals("*") && !DashboardHost.isValid(name)) {
        throw invalid("dashboard.allowed-hosts", "['" + name + "']", "host names (or \"*\" for every name)");
      }
    }
    Duration stallAfter = d.getDuration("stall-after");
    if (stallAfter.isNegative() || stallAfter.isZero()) {
      throw invalid("dashboard.stall-after", stallAfter, "a positive duration such as 30s");
    }
    return new CohortSettings.Dashboard(d.getBoolean("enabled"), host, port, positive(d, "client-buffer", "dashboard."),
        positive(d, "replay", "dashboard."), stallAfter, allowed);
  }

  private static CohortSettings.Data data(Config c) {
    CohortSettings.DataFormat format =
        oneOf(c, "data.format", CohortSettings.DataFormat.class);
    Config s = c.getConfig("data.synthetic");
    CohortSettings.Synthetic synthetic =
        new CohortSettings.Synthetic(
            positive(s, "train-examples", "data.synthetic."),
            positive(s, "test-examples", "data.synthetic."),
            positive(s, "features", "data.synthetic."),
            classes(s),
            positiveDouble(s, "noise", "data.synthetic."));
    int trainLimit = c.getInt("data.train-limit");
    if (trainLimit < 0) {
      throw invalid("data.train-limit", trainLimit, "0 (all) or a positive count");
    }
    Config csvConfig = c.getConfig("data.csv");
    String separator = csvConfig.getString("separator");
    if (separator.length() != 1) {
      throw invalid("data.csv.separator", "'" + separator + "'", "one character");
    }
    CohortSettings.Csv csv =
        new CohortSettings.Csv(
            Path.of(csvConfig.getString("train")),
            Path.of(csvConfig.getString("test")),
            csvConfig.getInt("label-column"),
            csvConfig.getBoolean("header"),
            separator.charAt(0),
            csvConfig.getBoolean("standardize"));
    if (format == CohortSettings.DataFormat.CSV && (csvConfig.getString("train").isEmpty() || csvConfig.getString("test").isEmpty())) {
      throw new CohortConfigException("data.format = csv needs cohort.data.csv.train and cohort.data.csv.test");
    }
    return new CohortSettings.Data(
        format,
        Path.of(c.getString("data.directory")),
        positive(c, "data.validation-size", ""),
        trainLimit,
        c.getLong("data.seed"),
        synthetic,
        csv,
        labelNoise(c),
        labelNoiseType(c));
  }

  private static int classes(Config synthetic) {
    int classes = atLeast(synthetic, "classes", 2, "data.synthetic.");
    if (classes > LabeledData.MAX_CLASSES) {
      throw invalid("data.synthetic.classes", classes, "2.." + LabeledData.MAX_CLASSES);
    }
    return classes;
  }

  private static CohortSettings.Training training(Config c) {
    int epochs = positive(c, "training.epochs", "");
    int decayFrom = atLeastZero(c, "training.learning-rate-decay-from");
    if (decayFrom > epochs) {
      throw invalid("training.learning-rate-decay-from", decayFrom,
          "0 (a constant learning rate) or an epoch from 1 to training.epochs = " + epochs);
    }
    return new CohortSettings.Training(
        epochs,
        positive(c, "training.batch-size", ""),
        positiveDouble(c, "training.learning-rate", ""),
        decayFrom,
        c.getLong("training.seed"),
        positive(c, "training.report-every", ""),
        atLeastZero(c, "training.checkpoint-every"),
        oneOf(c, "training.engine", dev.cohort.model.nn.StepEngine.class));
  }

  private static CohortSettings.Distillation distillation(Config c, List<PeerSpec> peers) {
    double lambda = c.getDouble("distillation.lambda");
    if (!(lambda >= 0) || Double.isInfinite(lambda)) {
      throw invalid("distillation.lambda", lambda, "a finite number >= 0");
    }
    String encoding = c.getString("distillation.encoding");
    if (!ENCODINGS.contains(encoding)) {
      throw invalid("distillation.encoding", "'" + encoding + "'", "one of " + new TreeSet<>(ENCODINGS));
    }
    Duration maxWait = c.getDuration("distillation.max-wait");
    if (maxWait.isNegative() || maxWait.isZero()) {
      throw invalid("distillation.max-wait", maxWait, "a positive duration such as 10s");
    }
    int ramp = c.getInt("distillation.lambda-ramp-steps");
    if (ramp < 0) {
      throw invalid("distillation.lambda-ramp-steps", ramp, "0 (no ramp) or a positive number of steps");
    }
    CohortSettings.TopologyPreset preset = oneOf(c, "distillation.topology", CohortSettings.TopologyPreset.class);
    return new CohortSettings.Distillation(
        preset,
        topology(c, preset, peers),
        positiveDouble(c, "distillation.temperature", ""),
        lambda,
        ramp,
        maxWait,
        positive(c, "distillation.window", ""),
        atLeast(c, "distillation.lookahead", 0, ""),
        encoding,
        positive(c, "distillation.top-k", ""),
        new CohortSettings.Codistill(
            atLeast(c, "distillation.codistill.burn-in-steps", 0, ""),
            positive(c, "distillation.codistill.lookahead", "")),
        positive(c, "distillation.kd.teacher-epochs", ""),
        teacherWeighting(c, preset),
        selection(c, preset, peers.size()),
        c.getBoolean("distillation.one-message-per-node"));
  }

  private static CohortSettings.Selection selection(Config c, CohortSettings.TopologyPreset preset, int peers) {
    SmallLossSelection.Method method = oneOf(c, "distillation.selection.method", SmallLossSelection.Method.class);
    String rateKey = "distillation.selection.forget-rate";
    double rate;
    if (c.getValue(rateKey).unwrapped().equals("auto")) {
      rate = Double.NaN;
    } else {
      try {
        rate = c.getDouble(rateKey);
      } catch (ConfigException.WrongType e) {
        throw invalid(rateKey, "'" + c.getValue(rateKey).unwrapped() + "'", "a rate in [0, 1) or auto");
      }
      if (!(rate >= 0 && rate < 1)) {
        throw invalid(rateKey, rate, "a rate in [0, 1) or auto: the share of each batch a student leaves out");
      }
    }
    int ramp = atLeast(c, "distillation.selection.ramp-epochs", 0, "");
    if (method != SmallLossSelection.Method.NONE) {
      String key = "cohort.distillation.selection.method = " + method.key();
      if (peers < 2) {
        throw new CohortConfigException(key + " needs at least 2 peers (a student ranks its examples by its"
            + " teachers' losses), and cohort.peers has 1: add a peer, or use method = none");
      }
      if (preset == CohortSettings.TopologyPreset.INDEPENDENT || preset == CohortSettings.TopologyPreset.CODISTILL) {
        throw new CohortConfigException(key + " needs a lock-step topology with teachers (dml, ensemble, ta-chain,"
            + " ring, random-k, kd or custom), found topology = " + c.getString("distillation.topology"));
      }
    }
    return new CohortSettings.Selection(method, rate, ramp);
  }

  /**
   * node-ensemble averages the predictions of a node's peers before they travel: it needs other
   * nodes to send to, and a target that counts every teacher alike (a weighting or a selection
   * by each teacher's own predictions cannot be made from their average).
   */
  private static void checkNodeEnsemble(CohortSettings.Distillation distillation, CohortSettings.Cluster cluster) {
    String topology = "cohort.distillation.topology = node-ensemble";
    if (cluster.nodes() < 2) {
      throw new CohortConfigException(topology + " averages each node's predictions and sends one aggregate to every"
          + " other node: it needs cohort.cluster.nodes >= 2, found " + cluster.nodes() + " (use dml on one node: the"
          + " same targets)");
    }
    if (distillation.teacherWeighting() != dev.cohort.model.distill.TeacherWeighting.NONE) {
      throw new CohortConfigException(topology + " sends the average of a node's teachers, not each one's"
          + " predictions: cohort.distillation.teacher-weighting must be none (or auto), found "
          + distillation.teacherWeighting().name().toLowerCase(java.util.Locale.ROOT));
    }
    if (distillation.selection().active()) {
      throw new CohortConfigException(topology + " sends the average of a node's teachers, not each one's"
          + " predictions: cohort.distillation.selection.method must be none, found "
          + distillation.selection().method().key());
    }
  }

  private static Topology topology(Config c, CohortSettings.TopologyPreset preset, List<PeerSpec> peers) {
    List<String> names = peers.stream().map(PeerSpec::name).toList();
    List<? extends ConfigObject> links = c.getObjectList("distillation.links");
    if (preset != CohortSettings.TopologyPreset.CUSTOM && !links.isEmpty()) {
      throw new CohortConfigException(
          "cohort.distillation.links is only read with topology = custom (the topology is "
              + c.getString("distillation.topology") + ")");
    }
    if (names.size() < 2 && preset != CohortSettings.TopologyPreset.INDEPENDENT
        && preset != CohortSettings.TopologyPreset.CUSTOM) {
      throw new CohortConfigException("cohort.distillation.topology = " + c.getString("distillation.topology")
          + " needs at least 2 peers, and cohort.peers has 1 (" + names.get(0) + "): add a peer, or use topology ="
          + " independent to train one alone");
    }
    return switch (preset) {
      case INDEPENDENT -> Topology.independent(names);
      case DML, CODISTILL, NODE_ENSEMBLE -> Topology.mutual(names); // node-ensemble: dml's links, averaged per node on the way
      case ENSEMBLE -> Topology.ensemble(names);
      case TA_CHAIN -> Topology.chain(names, c.getBoolean("distillation.back-links"));
      case RING -> Topology.ring(names);
      case RANDOM_K -> randomK(c, names);
      case KD -> Topology.teacher(names); // the first peer teaches, the others learn
      case CUSTOM -> customTopology(names, links);
    };
  }

  private static Topology randomK(Config c, List<String> names) {
    int k = c.getInt("distillation.random-k.k");
    if (k < 1 || k >= names.size()) {
      throw invalid("distillation.random-k.k", k, "1.." + (names.size() - 1) + ": each student's teachers are drawn"
          + " from the " + (names.size() - 1) + " other peers of cohort.peers");
    }
    int every = atLeast(c, "distillation.random-k.redraw-every", 1, "");
    return Topology.randomK(names, k, every, c.getLong("training.seed"));
  }

  private static Topology customTopology(List<String> names, List<? extends ConfigObject> entries) {
    List<Topology.Link> links = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      String where = "cohort.distillation.links[" + i + "]";
      for (String key : entries.get(i).keySet()) {
        if (!LINK_KEYS.contains(key)) {
          throw new CohortConfigException("unknown key '" + key + "' in " + where + "; a link has " + new TreeSet<>(LINK_KEYS));
        }
      }
      Config link = entries.get(i).toConfig();
      if (!link.hasPath("teacher") || !link.hasPath("student")) {
        throw new CohortConfigException(where + " needs a teacher and a student");
      }
      links.add(new Topology.Link(
          link.getString("teacher"), link.getString("student"), link.hasPath("weight") ? link.getDouble("weight") : 1.0));
    }
    if (links.isEmpty()) {
      throw new CohortConfigException("topology = custom needs cohort.distillation.links (use independent for none)");
    }
    try {
      return Topology.custom(names, links);
    } catch (IllegalArgumentException e) {
      throw new CohortConfigException("cohort.distillation.links: " + e.getMessage(), e);
    }
  }

  private static List<PeerSpec> peers(Config c) {
    List<? extends ConfigObject> entries;
    try {
      entries = c.getObjectList("peers");
    } catch (ConfigException.WrongType e) {
      throw new CohortConfigException(
          "cohort.peers must be a list of objects like { name = \"a\", model = \"mlp\", hidden = [256] }: "
              + e.getMessage(), e);
    }
    if (entries.isEmpty()) {
      throw new CohortConfigException("cohort.peers is empty: a cohort needs at least one peer");
    }
    List<PeerSpec> peers = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      String where = "cohort.peers[" + i + "]";
      for (String key : entries.get(i).keySet()) {
        if (!PEER_KEYS.contains(key)) {
          throw new CohortConfigException(
              "unknown key '" + key + "' in " + where + "; a peer has " + new TreeSet<>(PEER_KEYS));
        }
      }
      Config p = entries.get(i).toConfig();
      if (!p.hasPath("name")) {
        throw new CohortConfigException(where + " has no name");
      }
      String name = p.getString("name");
      if (!PEER_NAME.matcher(name).matches()) {
        throw new CohortConfigException(
            where + ".name '" + name + "' is not a valid peer name: use letters, digits, '-' and '_'"
                + " (at most 64, starting with a letter or digit)");
      }
      if (!names.add(name)) {
        throw new CohortConfigException(where + ".name '" + name + "' is used by another peer");
      }
      String model = p.hasPath("model") ? p.getString("model") : "mlp";
      if (!MODELS.contains(model)) {
        throw new CohortConfigException(
            where + ".model: unknown model '" + model + "' for peer " + name + " (expected one of "
                + new TreeSet<>(MODELS) + ")");
      }
      boolean cnn = model.equals("cnn");
      List<Integer> hidden = widths(p, "hidden", cnn ? List.of(500) : List.of(256), where, name);
      if (!cnn && p.hasPath("conv")) {
        throw new CohortConfigException(where + ".conv: peer " + name + " is an MLP; conv is for model = cnn");
      }
      List<Integer> conv = cnn ? widths(p, "conv", List.of(20, 50), where, name) : List.of();
      if (cnn && conv.isEmpty()) {
        throw new CohortConfigException(where + ".conv of peer " + name + ": a CNN needs at least one convolution");
      }
      long seed = p.hasPath("seed") ? p.getLong("seed") : i + 1;
      String encoding = p.hasPath("encoding") ? p.getString("encoding") : "";
      if (!encoding.isEmpty() && !ENCODINGS.contains(encoding)) {
        throw new CohortConfigException(where + ".encoding of peer " + name + ": unknown encoding '" + encoding
            + "' (expected one of " + new TreeSet<>(ENCODINGS) + ")");
      }
      double learningRate = p.hasPath("learning-rate") ? p.getDouble("learning-rate") : 0;
      if (p.hasPath("learning-rate") && !(learningRate > 0 && Double.isFinite(learningRate))) {
        throw new CohortConfigException(where + ".learning-rate of peer " + name + ": expected a positive number, found "
            + p.getValue("learning-rate").render());
      }
      peers.add(new PeerSpec(name, model, hidden, conv, seed, encoding, learningRate));
    }
    return peers;
  }

  private static CohortSettings.Cluster cluster(Config c) {
    return new CohortSettings.Cluster(
        positive(c, "cluster.nodes", ""),
        c.getDuration("cluster.startup-timeout"),
        c.getDuration("cluster.export-timeout"),
        atLeastZero(c, "cluster.max-restarts"),
        c.getDuration("cluster.recovery-grace"));
  }
}
