//! Solid fills: areas of ink too wide to be a line (manga hair, the black shapes of
//! high-contrast icons). A hint may sit on one as on paper: the simulation draws hints there
//! too, spreading walks a hint on a fill across that fill only, and a hinted fill is
//! coloured in the finished image instead of staying ink (`coloured_fills`).

use std::collections::VecDeque;

use image::{GrayImage, Luma};

use super::{HintMap, INK_LEVEL};

/// Whether `(x, y)` is inside a solid fill: ink whose eight neighbours are all inside the
/// image and ink. A line up to two pixels wide has no such pixel, so hints on lines stay
/// forbidden; a fill keeps all but its one-pixel rim. Checked where it is asked (a few
/// pixels per hint), not for the whole image.
pub fn is_solid(line: &GrayImage, x: u32, y: u32) -> bool {
    let (w, h) = line.dimensions();
    x >= 1
        && y >= 1
        && x + 1 < w
        && y + 1 < h
        && (y - 1..=y + 1).all(|ny| (x - 1..=x + 1).all(|nx| line[(nx, ny)][0] < INK_LEVEL))
}

/// [`is_solid`] of the pixel at row-major index `i`.
pub(super) fn solid_at(line: &GrayImage, i: usize) -> bool {
    let w = line.width() as usize;
    is_solid(line, (i % w) as u32, (i / w) as u32)
}

/// The solid-fill pixels a user's hints colour: every fill pixel 4-connected, over the fill,
/// to a hint on the fill (the whole fill, whatever the spread radius). 255 there, 0 elsewhere;
/// `None` when no hint sits on a fill.
///
/// # Panics
/// If `line` and `map` differ in size.
pub fn coloured_fills(line: &GrayImage, map: &HintMap) -> Option<GrayImage> {
    assert_eq!(line.dimensions(), map.dimensions(), "sizes must match");
    let (w, h) = line.dimensions();
    let mut reached = vec![false; w as usize * h as usize];
    let mut queue: VecDeque<usize> = map
        .hinted_pixels()
        .filter(|&(x, y, _)| is_solid(line, x, y))
        .map(|(x, y, _)| (y * w + x) as usize)
        .collect();
    if queue.is_empty() {
        return None;
    }
    queue.iter().for_each(|&i| reached[i] = true);
    while let Some(i) = queue.pop_front() {
        for j in neighbours4(i, w as usize, h as usize).into_iter().flatten() {
            if !reached[j] && solid_at(line, j) {
                reached[j] = true;
                queue.push_back(j);
            }
        }
    }
    let data = reached.iter().map(|&r| if r { 255 } else { 0 }).collect();
    Some(GrayImage::from_raw(w, h, data).expect("one byte per pixel"))
}

/// Lightens `gray` to paper where `fills` (the same size) says a fill is coloured: the
/// maximum of the two, so a partly covered (resized) edge pixel becomes partly paper.
pub fn lift_fills(gray: &mut GrayImage, fills: &GrayImage) {
    assert_eq!(gray.dimensions(), fills.dimensions(), "sizes must match");
    for (g, f) in gray.pixels_mut().zip(fills.pixels()) {
        *g = Luma([g[0].max(f[0])]);
    }
}

/// The 4-neighbours of pixel `i` in a `w` x `h` row-major image (left, right, up, down).
pub(crate) fn neighbours4(i: usize, w: usize, h: usize) -> [Option<usize>; 4] {
    let (x, y) = (i % w, i / w);
    [
        (x > 0).then(|| i - 1),
        (x + 1 < w).then(|| i + 1),
        (y > 0).then(|| i - w),
        (y + 1 < h).then(|| i + w),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// Paper with a 2-px vertical line at x = 2..4 and a 5x5 fill at x, y = 6..11.
    fn sketch() -> GrayImage {
        GrayImage::from_fn(14, 14, |x, y| {
            let line = (2..4).contains(&x) && (1..13).contains(&y);
            let fill = (6..11).contains(&x) && (6..11).contains(&y);
            Luma([if line || fill { 0 } else { 255 }])
        })
    }

    #[test]
    fn only_the_inside_of_wide_ink_is_solid() {
        let line = sketch();
        let at = |x: u32, y: u32| is_solid(&line, x, y);
        assert!(
            (1..13).all(|y| !at(2, y) && !at(3, y)),
            "a 2-px line is no fill"
        );
        for y in 6..11 {
            for x in 6..11 {
                let inner = (7..10).contains(&x) && (7..10).contains(&y);
                assert_eq!(at(x, y), inner, "({x}, {y})");
            }
        }
        let solid = line.enumerate_pixels().filter(|&(x, y, _)| at(x, y));
        assert_eq!(solid.count(), 9);
        // Ink touching the border is not solid there (its neighbours are outside).
        let black = GrayImage::from_pixel(3, 3, Luma([0]));
        let solid: Vec<bool> = black
            .enumerate_pixels()
            .map(|(x, y, _)| is_solid(&black, x, y))
            .collect();
        assert_eq!(
            solid,
            [false, false, false, false, true, false, false, false, false]
        );
        assert!(!is_solid(&GrayImage::new(0, 0), 0, 0));
    }

    #[test]
    fn a_hint_on_a_fill_colours_the_whole_fill_and_nothing_else() {
        let line = sketch();
        let mut map = HintMap::empty(14, 14);
        map.set(12, 12, Rgb([1, 2, 3])); // paper
        map.set(2, 5, Rgb([1, 2, 3])); // line
        assert_eq!(coloured_fills(&line, &map), None);
        map.set(8, 7, Rgb([200, 0, 0])); // the fill
        let fills = coloured_fills(&line, &map).expect("a hint on the fill");
        for (x, y, p) in fills.enumerate_pixels() {
            let want = if is_solid(&line, x, y) { 255 } else { 0 };
            assert_eq!(p[0], want, "({x}, {y})");
        }
    }

    #[test]
    fn lifting_keeps_the_lighter_value() {
        let mut gray = GrayImage::from_raw(3, 1, vec![0, 100, 250]).unwrap();
        let fills = GrayImage::from_raw(3, 1, vec![255, 50, 0]).unwrap();
        lift_fills(&mut gray, &fills);
        assert_eq!(gray.as_raw(), &vec![255, 100, 250]);
    }
}
