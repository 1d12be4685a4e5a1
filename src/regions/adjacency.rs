//! Which areas face each other across a line: the areas near a line pixel, the neighbour
//! pairs, the merging of small areas into the neighbour they share the longest border with,
//! and the nearest area of every line pixel.

use super::label::Provisional;
use super::{AreaKind, MERGE_REACH, NO_AREA};

/// The areas near one line pixel, reached through line pixels: a breadth-first walk over
/// 8-neighbours, at most `reach` steps, in a `(2 reach + 1)`-square window whose visited
/// marks are reused from pixel to pixel.
struct Near {
    reach: usize,
    side: usize,
    seen: Vec<u32>,
    stamp: u32,
    queue: Vec<(usize, usize, usize)>,
    found: Vec<u32>,
}

impl Near {
    fn new(reach: u32) -> Self {
        let reach = reach as usize;
        let side = 2 * reach + 1;
        Near {
            reach,
            side,
            seen: vec![0; side * side],
            stamp: 0,
            queue: Vec::new(),
            found: Vec::new(),
        }
    }

    /// The sorted, distinct labels of the area pixels within `reach` steps of the line
    /// pixel `(x, y)`, every step but the last on a line pixel.
    fn labels(&mut self, labels: &[u32], w: usize, h: usize, x: usize, y: usize) -> &[u32] {
        self.found.clear();
        self.queue.clear();
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.fill(0);
            self.stamp = 1;
        }
        let r = self.reach;
        let mark = |seen: &mut [u32], stamp: u32, nx: usize, ny: usize| {
            // Window coordinates: (nx, ny) relative to (x - r, y - r).
            let k = (ny + r - y) * (2 * r + 1) + (nx + r - x);
            let fresh = seen[k] != stamp;
            seen[k] = stamp;
            fresh
        };
        mark(&mut self.seen, self.stamp, x, y);
        self.queue.push((x, y, 0));
        let mut head = 0;
        while head < self.queue.len() {
            let (cx, cy, depth) = self.queue[head];
            head += 1;
            if depth == r {
                continue;
            }
            for ny in cy.saturating_sub(1)..=(cy + 1).min(h - 1) {
                for nx in cx.saturating_sub(1)..=(cx + 1).min(w - 1) {
                    if !mark(&mut self.seen, self.stamp, nx, ny) {
                        continue;
                    }
                    let l = labels[ny * w + nx];
                    if l == NO_AREA {
                        self.queue.push((nx, ny, depth + 1));
                    } else {
                        self.found.push(l);
                    }
                }
            }
        }
        debug_assert!(self.side * self.side == self.seen.len());
        self.found.sort_unstable();
        self.found.dedup();
        &self.found
    }
}

/// Pairs of areas `(a, b)`, `a < b`, with a line pixel that has both within `reach` steps.
pub(super) fn neighbours(labels: &[u32], width: u32, height: u32, reach: u32) -> Vec<(u32, u32)> {
    let (w, h) = (width as usize, height as usize);
    let mut near = Near::new(reach);
    let mut pairs = Vec::new();
    if reach == 0 {
        return pairs;
    }
    for (i, &l) in labels.iter().enumerate() {
        if l != NO_AREA {
            continue;
        }
        let found = near.labels(labels, w, h, i % w, i / w);
        for (k, &a) in found.iter().enumerate() {
            for &b in &found[k + 1..] {
                pairs.push((a, b));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Merges every paper area smaller than `min_area` pixels into the paper area it shares
/// the longest border with: the number of line pixels that have both within
/// [`MERGE_REACH`] (the adjacency of [`neighbours`]); ties go to the smaller label. Small
/// areas are taken smallest first (then by label), so a speck joins its cell before the
/// cell is itself considered; an area that has grown past `min_area` by absorbing specks
/// stays. One with no paper neighbour (a hole inside a fill) stays as it is. Fills are
/// never merged, and nothing merges into a fill: a fill is ink the style keeps.
pub(super) fn merge_small(p: &mut Provisional, width: u32, height: u32, min_area: u32) {
    let (w, h) = (width as usize, height as usize);
    let mut size = vec![0u32; p.kinds.len()];
    for &l in &p.labels {
        size[l as usize] += 1;
    }
    let is_paper = |l: u32| p.kinds[l as usize] == Some(AreaKind::Paper);
    let small: Vec<bool> = (0..p.kinds.len() as u32)
        .map(|l| is_paper(l) && size[l as usize] < min_area)
        .collect();
    if !small.iter().any(|&s| s) {
        return;
    }
    // The line pixels within reach of a small area: their label sets give the borders.
    let r = MERGE_REACH as usize;
    let mut visited = vec![false; w * h];
    let mut near = Near::new(MERGE_REACH);
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for (i, &l) in p.labels.iter().enumerate() {
        if !small[l as usize] {
            continue;
        }
        let (x, y) = (i % w, i / w);
        for ny in y.saturating_sub(r)..=(y + r).min(h - 1) {
            for nx in x.saturating_sub(r)..=(x + r).min(w - 1) {
                let j = ny * w + nx;
                if p.labels[j] != NO_AREA || visited[j] {
                    continue;
                }
                visited[j] = true;
                let found = near.labels(&p.labels, w, h, nx, ny);
                for &s in found.iter().filter(|&&s| small[s as usize]) {
                    pairs.extend(
                        found
                            .iter()
                            .filter(|&&n| n != s && is_paper(n))
                            .map(|&n| (s, n)),
                    );
                }
            }
        }
    }
    pairs.sort_unstable();
    // (small, neighbour, shared border) runs.
    let mut borders: Vec<(u32, u32, u32)> = Vec::new();
    for &(s, n) in &pairs {
        match borders.last_mut() {
            Some(last) if (last.0, last.1) == (s, n) => last.2 += 1,
            _ => borders.push((s, n, 1)),
        }
    }
    let mut parent: Vec<u32> = (0..p.kinds.len() as u32).collect();
    fn find(parent: &mut [u32], mut l: u32) -> u32 {
        while parent[l as usize] != l {
            let up = parent[parent[l as usize] as usize];
            parent[l as usize] = up;
            l = up;
        }
        l
    }
    let mut order: Vec<u32> = (0..p.kinds.len() as u32)
        .filter(|&l| small[l as usize])
        .collect();
    order.sort_by_key(|&l| (size[l as usize], l));
    for s in order {
        let root = find(&mut parent, s);
        if size[root as usize] >= min_area {
            continue;
        }
        let start = borders.partition_point(|b| b.0 < s);
        let mut best: Option<(u32, u32)> = None; // (border, neighbour's root)
        for &(_, n, border) in borders[start..].iter().take_while(|b| b.0 == s) {
            let target = find(&mut parent, n);
            if target == root {
                continue;
            }
            // Longest border first; on a tie the smaller neighbour (borders are sorted by
            // neighbour, so the first of equal borders is kept).
            if best.is_none_or(|(b, _)| border > b) {
                best = Some((border, target));
            }
        }
        if let Some((_, target)) = best {
            parent[root as usize] = target;
            size[target as usize] += size[root as usize];
        }
    }
    for l in p.labels.iter_mut() {
        if *l != NO_AREA {
            *l = find(&mut parent, *l);
        }
    }
}

/// Every pixel's nearest area: breadth-first over 8-neighbours from all area pixels at
/// once, one ring at a time; a line pixel reached from several areas in the same ring takes
/// the smallest label.
pub(super) fn nearest_labels(labels: &[u32], width: u32, height: u32) -> Vec<u32> {
    let (w, h) = (width as usize, height as usize);
    let mut out = labels.to_vec();
    // A line pixel is done once a ring has reached it; area pixels are done from the start.
    let mut done: Vec<bool> = labels.iter().map(|&l| l != NO_AREA).collect();
    // Visits the 8-neighbours of (x, y) with their index; pixels travel as (x, y) so no
    // division is needed to find them.
    let around = |x: usize, y: usize, f: &mut dyn FnMut(usize, usize, usize)| {
        for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
            for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                f(ny * w + nx, nx, ny);
            }
        }
    };
    // Ring 1: the line pixels beside an area take the smallest label around them.
    let mut frontier: Vec<(usize, usize)> = Vec::new();
    for y in 0..h {
        for x in 0..w {
            if labels[y * w + x] != NO_AREA {
                continue;
            }
            let mut best = NO_AREA;
            around(x, y, &mut |j, _, _| {
                let l = labels[j];
                if l != NO_AREA && (best == NO_AREA || l < best) {
                    best = l;
                }
            });
            if best != NO_AREA {
                out[y * w + x] = best;
                frontier.push((x, y));
            }
        }
    }
    for &(x, y) in &frontier {
        done[y * w + x] = true;
    }
    let mut next = Vec::new();
    while !frontier.is_empty() {
        next.clear();
        for &(x, y) in &frontier {
            let l = out[y * w + x];
            around(x, y, &mut |j, nx, ny| {
                if done[j] {
                    return;
                }
                if out[j] == NO_AREA {
                    out[j] = l;
                    next.push((nx, ny));
                } else {
                    out[j] = out[j].min(l);
                }
            });
        }
        for &(x, y) in &next {
            done[y * w + x] = true;
        }
        std::mem::swap(&mut frontier, &mut next);
    }
    out
}
