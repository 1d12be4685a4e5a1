//! Point hints from the shell (`--hint X,Y,#RRGGBB`): parsing and rendering them as discs
//! on a transparent, sketch-sized hints image.

use std::str::FromStr;

use image::{Rgb, Rgba, RgbaImage};
use imageproc::drawing::draw_filled_circle_mut;

use super::HintError;

/// A dot hint in sketch pixel coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointHint {
    /// Column, 0 at the left.
    pub x: u32,
    /// Row, 0 at the top.
    pub y: u32,
    /// The colour the user asks for there.
    pub colour: Rgb<u8>,
}

impl FromStr for PointHint {
    type Err = HintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_hint(s)
    }
}

/// Parses `X,Y,#RRGGBB` (spaces around parts allowed; `#` optional; hex digits in either
/// case). The error names the part that is wrong and what was expected there.
pub fn parse_hint(s: &str) -> Result<PointHint, HintError> {
    let bad = |reason: String| HintError::Parse {
        input: s.to_string(),
        reason,
    };
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    if parts.len() != 3 {
        return Err(bad(format!(
            "expected 3 comma-separated parts, got {}",
            parts.len()
        )));
    }
    let coord = |name: &str, v: &str| {
        v.parse::<u32>().map_err(|_| {
            bad(format!(
                "{name} `{v}` is not a pixel coordinate (a whole number >= 0)"
            ))
        })
    };
    let x = coord("X", parts[0])?;
    let y = coord("Y", parts[1])?;
    let hex = parts[2].strip_prefix('#').unwrap_or(parts[2]);
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad(format!(
            "colour `{}` is not 6 hexadecimal digits RRGGBB",
            parts[2]
        )));
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("checked hex digits");
    Ok(PointHint {
        x,
        y,
        colour: Rgb([channel(0), channel(2), channel(4)]),
    })
}

/// Radius in sketch pixels that makes a dot about 3 working pixels wide once the
/// `sketch_w` x `sketch_h` sketch is scaled to `work_size` (1.5 working pixels), at least 1.
pub fn dot_radius(sketch_w: u32, sketch_h: u32, work_size: u32) -> u32 {
    let side = f64::from(sketch_w.max(sketch_h));
    ((1.5 * side / f64::from(work_size.max(1))).round() as u32).max(1)
}

/// A transparent `width` x `height` hints image with each point drawn as an opaque filled
/// disc of `radius` pixels in its colour (later points over earlier ones). A point outside
/// the sketch is an error naming it and the sketch size.
pub fn render_points(
    points: &[PointHint],
    width: u32,
    height: u32,
    radius: u32,
) -> Result<RgbaImage, HintError> {
    let mut img = RgbaImage::new(width, height);
    draw_points(&mut img, points, radius)?;
    Ok(img)
}

/// Draws each point as an opaque filled disc of `radius` pixels over `img` (a hints image
/// of the sketch's size). A point outside it is an error naming it and the size.
pub fn draw_points(
    img: &mut RgbaImage,
    points: &[PointHint],
    radius: u32,
) -> Result<(), HintError> {
    let (width, height) = img.dimensions();
    if let Some(p) = points.iter().find(|p| p.x >= width || p.y >= height) {
        return Err(HintError::OutOfBounds {
            x: p.x,
            y: p.y,
            width,
            height,
        });
    }
    let to_i32 = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    for p in points {
        let [r, g, b] = p.colour.0;
        let centre = (to_i32(p.x), to_i32(p.y));
        draw_filled_circle_mut(img, centre, to_i32(radius), Rgba([r, g, b, 255]));
    }
    Ok(())
}

/// A user's hints for one sketch: a hints image (`--hints`) and/or point hints (`--hint`),
/// the points drawn over the image.
#[derive(Debug, Clone, Default)]
pub struct UserHints {
    /// An RGBA image the size of the sketch (transparent = no hint).
    pub image: Option<RgbaImage>,
    /// Dots in sketch pixels.
    pub points: Vec<PointHint>,
}

impl UserHints {
    /// Whether neither an image nor a point was given.
    pub fn is_empty(&self) -> bool {
        self.image.is_none() && self.points.is_empty()
    }

    /// The sketch-sized RGBA hints for a `width` x `height` sketch coloured at `work_size`:
    /// the image (checked to have the sketch's size) with the points drawn as dots about
    /// three working pixels wide (`dot_radius`).
    pub fn for_sketch(
        &self,
        width: u32,
        height: u32,
        work_size: u32,
    ) -> Result<RgbaImage, HintError> {
        let mut img = match &self.image {
            Some(i) if i.dimensions() != (width, height) => {
                return Err(HintError::SizeMismatch {
                    hints: i.dimensions(),
                    sketch: (width, height),
                })
            }
            Some(i) => i.clone(),
            None => RgbaImage::new(width, height),
        };
        draw_points(&mut img, &self.points, dot_radius(width, height, work_size))?;
        Ok(img)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(s: &str) -> String {
        parse_hint(s).unwrap_err().to_string()
    }

    #[test]
    fn parse_hint_accepts_the_documented_forms() {
        let want = PointHint {
            x: 120,
            y: 80,
            colour: Rgb([0xff, 0x88, 0x00]),
        };
        assert_eq!(parse_hint("120,80,#ff8800").unwrap(), want);
        assert_eq!(parse_hint("120,80,FF8800").unwrap(), want);
        assert_eq!(parse_hint(" 120 , 80 , #Ff8800 ").unwrap(), want);
        assert_eq!("120,80,ff8800".parse::<PointHint>().unwrap(), want);
        let zero = parse_hint("0,0,#000000").unwrap();
        assert_eq!((zero.x, zero.y, zero.colour), (0, 0, Rgb([0, 0, 0])));
    }

    #[test]
    fn parse_hint_names_the_wrong_part() {
        let suffix = "(expected X,Y,#RRGGBB, e.g. 120,80,#ff8800)";
        assert_eq!(
            parse_err("12,34"),
            format!("invalid hint `12,34`: expected 3 comma-separated parts, got 2 {suffix}")
        );
        assert!(parse_err("1,2,#ff0000,4").contains("got 4"));
        assert!(parse_err("a,34,#ff0000")
            .contains("X `a` is not a pixel coordinate (a whole number >= 0)"));
        assert!(parse_err("12,-3,#ff0000").contains("Y `-3` is not a pixel coordinate"));
        assert!(parse_err("12,3.5,#ff0000").contains("Y `3.5`"));
        assert!(parse_err("1,2,#ff00").contains("colour `#ff00` is not 6 hexadecimal digits"));
        assert!(parse_err("1,2,#gg0000").contains("colour `#gg0000`"));
        assert!(parse_err("1,2,").contains("colour ``"));
        assert!(parse_err("1,2,#ff00001").contains("colour `#ff00001`"));
    }

    #[test]
    fn render_points_draws_opaque_discs_on_transparent_paper() {
        let pts = [
            parse_hint("5,5,#102030").unwrap(),
            parse_hint("0,9,#ffffff").unwrap(),
        ];
        let img = render_points(&pts, 12, 10, 1).unwrap();
        assert_eq!(img.dimensions(), (12, 10));
        // Radius 1: a plus of 5 pixels around (5, 5).
        for (x, y) in [(5, 5), (4, 5), (6, 5), (5, 4), (5, 6)] {
            assert_eq!(img[(x, y)], Rgba([0x10, 0x20, 0x30, 255]), "({x}, {y})");
        }
        assert_eq!(img[(0, 9)], Rgba([255, 255, 255, 255]));
        assert_eq!(img[(1, 9)], Rgba([255, 255, 255, 255]));
        let opaque = img.pixels().filter(|p| p[3] > 0).count();
        assert_eq!(opaque, 5 + 3, "the corner disc is clipped to 3 pixels");
        assert_eq!(img[(7, 7)], Rgba([0, 0, 0, 0]));
    }

    #[test]
    fn render_points_refuses_a_point_outside_the_sketch() {
        let pts = [
            parse_hint("3,3,#ff0000").unwrap(),
            parse_hint("40,9,#00ff00").unwrap(),
        ];
        let err = render_points(&pts, 40, 30, 2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "hint at (40, 9) is outside the 40x30 sketch (x must be below 40 and y below 30)"
        );
        assert!(render_points(&[parse_hint("0,30,#000000").unwrap()], 40, 30, 2).is_err());
        assert!(render_points(&[parse_hint("39,29,#000000").unwrap()], 40, 30, 2).is_ok());
    }

    #[test]
    fn dot_radius_is_a_working_pixel_and_a_half_in_sketch_pixels() {
        assert_eq!(dot_radius(2000, 1500, 128), 23); // 1.5 * 2000 / 128 = 23.4
        assert_eq!(dot_radius(1500, 2000, 256), 12); // 11.7
        assert_eq!(dot_radius(100, 80, 128), 1); // enlarging: at least 1
        assert_eq!(dot_radius(128, 128, 128), 2); // 1.5 rounds to 2
    }
}
