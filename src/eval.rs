//! Evaluation of a model (or a trivial baseline) on a dataset split.
