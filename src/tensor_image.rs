//! Conversions between images and NCHW tensors in [-1, 1].
