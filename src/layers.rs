//! Layers for painting programs: OpenRaster (`.ora`, what Krita, GIMP and MyPaint open), a
//! zip holding `mimetype` (first, stored), `stack.xml`, one PNG per layer, `mergedimage.png`
//! and a thumbnail.
//!
//! The stack, top to bottom: `merged` (hidden: the finished picture, for reference),
//! `lines` (black ink whose alpha is 255 - grey: transparent on paper), `shading` (grey, hard
//! light, 128 = no change), `flats`. Compositing the visible layers gives the finished
//! picture within one level.

use crate::style::Layers;
use crate::Result;

/// The OpenRaster file of `layers`, as bytes.
pub fn ora_bytes(layers: &Layers) -> Result<Vec<u8>> {
    let _ = layers;
    todo!("layers: ora_bytes")
}

/// Writes `layers` to `path` as OpenRaster, atomically.
pub fn write_ora(layers: &Layers, path: &std::path::Path) -> Result<()> {
    let bytes = ora_bytes(layers)?;
    data_prep::fs::write_atomic(path, &bytes).map_err(|e| crate::Error::io(path, e))
}
