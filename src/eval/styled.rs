//! A model's outputs as `colorize eval` scores them: the network's colour for a batch of
//! test sketches at the dataset's size (one batched call where the sizes allow), then
//! finished in a style through the library's one pipeline (`infer::finish_styled`, as
//! `infer` and `serve` finish theirs), or left raw.

use image::{GrayImage, RgbImage};
use tch::Tensor;

use crate::hints::{coloured_fills, hint_channels, HintMap};
use crate::infer::{finish_styled, Colorizer, InferOptions, WorkCanvas};
use crate::model::generator::ForwardMode;
use crate::style::Style;
use crate::tensor_image::{gray_to_tensor, tensor_to_rgb};
use crate::{Error, Result};

/// The network's input for a whole batch `[B, 1 or 5, H, W]`, or `None` when the sketches
/// differ in size or have sides the U-Net cannot take directly (then each goes through the
/// padding canvas of `infer`). Errors for hints given to a model without hint channels.
pub(super) fn batched_input(
    colorizer: &Colorizer,
    lines: &[GrayImage],
    hints: &[Option<HintMap>],
) -> Result<Option<Tensor>> {
    let cfg = colorizer.model_config();
    if hints.iter().any(Option::is_some) && !cfg.takes_hints() {
        return Err(Error::NoHintChannels);
    }
    let m = cfg.size_multiple() as u32;
    let (w, h) = lines[0].dimensions();
    let same = lines.iter().all(|l| l.dimensions() == (w, h));
    if !(same && w % m == 0 && h % m == 0) {
        return Ok(None);
    }
    let xs: Vec<Tensor> = lines
        .iter()
        .zip(hints)
        .map(|(l, map)| match map {
            Some(map) => Tensor::cat(
                &[gray_to_tensor(l), hint_channels(l, map, cfg.hint_spread)],
                0,
            ),
            None => gray_to_tensor(l),
        })
        .collect();
    Ok(Some(Tensor::stack(&xs, 0)))
}

/// The network's colour on each sketch's working canvas, with that canvas (its solid fills
/// that hints colour recorded, as `Colorizer::canvas_hints` records them), at the sketch's
/// own size: the canvas is the sketch itself when the batch could be stacked.
pub(super) fn network_colours(
    colorizer: &Colorizer,
    mode: ForwardMode,
    lines: &[GrayImage],
    hints: &[Option<HintMap>],
) -> Result<Vec<(RgbImage, WorkCanvas)>> {
    let m = colorizer.model_config().size_multiple() as u32;
    if let Some(x) = batched_input(colorizer, lines, hints)? {
        let out = colorizer.try_forward(&x, mode)?; // [B, 3, H, W]
        return lines
            .iter()
            .zip(hints)
            .enumerate()
            .map(|(i, (l, map))| {
                let mut canvas = WorkCanvas::new(l, l.width().max(l.height()), m);
                debug_assert_eq!(canvas.image.dimensions(), l.dimensions());
                if let Some(map) = map {
                    canvas.fills = coloured_fills(&canvas.image, map);
                }
                Ok((tensor_to_rgb(&out.get(i as i64))?, canvas))
            })
            .collect();
    }
    lines
        .iter()
        .zip(hints)
        .map(|(l, map)| {
            let opts = InferOptions {
                work_size: Some(l.width().max(l.height())),
                ..InferOptions::default()
            };
            let mut canvas = colorizer.canvas(l, &opts);
            let map = map
                .as_ref()
                .map(|m| colorizer.canvas_hints(&mut canvas, &m.to_rgba()))
                .transpose()?;
            let colour = colorizer.run_canvas_mode(&canvas, map.as_ref(), mode)?;
            Ok((colour, canvas))
        })
        .collect()
}

/// One output as scored: the network's `colour` on `canvas` finished in `style` at the
/// size of `line` (`None`: the raw colour, cropped and resized only).
pub(super) fn finish(
    colour: &RgbImage,
    canvas: &WorkCanvas,
    line: &GrayImage,
    hints: Option<&HintMap>,
    style: Option<Style>,
) -> RgbImage {
    let opts = InferOptions {
        style: style.unwrap_or_default(),
        raw: style.is_none(),
        ..InferOptions::default()
    };
    let rgba = hints.map(HintMap::to_rgba);
    finish_styled(colour, canvas, line, rgba.as_ref(), &opts).image
}

/// The name of a finish in reports: the style's, or `raw`.
pub fn finish_name(style: Option<Style>) -> &'static str {
    style.map_or(RAW, Style::name)
}

/// The name of the raw network output among the styles `colorize eval --style` takes.
pub const RAW: &str = "raw";
