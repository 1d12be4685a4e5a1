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
    let dist = distance_to_edge(labels, w, h);
    // Slot 0 collects the lines' pixels, so the loop needs no branch for them.
    let n = kinds.len() + 1;
    let (mut size, mut best) = (vec![0u32; n], vec![0u16; n]);
    let mut point = vec![(0u32, 0u32); n];
    for (y, (row, drow)) in labels.chunks_exact(w).zip(dist.chunks_exact(w)).enumerate() {
        for (x, (&l, &d)) in row.iter().zip(drow).enumerate() {
            let l = l as usize;
            size[l] += 1;
            if d > best[l] {
                best[l] = d;
                point[l] = (x as u32, y as u32);
            }
        }
    }
    let mut on_border = vec![false; n];
    let last = &labels[(h - 1) * w..];
    for &l in labels[..w].iter().chain(last) {
        on_border[l as usize] = true;
    }
    for row in labels.chunks_exact(w) {
        on_border[row[0] as usize] = true;
        on_border[row[w - 1] as usize] = true;
    }
    kinds
        .iter()
        .enumerate()
        .map(|(i, &kind)| Area {
            label: i as u32 + 1,
            kind,
            size: size[i + 1],
            touches_border: on_border[i + 1],
            inner_point: point[i + 1],
        })
        .collect()
}

/// Per pixel of an area, the chessboard distance to the nearest pixel outside it (1 on its
/// edge, saturating at `u16::MAX`); 0 on lines. Forward then backward raster pass over
/// 8-neighbours, where a neighbour of another label (or outside the image) is at distance
/// 0. Each row is done in two steps: the three neighbours in the row already finished
/// (above in the forward pass, below in the backward one) for all pixels at once, a loop
/// the compiler vectorises; then the one neighbour in the same row, a serial scan.
fn distance_to_edge(labels: &[u32], w: usize, h: usize) -> Vec<u16> {
    let mut d = vec![0u16; w * h];
    let mut m = vec![0u16; w];
    for y in 0..h {
        let row = y * w;
        let (done, rest) = d.split_at_mut(row);
        let lc = &labels[row..row + w];
        if y == 0 {
            m.fill(0);
        } else {
            finished_row(lc, &labels[row - w..row], &done[row - w..], &mut m);
        }
        along_row(lc, &m, &mut rest[..w], 0..w);
    }
    for y in (0..h).rev() {
        let row = y * w;
        let (head, below) = d.split_at_mut(row + w);
        let lc = &labels[row..row + w];
        if y + 1 == h {
            m.fill(0);
        } else {
            finished_row(lc, &labels[row + w..row + 2 * w], &below[..w], &mut m);
        }
        along_row(lc, &m, &mut head[row..], (0..w).rev());
    }
    d
}

/// `m[x]`: the least distance among the three pixels of the finished row `(lf, df)` next to
/// `x` (a pixel of another label counts 0; so do the columns outside the image).
fn finished_row(lc: &[u32], lf: &[u32], df: &[u16], m: &mut [u16]) {
    let w = lc.len();
    let at = |l: u32, label: u32, dist: u16| if label == l { dist } else { 0 };
    m[0] = 0;
    m[w - 1] = 0;
    for x in 1..w.saturating_sub(1) {
        let l = lc[x];
        m[x] =
            at(l, lf[x - 1], df[x - 1])
                .min(at(l, lf[x], df[x]))
                .min(at(l, lf[x + 1], df[x + 1]));
    }
}

/// The serial step of one row in the order `xs`: each area pixel takes one more than the
/// least of `m[x]` and the previous pixel's distance in that order (0 where that is another
/// label or outside), never more than it holds already (the backward pass).
fn along_row(lc: &[u32], m: &[u16], cur: &mut [u16], xs: impl Iterator<Item = usize>) {
    let (mut prev, mut prev_label) = (0u16, NO_AREA);
    for x in xs {
        let l = lc[x];
        if l == NO_AREA {
            prev_label = NO_AREA;
            continue;
        }
        let left = if prev_label == l { prev } else { 0 };
        let v = left.min(m[x]).saturating_add(1);
        // The forward pass starts from 0 everywhere, so `min` with 0 must not win there:
        // cur holds 0 only on a pixel not yet visited.
        let v = if cur[x] == 0 { v } else { cur[x].min(v) };
        cur[x] = v;
        prev = v;
        prev_label = l;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The chessboard distance from (x, y) to the nearest pixel not of its label, the
    /// outside of the image included, by looking at every pixel.
    fn brute_force(labels: &[u32], w: usize, h: usize, x: usize, y: usize) -> u16 {
        let l = labels[y * w + x];
        let outside = (x + 1).min(y + 1).min(w - x).min(h - y);
        let other = (0..h)
            .flat_map(|qy| (0..w).map(move |qx| (qx, qy)))
            .filter(|&(qx, qy)| labels[qy * w + qx] != l)
            .map(|(qx, qy)| qx.abs_diff(x).max(qy.abs_diff(y)))
            .min()
            .unwrap_or(usize::MAX);
        outside.min(other) as u16
    }

    #[test]
    fn distances_match_a_brute_force_search_on_scrambled_labels() {
        // Blobs of three labels and lines (0), from a fixed hash: irregular shapes,
        // concave corners and one-pixel necks.
        let (w, h) = (23, 17);
        let labels: Vec<u32> = (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as u32, (i / w) as u32);
                let coarse = mix((x / 4) * 31 + (y / 3) * 17) % 4;
                if mix(i as u32) % 13 == 0 {
                    NO_AREA
                } else {
                    coarse
                }
            })
            .collect();
        let d = distance_to_edge(&labels, w, h);
        for y in 0..h {
            for x in 0..w {
                let want = if labels[y * w + x] == NO_AREA {
                    0
                } else {
                    brute_force(&labels, w, h, x, y)
                };
                assert_eq!(d[y * w + x], want, "at ({x}, {y})");
            }
        }
        // One big area: the centre of a 9 x 7 block is 4 from the outside.
        let block = vec![1u32; 9 * 7];
        let d = distance_to_edge(&block, 9, 7);
        assert_eq!(d.iter().max(), Some(&4));
        assert_eq!(d[3 * 9 + 4], 4);
    }
}
