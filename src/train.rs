//! The Trainer: one optimisation step, the loop, learning-rate schedule, checkpoints.
