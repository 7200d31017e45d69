package dev.cohort.actors.peer;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * The exchange as Java Flight Recorder sees it: when a peer sends a batch's predictions, when they
 * reach the student's node, and how long the student then waited for its teachers. Recorded only
 * while a flight recording runs (e.g. {@code -XX:StartFlightRecording}); otherwise each costs a
 * check. Matched across JVMs by (teacher, student, batch), they time the wire (send to arrival)
 * and the wake-up (arrival to the waiting trainer running again) apart.
 */
final class ExchangeEvents {

  private ExchangeEvents() {}

  @Name("dev.cohort.PredictionSent")
  @Label("Predictions sent")
  @Category({"Cohort", "Exchange"})
  @Description("A teacher handed one batch's softened predictions to Pekko for one student.")
  static final class Sent extends Event {
    @Label("Teacher")
    String teacher;
    @Label("Student")
    String student;
    @Label("Batch")
    long batch;
    @Label("Messages")
    int messages;
  }

  @Name("dev.cohort.PredictionArrived")
  @Label("Predictions arrived")
  @Category({"Cohort", "Exchange"})
  @Description("A batch's predictions (or one part of them) reached the student's wire inbox on its node.")
  static final class Arrived extends Event {
    @Label("Teacher")
    String teacher;
    @Label("Student")
    String student;
    @Label("Batch")
    long batch;
  }

  @Name("dev.cohort.TeacherWait")
  @Label("Waiting for teachers")
  @Category({"Cohort", "Exchange"})
  @Description("A trainer blocked inside a step until its teachers' predictions for the batch were in.")
  static final class Wait extends Event {
    @Label("Peer")
    String peer;
    @Label("Batch")
    long batch;
    @Label("Wake-up")
    @Description("From the arrival of the predictions that ended the wait to the trainer taking them; -1 when they came before the wait")
    @Timespan(Timespan.NANOSECONDS)
    long wakeUp;
  }

  static void sent(String teacher, String student, long batch, int messages) {
    Sent event = new Sent();
    if (event.isEnabled()) {
      event.teacher = teacher;
      event.student = student;
      event.batch = batch;
      event.messages = messages;
      event.commit();
    }
  }

  static void arrived(String teacher, String student, long batch) {
    Arrived event = new Arrived();
    if (event.isEnabled()) {
      event.teacher = teacher;
      event.student = student;
      event.batch = batch;
      event.commit();
    }
  }
}
