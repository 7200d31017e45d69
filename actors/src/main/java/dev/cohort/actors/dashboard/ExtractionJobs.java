package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.actors.extract.Extraction;
import dev.cohort.actors.extract.Selection;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * "Extract the best peer now": one extraction at a time, on a thread of its own (ND4J work stays
 * on one thread, and the dashboard's actor never blocks), from the run's latest checkpoints.
 * Each job's state is JSON for {@code /api/extractions/<id>}.
 */
final class ExtractionJobs {

  private final Path runPath;
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread thread = new Thread(r, "cohort-dashboard-extraction");
    thread.setDaemon(true);
    return thread;
  });
  private final Map<Integer, ObjectNode> jobs = new LinkedHashMap<>();
  private Integer running;

  ExtractionJobs(Path runPath) {
    this.runPath = runPath;
  }

  boolean busy() {
    return running != null;
  }

  /** How a job ended: its result, or its failure. */
  interface Done {
    void ended(int job, Extraction.Result result, Exception failure);
  }

  /** Starts a job; {@code done} is called on the worker thread. */
  int start(Selection selection, Done done) {
    int id = jobs.size() + 1;
    ObjectNode job = JsonNodeFactory.instance.objectNode();
    job.put("id", id);
    job.put("status", "running");
    job.put("selected_by", selection.describe());
    jobs.put(id, job);
    running = id;
    worker.execute(() -> {
      try {
        done.ended(id, Extraction.extract(runPath, selection, null, note -> { }), null);
      } catch (Exception | LinkageError e) {
        done.ended(id, null, e instanceof Exception ex ? ex : new RuntimeException(e));
      }
    });
    return id;
  }

  /** Records how job {@code id} ended; the fields of its run event. */
  Map<String, Object> finish(int id, Extraction.Result result, Exception failure) {
    running = null;
    ObjectNode job = jobs.get(id);
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("job", id);
    if (failure != null) {
      String error = failure.getMessage() == null ? failure.toString() : failure.getMessage();
      job.put("status", "failed");
      job.put("error", error);
      fields.put("error", error);
      return fields;
    }
    job.put("status", "done");
    job.put("peer", result.peer());
    job.put("val_accuracy", result.chosen().validation().accuracy());
    job.put("val_loss", result.chosen().validation().crossEntropy());
    job.put("test_accuracy", result.test().accuracy());
    job.put("test_examples", result.test().examples());
    job.put("checkpoint", result.chosen().checkpoint().toString());
    job.put("model", result.model().toString());
    job.put("card", result.card().toString());
    fields.put("peer", result.peer());
    fields.put("selected_by", result.selectedBy());
    fields.put("val_accuracy", result.chosen().validation().accuracy());
    fields.put("test_accuracy", result.test().accuracy());
    fields.put("model", result.model().toString());
    return fields;
  }

  Optional<ObjectNode> job(int id) {
    return Optional.ofNullable(jobs.get(id)).map(ObjectNode::deepCopy);
  }

  void shutdown() {
    worker.shutdownNow();
  }
}
