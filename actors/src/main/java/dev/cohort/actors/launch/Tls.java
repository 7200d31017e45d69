package dev.cohort.actors.launch;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Artery TLS from {@code cohort.tls}: with {@code transport = tls-tcp} (the {@code tls} overlay),
 * points Pekko's key and trust stores at {@code <directory>/<node>.p12} and
 * {@code <directory>/truststore.p12} as made by {@code deploy/tls/make-certs.sh}, with the password
 * from {@code <directory>/password}, and fails naming the file when one is missing.
 */
final class Tls {

  private Tls() {}

  static Config configure(Config config) {
    if (!config.getString("pekko.remote.artery.transport").equals("tls-tcp")) {
      return config;
    }
    String directory = config.getString("cohort.tls.directory");
    String node = config.getString("cohort.tls.node");
    if (directory.isEmpty() || node.isEmpty()) {
      throw new UsageException("the tls overlay needs cohort.tls.directory and cohort.tls.node"
          + " (COHORT_TLS_DIR and COHORT_TLS_NODE): the folder made by deploy/tls/make-certs.sh and this node's name in it");
    }
    Path folder = Path.of(directory);
    Path keyStore = folder.resolve(node + ".p12");
    Path trustStore = folder.resolve("truststore.p12");
    Path password = folder.resolve("password");
    for (Path required : new Path[] {keyStore, trustStore, password}) {
      if (!Files.isRegularFile(required)) {
        throw new UsageException("TLS: " + required.toAbsolutePath() + " not found (make it with deploy/tls/make-certs.sh "
            + folder + " " + node + ")");
      }
    }
    String secret = NodeConfig.secret(password);
    Map<String, Object> values = new HashMap<>();
    String prefix = "pekko.remote.artery.ssl.config-ssl-engine.";
    values.put(prefix + "key-store", keyStore.toAbsolutePath().toString());
    values.put(prefix + "trust-store", trustStore.toAbsolutePath().toString());
    values.put(prefix + "key-store-password", secret);
    values.put(prefix + "key-password", secret);
    values.put(prefix + "trust-store-password", secret);
    return ConfigFactory.parseMap(values).withFallback(config).resolve();
  }
}
