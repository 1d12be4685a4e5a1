//! Paired dataset -> shuffled, augmented batches from a background loader thread.
