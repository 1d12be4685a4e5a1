//! Finishing styles: how the network's colour becomes the picture, over the sketch's areas
//! ([`crate::regions`]).
//!
//! - `soft`: the network's colour as it is (the pix2pix look), lines laid over.
//! - `flat`: one colour per area, as a colourist's "flats": the mean of the hints inside the
//!   area when it holds any (a hint fills its whole area, like a paint bucket that respects
//!   the lines; two hint colours in one area give their mean, weighted by hinted pixels),
//!   else the network's colour for the area (the per-channel median in CIELAB). Paper areas
//!   touching the border stay paper unless hinted.
//! - `shaded`: the flat colour with the network's lightness variation inside the area, as a
//!   hard-light shading layer over the flats; paper stays clean.
//!
//! Every style ends the same way: the lines laid over by multiplication, so they stay as
//! crisp as drawn; solid fills keep their rules (ink unless hinted).
//!
//! The finished picture is built from its layers ([`Layers`]): lines (black ink, alpha =
//! 255 - grey), flats, shading (hard-light grey, 128 = no change) — so that a painting
//! program compositing the layers gets the same picture (`crate::layers` writes them).

use std::fmt;
use std::str::FromStr;

use image::{GrayImage, RgbImage};

use crate::hints::HintMap;
use crate::regions::Regions;

/// How the finished picture is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// The network's colour as it is.
    #[default]
    Soft,
    /// One colour per area.
    Flat,
    /// One colour per area with the network's lightness inside it.
    Shaded,
}

impl Style {
    /// Every style, in the order `--help` lists them.
    pub const ALL: [Style; 3] = [Style::Soft, Style::Flat, Style::Shaded];

    /// The name used on the command line, in forms and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Style::Soft => "soft",
            Style::Flat => "flat",
            Style::Shaded => "shaded",
        }
    }
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A style name that is not one of `soft`, `flat`, `shaded`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown style `{0}` (expected soft, flat or shaded)")]
pub struct UnknownStyle(pub String);

impl FromStr for Style {
    type Err = UnknownStyle;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Style::ALL
            .into_iter()
            .find(|st| st.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownStyle(s.to_string()))
    }
}

/// Neutral value of the shading layer (hard light with it changes nothing).
pub const NEUTRAL_SHADE: u8 = 128;

/// The layers of a finished picture, all at the sketch's size.
#[derive(Debug, Clone)]
pub struct Layers {
    /// The line art as laid over the colour: grey, 255 = paper (transparent in the file),
    /// 0 = full ink. Hinted solid fills are lifted to paper inside their rim.
    pub lines: GrayImage,
    /// The colour under the lines, before shading: per-area colours for `flat` and
    /// `shaded`, the network's colour for `soft`.
    pub flats: RgbImage,
    /// Hard-light shading over the flats ([`NEUTRAL_SHADE`] = none): only `shaded` has any.
    pub shading: GrayImage,
    /// The finished picture: `lines` over (`shading` hard-light over `flats`).
    pub merged: RgbImage,
}

/// Finishes one picture in `style`.
///
/// - `gray`: the sketch at its own size (as drawn);
/// - `lines`: the line art to lay over (the sketch, with hinted solid fills lifted);
/// - `colour`: the network's colour at the sketch's size, lines already flattened away
///   (what `soft` multiplies the lines onto);
/// - `regions`: the sketch's areas (`None` only for `soft`, which needs none);
/// - `hints`: the user's hints at the sketch's size.
pub fn finish(
    style: Style,
    lines: &GrayImage,
    colour: &RgbImage,
    regions: Option<&Regions>,
    hints: Option<&HintMap>,
) -> Layers {
    let _ = (style, lines, colour, regions, hints);
    todo!("style: finish")
}
