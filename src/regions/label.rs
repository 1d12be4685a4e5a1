//! From the ink mask to labelled areas: which pixels are lines, fills and paper, the
//! connected components of each, how the paper cut off by
//! gap closing is given back, and the final numbering.

use super::{close, ink, AreaKind, NO_AREA};

/// How gaps in lines are closed (measured side by side: `tests::gap_methods_*` and
/// `tests::measure_gap_methods_on_openmoji`). Only `TrappedBall` is used; `Closing` stays as
/// the measured alternative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GapMethod {
    /// Areas are the paper outside the ink's closing; the closed pixels stay [`NO_AREA`]
    /// (concave corners and cells narrower than the square included, unless a cell touches
    /// no area at all, when it is kept).
    #[cfg_attr(not(test), allow(dead_code))]
    Closing,
    /// Trapped-ball filling: areas start where a `(gap + 1)`-pixel square fits in the paper
    /// (outside the ink's dilation) and grow back over the paper to the lines; pixels where
    /// two areas meet stay [`NO_AREA`]; paper no area reaches is an area of its own.
    TrappedBall,
}

/// What each pixel is, before areas are labelled.
const LINE: u8 = 0;
/// Paper outside the gap-closing mask: the seed of a paper area.
const PAPER: u8 = 1;
/// Solid ink.
const FILL: u8 = 2;
/// Paper inside the gap-closing mask: given to an area afterwards, or not.
const PENDING: u8 = 3;

/// Areas before small ones are merged and labels renumbered: `labels` per pixel (0 = no
/// area), `kinds[l]` for label `l` (`None`: not an area, index 0 unused).
#[derive(Debug, Clone)]
pub(super) struct Provisional {
    pub labels: Vec<u32>,
    pub kinds: Vec<Option<AreaKind>>,
}

/// The areas of the ink mask `ink` with gaps up to `gap` closed by `method`.
pub(super) fn label_areas(
    ink: &[u8],
    width: u32,
    height: u32,
    gap: u32,
    method: GapMethod,
) -> Provisional {
    let mask = match method {
        GapMethod::Closing => close::close(ink, width, height, gap),
        GapMethod::TrappedBall => close::dilate(ink, width, height, gap),
    };
    let solid = ink::solid_mask(ink, width, height);
    let classes: Vec<u8> = ink
        .iter()
        .zip(&mask)
        .zip(&solid)
        .map(|((&i, &m), &s)| match (i, s, m) {
            (1, 1, _) => FILL,
            (1, _, _) => LINE,
            (_, _, 1) => PENDING,
            _ => PAPER,
        })
        .collect();
    // Paper is 4-connected, so a one-pixel diagonal line separates two areas.
    let mut labels = components4(&classes, width as usize);
    let count = labels.iter().copied().max().unwrap_or(0) as usize;
    let mut class_of = vec![LINE; count + 1];
    for (&l, &c) in labels.iter().zip(&classes) {
        class_of[l as usize] = c;
    }
    let mut kinds: Vec<Option<AreaKind>> = class_of
        .iter()
        .map(|&c| match c {
            PAPER => Some(AreaKind::Paper),
            FILL => Some(AreaKind::Fill),
            _ => None,
        })
        .collect();
    let w = width as usize;
    let reached = match method {
        GapMethod::Closing => touching_paper(&labels, &classes, &class_of, w),
        GapMethod::TrappedBall => grow(&mut labels, &classes, &class_of, w),
    };
    // Pending paper that no area reached is a cell of its own (a narrow cell the ball
    // does not fit in); pending paper that was reached keeps what growing gave it (0 for
    // the closing).
    for (l, c) in class_of.iter().enumerate() {
        if *c == PENDING && !reached[l] {
            kinds[l] = Some(AreaKind::Paper);
        }
    }
    for (l, &c) in labels.iter_mut().zip(&classes) {
        if c == PENDING && kinds[*l as usize].is_none() {
            *l = NO_AREA;
        }
    }
    Provisional { labels, kinds }
}

/// Connected components (4-neighbours) of equal non-[`LINE`] classes, labelled 1.. in the
/// raster order of their first pixel (as `imageproc::region_labelling::connected_components`
/// labels them: that one took 50 ms of a 1024 x 1024 sketch's time on this shared machine
/// through its per-pixel generic accessors; replacing it took `Regions::compute` from 123
/// to 85 ms wall in the same conditions). Two raster passes with union-find over
/// provisional labels.
pub(super) fn components4(classes: &[u8], w: usize) -> Vec<u32> {
    let n = classes.len();
    let mut labels = vec![0u32; n];
    let mut parent: Vec<u32> = vec![0];
    fn root(parent: &mut [u32], mut l: u32) -> u32 {
        while parent[l as usize] != l {
            let up = parent[parent[l as usize] as usize];
            parent[l as usize] = up;
            l = up;
        }
        l
    }
    // Row by row, so a pixel's column needs no division.
    for (y, row) in classes.chunks_exact(w).enumerate() {
        for (x, &c) in row.iter().enumerate() {
            if c == LINE {
                continue;
            }
            let i = y * w + x;
            let left = if x > 0 && row[x - 1] == c {
                labels[i - 1]
            } else {
                0
            };
            let up = if y > 0 && classes[i - w] == c {
                labels[i - w]
            } else {
                0
            };
            labels[i] = match (left, up) {
                (0, 0) => {
                    parent.push(parent.len() as u32);
                    parent.len() as u32 - 1
                }
                (l, 0) | (0, l) => l,
                (a, b) if a == b => a,
                (a, b) => {
                    let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                    // The smaller root wins, so a root is its component's first label.
                    let (lo, hi) = (ra.min(rb), ra.max(rb));
                    parent[hi as usize] = lo;
                    a.min(b)
                }
            };
        }
    }
    // Roots are first labels in raster order: renumber them compactly in that order.
    let mut compact = vec![0u32; parent.len()];
    let mut count = 0;
    for l in 1..parent.len() as u32 {
        let r = root(&mut parent, l);
        if r == l {
            count += 1;
            compact[l as usize] = count;
        } else {
            compact[l as usize] = compact[r as usize];
        }
    }
    for l in labels.iter_mut() {
        *l = compact[*l as usize];
    }
    labels
}

/// For each component label: whether it is pending paper that touches (4-neighbours) seed
/// paper. Pending labels stay on the pixels; the caller drops the touching ones.
fn touching_paper(labels: &[u32], classes: &[u8], class_of: &[u8], w: usize) -> Vec<bool> {
    let mut reached = vec![false; class_of.len()];
    let n = labels.len();
    for i in 0..n {
        if classes[i] != PENDING {
            continue;
        }
        let x = i % w;
        let touches = (x > 0 && classes[i - 1] == PAPER)
            || (x + 1 < w && classes[i + 1] == PAPER)
            || (i >= w && classes[i - w] == PAPER)
            || (i + w < n && classes[i + w] == PAPER);
        if touches {
            reached[labels[i] as usize] = true;
        }
    }
    reached
}

/// Trapped-ball growth: the seed paper areas grow over pending paper (4-neighbours), one
/// ring at a time, all areas at once. A pixel two areas reach in the same ring, or that
/// touches a pixel of a smaller label reached in that ring, becomes [`NO_AREA`] and stops
/// there: areas never touch without a line or such a pixel between them. Returns, per
/// pending component label, whether growth reached any of its pixels; pending pixels it
/// reached hold their area's label (or 0), the rest keep their component label.
fn grow(labels: &mut [u32], classes: &[u8], class_of: &[u8], w: usize) -> Vec<bool> {
    const UNSET: u32 = u32::MAX;
    const CONFLICT: u32 = u32::MAX - 1;
    let n = labels.len();
    let mut reached = vec![false; class_of.len()];
    // done: not pending, or pending and given a label (or 0) by growth.
    let mut done: Vec<bool> = classes.iter().map(|&c| c != PENDING).collect();
    let mut cand = vec![UNSET; n];
    // A pixel is (index, column): the column says which neighbours exist, no division.
    let neighbours = |i: usize, x: usize| {
        [
            (x > 0).then(|| (i - 1, x - 1)),
            (x + 1 < w).then(|| (i + 1, x + 1)),
            (i >= w).then(|| (i - w, x)),
            (i + w < n).then(|| (i + w, x)),
        ]
    };
    // The seed paper beside pending paper, found from the (fewer) pending pixels; a seed
    // may be listed twice, which changes nothing below.
    let mut frontier: Vec<(usize, usize)> = Vec::new();
    for (y, row) in classes.chunks_exact(w).enumerate() {
        for (x, _) in row.iter().enumerate().filter(|(_, &c)| c == PENDING) {
            let seeds = neighbours(y * w + x, x).into_iter().flatten();
            frontier.extend(seeds.filter(|&(j, _)| classes[j] == PAPER));
        }
    }
    let mut next = Vec::new();
    let mut loses = Vec::new();
    while !frontier.is_empty() {
        next.clear();
        for &(i, x) in &frontier {
            let l = labels[i];
            for (j, xj) in neighbours(i, x).into_iter().flatten() {
                if done[j] {
                    continue;
                }
                match cand[j] {
                    UNSET => {
                        cand[j] = l;
                        next.push((j, xj));
                    }
                    c if c != l => cand[j] = CONFLICT,
                    _ => {}
                }
            }
        }
        for &(j, _) in &next {
            reached[labels[j] as usize] = true;
            done[j] = true;
        }
        // A pixel beside a smaller label of the same ring gives way, so the two areas keep
        // a pixel between them; decided before anything changes, so the order is irrelevant.
        loses.clear();
        loses.extend(next.iter().map(|&(j, xj)| {
            let l = cand[j];
            // Earlier rings' winners of another label made `j` a conflict already;
            // losers hold CONFLICT, and UNSET and CONFLICT are above every label.
            l == CONFLICT
                || neighbours(j, xj)
                    .into_iter()
                    .flatten()
                    .any(|(k, _)| cand[k] < l)
        }));
        frontier.clear();
        for (&(j, xj), &lost) in next.iter().zip(&loses) {
            if lost {
                labels[j] = NO_AREA;
                cand[j] = CONFLICT;
            } else {
                labels[j] = cand[j];
                frontier.push((j, xj));
            }
        }
    }
    reached
}

/// Labels 1..=n in the order of each area's first pixel in raster order, and the kinds in
/// that order.
pub(super) fn renumber(provisional: &Provisional) -> (Vec<u32>, Vec<AreaKind>) {
    let mut new_label = vec![NO_AREA; provisional.kinds.len()];
    let mut kinds = Vec::new();
    let labels = provisional
        .labels
        .iter()
        .map(|&l| {
            if l == NO_AREA {
                return NO_AREA;
            }
            let slot = &mut new_label[l as usize];
            if *slot == NO_AREA {
                kinds.push(provisional.kinds[l as usize].expect("labelled pixels are areas"));
                *slot = kinds.len() as u32;
            }
            *slot
        })
        .collect();
    (labels, kinds)
}
