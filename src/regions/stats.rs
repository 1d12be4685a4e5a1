//! What is known of each area once labels are final (size, border, a point well inside),
//! and the false-colour view.

use image::RgbImage;

use super::{Area, AreaKind, NO_AREA};

/// The areas of final `labels` (1..=kinds.len()).
///
/// The inner point is the pixel farthest (chessboard distance) from anything that is not
/// its area, the image's outside included, so a background area's point sits between the
/// drawing and the border rather than in a corner; the first such pixel in raster order
/// on a tie. The distance is a two-pass chamfer over the labels, one pass for all areas:
/// `imageproc::distance_transform` measures from one binary mask and saturates at 255, so
/// it would take a mask of area edges and still lose large areas' centres.
pub(super) fn areas(labels: &[u32], kinds: &[AreaKind], width: u32, height: u32) -> Vec<Area> {
    let (w, h) = (width as usize, height as usize);
    let mut areas: Vec<Area> = kinds
        .iter()
        .enumerate()
        .map(|(i, &kind)| Area {
            label: i as u32 + 1,
            kind,
            size: 0,
            touches_border: false,
            inner_point: (0, 0),
        })
        .collect();
    let dist = distance_to_edge(labels, w, h);
    let mut best = vec![0u32; kinds.len()];
    for (i, &l) in labels.iter().enumerate() {
        if l == NO_AREA {
            continue;
        }
        let (x, y) = (i % w, i / w);
        let area = &mut areas[l as usize - 1];
        area.size += 1;
        if x == 0 || y == 0 || x + 1 == w || y + 1 == h {
            area.touches_border = true;
        }
        if dist[i] > best[l as usize - 1] {
            best[l as usize - 1] = dist[i];
            area.inner_point = (x as u32, y as u32);
        }
    }
    areas
}

/// Per pixel of an area, the chessboard distance to the nearest pixel outside it (1 on its
/// edge); 0 on lines. Forward then backward raster pass over 8-neighbours, where a
/// neighbour of another label (or outside the image) is at distance 0. Runs on a copy with
/// a one-pixel frame of [`NO_AREA`], so the inner loops need no bounds checks.
fn distance_to_edge(labels: &[u32], w: usize, h: usize) -> Vec<u32> {
    let pw = w + 2;
    let mut padded = vec![NO_AREA; pw * (h + 2)];
    for y in 0..h {
        padded[(y + 1) * pw + 1..(y + 1) * pw + 1 + w].copy_from_slice(&labels[y * w..(y + 1) * w]);
    }
    let mut d = vec![0u32; padded.len()];
    let step = |d: &[u32], l: u32, j: usize| if padded[j] == l { d[j] + 1 } else { 1 };
    for y in 1..=h {
        for i in y * pw + 1..y * pw + 1 + w {
            let l = padded[i];
            if l != NO_AREA {
                d[i] = step(&d, l, i - 1)
                    .min(step(&d, l, i - pw - 1))
                    .min(step(&d, l, i - pw))
                    .min(step(&d, l, i - pw + 1));
            }
        }
    }
    for y in (1..=h).rev() {
        for i in (y * pw + 1..y * pw + 1 + w).rev() {
            let l = padded[i];
            if l != NO_AREA {
                let v = step(&d, l, i + 1)
                    .min(step(&d, l, i + pw + 1))
                    .min(step(&d, l, i + pw))
                    .min(step(&d, l, i + pw - 1));
                d[i] = d[i].min(v);
            }
        }
    }
    (0..h)
        .flat_map(|y| d[(y + 1) * pw + 1..(y + 1) * pw + 1 + w].to_vec())
        .collect()
}

/// Every area a colour from a fixed hash of its label, lines black. The hash's bytes are
/// lifted into 64..=255 so no area is mistaken for a line.
pub(super) fn false_colour(labels: &[u32], width: u32, height: u32) -> RgbImage {
    let data = labels
        .iter()
        .flat_map(|&l| {
            if l == NO_AREA {
                return [0, 0, 0];
            }
            let hash = mix(l);
            let channel = |shift: u32| 64 + ((hash >> shift) & 0xff) as u8 % 192;
            [channel(0), channel(8), channel(16)]
        })
        .collect();
    RgbImage::from_raw(width, height, data).expect("three bytes per pixel")
}

/// A 32-bit integer hash (the finaliser of MurmurHash3): neighbouring labels get unrelated
/// colours.
fn mix(mut v: u32) -> u32 {
    v ^= v >> 16;
    v = v.wrapping_mul(0x85eb_ca6b);
    v ^= v >> 13;
    v = v.wrapping_mul(0xc2b2_ae35);
    v ^= v >> 16;
    v
}
