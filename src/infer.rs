//! The Colorizer: load a model, colour an image of any size.
