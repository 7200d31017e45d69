package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A peer's curves: training loss at every report, validation accuracy and loss at epoch ends. */
final class Series {
  final Curve loss = new Curve();
  final Curve valAccuracy = new Curve();
  final Curve valLoss = new Curve();

  ObjectNode toJson() {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.set("loss", loss.toJson());
    node.set("val_accuracy", valAccuracy.toJson());
    node.set("val_loss", valLoss.toJson());
    return node;
  }
}
