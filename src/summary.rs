//! TensorBoard event files (scalars, image grids) behind a small trait.
