//! The Colorizer: load a model directory (or a training run), colour an image of any size.
//!
//! Pipeline for one sketch (`Colorizer::colorize`):
//! 0. unless `keep_paper`, a scan's paper tone and most of its noise are taken to white
//!    (`data_prep::paper`; a drawing on white paper is left as it is), and the levelled
//!    sketch is what the later steps see;
//! 1. the grey sketch is scaled so its longer side equals the working size (INTER_AREA when
//!    shrinking, bilinear when enlarging) and centred on a white canvas whose sides are the
//!    U-Net's multiple (`ModelConfig::size_multiple`), so the aspect ratio is kept;
//! 2. the generator runs on the canvas (eval mode unless asked otherwise, no autograd);
//! 3. the padding is cropped away; at ink pixels of the working sketch the colour is replaced
//!    by the colour of the nearest paper pixels ("flat colour": the network's own, blurry
//!    rendering of the lines would otherwise become dark halos once enlarged);
//! 4. the colour is resized to the input's exact width and height;
//! 5. unless `raw`, the original line art is laid over it by multiplication:
//!    `out = colour * grey / 255` per channel, so white paper shows the colour, ink stays as
//!    dark as drawn and anti-aliased edges blend — the lines come out exactly as crisp as drawn.

use std::borrow::Cow;
use std::path::Path;

use data_prep::fs::write_atomic;
use data_prep::geometry::pad_centered;
use data_prep::load::{load_gray, LoadLimits};
pub use data_prep::paper::level_paper;
use data_prep::paper::{apply_white, paper_level};
use image::imageops;
use image::{GrayImage, Luma, RgbImage, RgbaImage};
use tch::{nn, Device, Tensor};

use crate::config::ModelConfig;
use crate::hints::{
    coloured_fills, hint_channels, to_canvas, with_hint_channels, HintMap, Placement,
};
use crate::model::fast::FastGenerator;
use crate::model::generator::ForwardMode;
use crate::model::UnetGenerator;
use crate::run_dir::{self, GENERATOR_FILE};
use crate::tensor_image::{gray_to_tensor, tensor_to_rgb};
use crate::{Error, Result};

use crate::regions::RegionOptions;
use crate::style::Style;

mod finish;

use finish::resize_gray;
pub use finish::{fill_ink, finish, finish_styled, recombine, soft_parts, Coloured};

/// Options of one colouring.
#[derive(Debug, Clone, Default)]
pub struct InferOptions {
    /// Longer side of the working resolution (default: the model's training size).
    pub work_size: Option<u32>,
    /// Return the network's colour alone, without laying the original lines over it.
    pub raw: bool,
    /// pix2pix's "train mode at test time": batch statistics and dropout stay on.
    pub train_mode: bool,
    /// How the finished picture is coloured (`soft`: the network's colour as it is).
    pub style: Style,
    /// Also return the layers (lines, flats, shading, merged).
    pub layers: bool,
    /// How the sketch's areas are found (`flat`, `shaded`).
    pub regions: RegionOptions,
    /// Use the sketch exactly as scanned: no levelling of the paper's tone and noise to white
    /// (`data_prep::paper`) before it is coloured. Levelling leaves a drawing on white paper
    /// unchanged.
    pub keep_paper: bool,
}

impl InferOptions {
    /// The generator's forward mode these options ask for (`Train` or `Eval`).
    pub fn mode(&self) -> ForwardMode {
        ForwardMode::from_train(self.train_mode)
    }

    /// The sketch as these options colour it: levelled ([`level_paper`]) unless
    /// `keep_paper`; borrowed as it is when nothing changes (a drawing on white paper).
    pub fn sketch<'a>(&self, gray: &'a GrayImage) -> Cow<'a, GrayImage> {
        match self.keep_paper {
            true => Cow::Borrowed(gray),
            false => match paper_level(gray) {
                255 => Cow::Borrowed(gray),
                white => Cow::Owned(apply_white(gray, white)),
            },
        }
    }
}

/// A loaded generator, ready to colour sketches.
#[derive(Debug)]
pub struct Colorizer {
    vs: nn::VarStore,
    net: UnetGenerator,
    /// The eval-mode network re-expressed for oneDNN (`model::fast`), on the CPU; `None`
    /// on other devices or when loaded without it.
    fast: Option<FastGenerator>,
    cfg: ModelConfig,
    device: Device,
}

impl Colorizer {
    /// Loads `generator.safetensors` + `config.json` from a model or run directory. Missing,
    /// truncated or mismatched files give an error naming the file. On the CPU, the
    /// eval-mode network is also folded and packed for the fast path (`model::fast`).
    pub fn load(dir: &Path, device: Device) -> Result<Self> {
        Self::load_with(dir, device, true)
    }

    /// [`Colorizer::load`]; `fast: false` keeps the plain network for eval mode too (and
    /// skips the folding and packing): for comparisons.
    pub fn load_with(dir: &Path, device: Device, fast: bool) -> Result<Self> {
        Self::load_for(dir, device, fast, None)
    }

    /// [`Colorizer::load_with`], the fast path's weights packed for canvases of
    /// `work_size` (`None`: the training size, `infer`'s default). `colorize infer
    /// --work-size` passes its own: on CPUs without AVX-512, oneDNN picks another weight
    /// layout for other input sizes and then reorders the packed weights at every call,
    /// which made the fast path slower than the plain network at 512 px (bench/README.md,
    /// "## infer").
    pub fn load_for(
        dir: &Path,
        device: Device,
        fast: bool,
        work_size: Option<u32>,
    ) -> Result<Self> {
        let cfg = run_dir::read_model_config(dir)?;
        let weights = dir.join(GENERATOR_FILE);
        if !weights.is_file() {
            return Err(Error::Model {
                path: weights,
                reason: "missing: the generator's weights are not there (a training run \
                         writes it at its first checkpoint)"
                    .into(),
            });
        }
        check_weights_size(&weights, &cfg)?;
        let mut vs = nn::VarStore::new(device);
        let net = UnetGenerator::new_for_loading(&vs.root(), &cfg);
        crate::checkpoint::load_generator_into(&mut vs, &weights)?;
        // Folded and packed once here (when asked), so that every image gets it.
        let fast = match device {
            Device::Cpu if fast => {
                // The longer side of the canvas: the work size up to the U-Net's multiple.
                let m = cfg.size_multiple();
                let size = work_size.map_or(cfg.image_size, |w| (i64::from(w) + m - 1) / m * m);
                Some(FastGenerator::new(&net, cfg.in_channels, size)?)
            }
            _ => None,
        };
        Ok(Colorizer {
            vs,
            net,
            fast,
            cfg,
            device,
        })
    }

    /// Whether eval mode runs the CPU fast path (`model::fast`).
    pub fn has_fast_path(&self) -> bool {
        self.fast.is_some()
    }

    /// The canvas side the fast path's weights are packed for, if it has one.
    pub fn fast_path_size(&self) -> Option<i64> {
        self.fast.as_ref().map(FastGenerator::packed_for)
    }

    /// The network's shape, from the model's `config.json`.
    pub fn model_config(&self) -> &ModelConfig {
        &self.cfg
    }

    /// Number of trainable parameters of the generator.
    pub fn parameter_count(&self) -> i64 {
        crate::model::layers::count_parameters(&self.vs)
    }

    /// Whether the generator has dropout layers (its only source of noise).
    pub fn has_dropout(&self) -> bool {
        self.net.has_dropout()
    }

    /// Runs the generator without autograd: `[B, in_channels, H, W]` in [-1, 1] (any
    /// device; line art `[B, 1, H, W]` alone means "no hints") -> `[B, 3, H, W]` colour on
    /// the CPU. H and W must be multiples of `size_multiple()` (else it panics, as
    /// libtorch's layers do; [`Colorizer::try_forward`] returns the error). `mode`: eval
    /// (inference), train (pix2pix's train mode at test time) or dropout alone (sampling).
    pub fn forward(&self, input: &Tensor, mode: ForwardMode) -> Tensor {
        self.try_forward(input, mode)
            .unwrap_or_else(|e| panic!("the generator's forward pass: {e}"))
    }

    /// [`Colorizer::forward`], with libtorch's errors returned. Eval mode on the CPU runs
    /// the fast path (`model::fast`, equal to the plain network within float rounding).
    pub fn try_forward(&self, input: &Tensor, mode: ForwardMode) -> Result<Tensor> {
        let input = with_hint_channels(input, self.cfg.in_channels);
        match (&self.fast, mode) {
            (Some(fast), ForwardMode::Eval) => Ok(fast.forward(&input)?),
            _ => Ok(tch::no_grad(|| {
                self.net
                    .forward_mode(&input.to_device(self.device), mode)
                    .to_device(Device::Cpu)
            })),
        }
    }

    /// The one colouring pipeline: sketch -> canvas -> network -> finish in `opts.style`
    /// (with its layers when `opts.layers`). `hints`: an RGBA image of the sketch's size
    /// (transparent: no hint), or none. The picture has exactly the sketch's size.
    pub fn colour(
        &self,
        gray: &GrayImage,
        hints: Option<&RgbaImage>,
        opts: &InferOptions,
    ) -> Result<Coloured> {
        let gray = &*opts.sketch(gray);
        let mut canvas = self.canvas(gray, opts);
        let map = hints
            .map(|h| self.canvas_hints(&mut canvas, h))
            .transpose()?;
        let colour = self.run_canvas(&canvas, map.as_ref(), opts)?;
        Ok(finish_styled(&colour, &canvas, gray, hints, opts))
    }

    /// Colours a grey sketch of any size in `opts.style`; the result has exactly the
    /// input's size.
    pub fn colorize(&self, gray: &GrayImage, opts: &InferOptions) -> Result<RgbImage> {
        Ok(self.colour(gray, None, opts)?.image)
    }

    /// Colours a sketch steered by `hints`, an RGBA image of the sketch's size (transparent:
    /// no hint). Errors for hints of another size or a model without hint channels.
    pub fn colorize_hinted(
        &self,
        gray: &GrayImage,
        hints: &RgbaImage,
        opts: &InferOptions,
    ) -> Result<RgbImage> {
        Ok(self.colour(gray, Some(hints), opts)?.image)
    }

    /// The user's hints on the working canvas: scaled so no dot or thin stroke vanishes
    /// (`hints::to_canvas`), and dropped where the working sketch has a line, as in
    /// training. The solid fills they touch are recorded in `canvas.fills`, so `finish`
    /// colours them instead of keeping them ink.
    pub fn canvas_hints(&self, canvas: &mut WorkCanvas, hints: &RgbaImage) -> Result<HintMap> {
        if !self.cfg.takes_hints() {
            return Err(Error::NoHintChannels);
        }
        let mut map = to_canvas(hints, &canvas.placement)?;
        map.drop_on_lines(&canvas.image);
        canvas.fills = coloured_fills(&canvas.image, &map);
        Ok(map)
    }

    /// Step 1: the sketch at working resolution on a canvas the U-Net accepts.
    pub fn canvas(&self, gray: &GrayImage, opts: &InferOptions) -> WorkCanvas {
        let work = opts.work_size.unwrap_or(self.cfg.image_size as u32);
        WorkCanvas::new(gray, work, self.cfg.size_multiple() as u32)
    }

    /// Step 2: the network's colour for a whole canvas, with hints on the canvas or none.
    pub fn run_canvas(
        &self,
        canvas: &WorkCanvas,
        hints: Option<&HintMap>,
        opts: &InferOptions,
    ) -> Result<RgbImage> {
        self.run_canvas_mode(canvas, hints, opts.mode())
    }

    /// `run_canvas` with the generator's forward mode given directly.
    pub fn run_canvas_mode(
        &self,
        canvas: &WorkCanvas,
        hints: Option<&HintMap>,
        mode: ForwardMode,
    ) -> Result<RgbImage> {
        self.run_canvas_timed(canvas, hints, mode)
            .map(|(rgb, _)| rgb)
    }

    /// `run_canvas_mode`, also returning the seconds the generator's forward pass took
    /// (without the image-to-tensor conversions around it): `infer --timings`.
    pub fn run_canvas_timed(
        &self,
        canvas: &WorkCanvas,
        hints: Option<&HintMap>,
        mode: ForwardMode,
    ) -> Result<(RgbImage, f64)> {
        let input = self.canvas_input(canvas, hints)?.unsqueeze(0);
        let t = std::time::Instant::now();
        let colour = self.try_forward(&input, mode)?; // [1, 3, H, W]
        let forward = t.elapsed().as_secs_f64();
        Ok((tensor_to_rgb(&colour.squeeze_dim(0))?, forward))
    }

    /// `k` colourings of one canvas with dropout on (BatchNorm in eval mode), drawn from
    /// libtorch's global generator after seeding it with `seed`: the same seed gives the
    /// same samples. One network call with a batch of `k`. What `suggest`'s `dropout`
    /// uncertainty measures the disagreement of.
    pub fn run_canvas_samples(
        &self,
        canvas: &WorkCanvas,
        hints: Option<&HintMap>,
        k: usize,
        seed: u64,
    ) -> Result<Vec<RgbImage>> {
        let input = self.canvas_input(canvas, hints)?.unsqueeze(0);
        let batch = input.repeat([k.max(1) as i64, 1, 1, 1]);
        tch::manual_seed(seed as i64);
        let colour = self.try_forward(&batch, ForwardMode::Dropout)?; // [k, 3, H, W]
        (0..k.max(1) as i64)
            .map(|i| tensor_to_rgb(&colour.get(i)))
            .collect()
    }

    /// The network's input for a canvas: `[1 (+ 4), H, W]`, the line art and, when hinted,
    /// the hint channels (their spread radius scaled from the training size to the sketch).
    fn canvas_input(&self, canvas: &WorkCanvas, hints: Option<&HintMap>) -> Result<Tensor> {
        let line = gray_to_tensor(&canvas.image); // [1, H, W]
        Ok(match hints {
            Some(_) if !self.cfg.takes_hints() => return Err(Error::NoHintChannels),
            Some(map) => {
                let p = &canvas.placement;
                let scale = f64::from(p.w.max(p.h)) / self.cfg.image_size as f64;
                let radius = (f64::from(self.cfg.hint_spread) * scale).round() as u32;
                let hints = hint_channels(&canvas.image, map, radius);
                Tensor::cat(&[line, hints], 0) // [1 + 4, H, W]
            }
            None => line,
        })
    }
}

/// The sketch at working resolution, centred on a white canvas the U-Net accepts.
#[derive(Debug, Clone)]
pub struct WorkCanvas {
    /// The padded canvas (sides are multiples of the U-Net's multiple).
    pub image: GrayImage,
    /// Where the scaled sketch sits on the canvas (also where its hints go).
    pub placement: Placement,
    /// The solid fills the hints colour (`hints::coloured_fills`, canvas-sized), set by
    /// `Colorizer::canvas_hints`: `finish` gives them the network's colour instead of ink.
    pub fills: Option<GrayImage>,
}

impl WorkCanvas {
    /// Scales `gray` so its longer side is `work_size` and pads it with white to multiples
    /// of `multiple`.
    pub fn new(gray: &GrayImage, work_size: u32, multiple: u32) -> Self {
        let p = Placement::fit(gray.width(), gray.height(), work_size, multiple);
        let scaled = resize_gray(gray, p.w, p.h);
        let (image, (x, y)) = pad_centered(&scaled, p.canvas_w, p.canvas_h, Luma([255]));
        debug_assert_eq!((x, y), (p.x, p.y), "pad_centered centres as Placement::fit");
        WorkCanvas {
            image,
            placement: p,
            fills: None,
        }
    }

    /// The part of a canvas-sized image that holds the sketch.
    pub fn crop<'a, I: image::GenericImageView>(&self, img: &'a I) -> image::SubImage<&'a I> {
        let p = &self.placement;
        imageops::crop_imm(img, p.x, p.y, p.w, p.h)
    }
}

/// Refuses a `config.json` whose network needs far more memory than `weights` could fill
/// (at least one byte per convolution weight, as `export --int8` stores them), before that
/// network is allocated: a model directory from elsewhere must not be able to ask for
/// terabytes with a few bytes of JSON. Smaller mismatches are left to the weight check,
/// which names the tensors.
fn check_weights_size(weights: &Path, cfg: &ModelConfig) -> Result<()> {
    let len = std::fs::metadata(weights)
        .map_err(|e| Error::io(weights, e))?
        .len();
    let needed = UnetGenerator::conv_weight_count(cfg);
    if needed > u128::from(len) {
        return Err(Error::Model {
            path: weights.to_path_buf(),
            reason: format!(
                "holds {len} bytes, but the network its config.json describes needs at least \
                 {needed} bytes of weights: the two files do not belong together"
            ),
        });
    }
    Ok(())
}

/// Reads a sketch in any supported format (PNG, JPEG, WebP, SVG, ...) as training data is
/// read (`data_prep::load::load_gray`): alpha composited on white, colour converted to grey.
pub fn load_sketch(path: &Path) -> Result<GrayImage> {
    Ok(load_gray(path, &LoadLimits::default())?)
}

/// Writes a PNG atomically (`data_prep::fs::write_atomic`).
pub fn save_png_atomic<P>(img: &image::ImageBuffer<P, Vec<u8>>, path: &Path) -> Result<()>
where
    P: image::Pixel<Subpixel = u8> + image::PixelWithColorType,
{
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, image::ImageFormat::Png)
        .map_err(|e| Error::Image {
            path: path.to_path_buf(),
            reason: format!("cannot encode PNG: {e}"),
        })?;
    write_atomic(path, bytes.get_ref()).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scaled_sketch_fills_exactly_its_placement_on_the_canvas() {
        for &(w, h, work, multiple) in &[
            (2000, 1500, 128, 128),
            (1500, 2000, 128, 128),
            (300, 100, 256, 32),
            (37, 37, 64, 16),
            (1, 500, 128, 128),
            (999, 3, 100, 8),
            (50, 40, 128, 1),
        ] {
            let c = WorkCanvas::new(&GrayImage::new(w, h), work, multiple); // all ink
            let p = c.placement;
            assert_eq!(p, Placement::fit(w, h, work, multiple));
            assert_eq!(c.image.dimensions(), (p.canvas_w, p.canvas_h));
            for (x, y, v) in c.image.enumerate_pixels() {
                let inside = (p.x..p.x + p.w).contains(&x) && (p.y..p.y + p.h).contains(&y);
                assert_eq!(v[0], if inside { 0 } else { 255 }, "{w}x{h} at ({x}, {y})");
            }
        }
    }
}
