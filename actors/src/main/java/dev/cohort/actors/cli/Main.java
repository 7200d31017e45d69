package dev.cohort.actors.cli;

import com.typesafe.config.ConfigException;
import dev.cohort.actors.config.CohortConfigException;
import dev.cohort.model.DatasetException;
import java.util.Arrays;

/** The {@code cohort} command line. Errors in input end with one line naming the culprit, exit code 2. */
public final class Main {

  private static final String USAGE =
      """
      usage:
        cohort demo [--nodes N] [--data DIR] [--set key=value]...
            three MLP peers learn Fashion-MNIST from each other on a two-node local cluster
        cohort run COHORT.conf [--nodes N] [--data DIR] [--set key=value]...
            runs a cohort file on a local cluster of N JVMs (default: cohort.cluster.nodes)
        cohort node --seed HOST:PORT [--host H] [--port P]
            one trainer node that joins an existing cluster
      """;

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
      System.out.print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    Arguments rest = new Arguments(Arrays.asList(args).subList(1, args.length));
    try {
      return switch (args[0]) {
        case "demo" -> Launch.demo(rest);
        case "run" -> Launch.run(rest);
        case "node" -> NodeCommand.run(rest);
        default -> throw new UsageException("unknown command '" + args[0] + "'");
      };
    } catch (UsageException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(USAGE);
      return 2;
    } catch (CohortConfigException | DatasetException | ConfigException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      System.err.println("error: " + e);
      e.printStackTrace();
      return 1;
    }
  }
}
