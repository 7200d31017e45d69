package dev.cohort.bench;


/** One round of the step benchmark: each model's steps in this JVM, PyTorch's interleaved with them. */
record StepRound(StepTimes.Result mlp, StepTimes.Result cnn) {}
