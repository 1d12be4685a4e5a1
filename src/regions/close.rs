//! Closing gaps in lines: a binary morphological closing of the ink mask with a square of
//! `gap + 1` pixels, so a break of up to `gap` pixels in a line (in any direction) is
//! bridged.
//!
//! A square is separable: each of the dilation and the erosion is a pass along the rows and
//! a pass along the columns with a running count, four linear passes in all whatever the
//! gap. (`imageproc::morphology::dilate` works through a chessboard distance transform of
//! the whole image, whose distances saturate at 255; not timed against this.)

/// The window of a dilation by a square of side `gap + 1`: offsets `-before..=after`.
fn window(gap: u32) -> (usize, usize) {
    let before = (gap / 2) as usize;
    (before, gap as usize - before)
}

/// The closing of `ink` (1 = ink, row-major `width` x `height`) by a `(gap + 1)`-pixel
/// square: 1 where ink is or where a straight break of up to `gap` pixels was bridged.
/// Outside the image counts as paper for the dilation and as ink for the erosion, so the
/// border neither grows ink nor eats it. A break in a diagonal line is not bridged (the
/// square does not fit in the bend): one reason areas start from the dilation's cores.
pub(super) fn close(ink: &[u8], width: u32, height: u32, gap: u32) -> Vec<u8> {
    if gap == 0 {
        return ink.to_vec();
    }
    let (w, h) = (width as usize, height as usize);
    let (before, after) = window(gap);
    // Erosion by the same B as the dilation: all of [x - before, x + after] set, done as
    // "no unset pixel there" on the complement.
    let mut closed = dilate(ink, width, height, gap);
    for p in closed.iter_mut() {
        *p ^= 1;
    }
    let mut rows = vec![0u8; w * h];
    rows_any(&closed, &mut rows, w, h, before, after);
    columns_any(&rows, &mut closed, w, h, before, after);
    for p in closed.iter_mut() {
        *p ^= 1;
    }
    closed
}

/// The dilation of `ink` by the `(gap + 1)`-pixel square B = offsets `[-before, after]`:
/// `ink + B`, i.e. 1 where any ink lies in `[x - after, x + before]` (and the same down the
/// columns). Where it is 0, a `(gap + 1)`-pixel ball fits in the paper: the cores that
/// trapped-ball filling starts from.
pub(super) fn dilate(ink: &[u8], width: u32, height: u32, gap: u32) -> Vec<u8> {
    if gap == 0 {
        return ink.to_vec();
    }
    let (w, h) = (width as usize, height as usize);
    let (before, after) = window(gap);
    let mut rows = vec![0u8; w * h];
    rows_any(ink, &mut rows, w, h, after, before);
    let mut dilated = vec![0u8; w * h];
    columns_any(&rows, &mut dilated, w, h, after, before);
    dilated
}

/// `out[x] = 1` where any of `src[x - back ..= x + ahead]` in the same row is 1 (clipped to
/// the row).
fn rows_any(src: &[u8], out: &mut [u8], w: usize, h: usize, back: usize, ahead: usize) {
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        let dst = &mut out[y * w..(y + 1) * w];
        // Running count of set pixels in the window [x - back, x + ahead].
        let mut count: u32 = row[..ahead.min(w)].iter().map(|&v| u32::from(v)).sum();
        for x in 0..w {
            if x + ahead < w {
                count += u32::from(row[x + ahead]);
            }
            if x > back {
                count -= u32::from(row[x - back - 1]);
            }
            dst[x] = u8::from(count > 0);
        }
    }
}

/// `out[y] = 1` where any of `src[y - back ..= y + ahead]` in the same column is 1 (clipped
/// to the column). Whole rows at a time, so the inner loops vectorise.
fn columns_any(src: &[u8], out: &mut [u8], w: usize, h: usize, back: usize, ahead: usize) {
    let mut count = vec![0u16; w];
    let add = |count: &mut [u16], row: &[u8]| {
        for (c, &v) in count.iter_mut().zip(row) {
            *c += u16::from(v);
        }
    };
    for y in 0..ahead.min(h) {
        add(&mut count, &src[y * w..(y + 1) * w]);
    }
    for y in 0..h {
        if y + ahead < h {
            add(&mut count, &src[(y + ahead) * w..(y + ahead + 1) * w]);
        }
        if y > back {
            let old = &src[(y - back - 1) * w..(y - back) * w];
            for (c, &v) in count.iter_mut().zip(old) {
                *c -= u16::from(v);
            }
        }
        for (o, &c) in out[y * w..(y + 1) * w].iter_mut().zip(count.iter()) {
            *o = u8::from(c > 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(rows: &[&str]) -> (Vec<u8>, u32, u32) {
        let h = rows.len() as u32;
        let w = rows[0].len() as u32;
        let data = rows
            .iter()
            .flat_map(|r| r.bytes().map(|b| u8::from(b == b'#')))
            .collect();
        (data, w, h)
    }

    #[test]
    fn a_two_pixel_break_is_bridged_with_gap_2_but_not_with_gap_1() {
        let (ink, w, h) = parse(&[".......", ".......", "##..###", ".......", "......."]);
        let closed = close(&ink, w, h, 2);
        assert_eq!(&closed[14..21], &[1, 1, 1, 1, 1, 1, 1]);
        // Nothing grows beside the line.
        assert!(closed[..14].iter().chain(&closed[21..]).all(|&v| v == 0));
        let closed = close(&ink, w, h, 1);
        assert_eq!(&closed[14..21], &[1, 1, 0, 0, 1, 1, 1]);
        // A one-pixel channel between a line and the border is sealed: the outside counts
        // as ink for the erosion.
        let (ink, w, h) = parse(&["##..###", "......."]);
        assert_eq!(close(&ink, w, h, 2)[7..], [1, 1, 1, 1, 1, 1, 1]);
    }

    #[test]
    fn a_diagonal_break_leaks_through_the_closing_but_not_between_the_cores() {
        let (ink, w, h) = parse(&["#....", ".#...", ".....", "...#.", "....#"]);
        let closed = close(&ink, w, h, 2);
        // The corners of the bends fill in, the break at (2, 2) stays open.
        #[rustfmt::skip]
        let expected = [
            1, 1, 0, 0, 0,
            1, 1, 0, 0, 0,
            0, 0, 0, 0, 0,
            0, 0, 0, 1, 1,
            0, 0, 0, 1, 1,
        ];
        assert_eq!(closed, expected);
        let dilated = dilate(&ink, w, h, 2);
        // Two 3 x 3 blocks meeting at (2, 2): the paper at (3, 1) and (1, 3) is cut apart.
        #[rustfmt::skip]
        let expected = [
            1, 1, 1, 0, 0,
            1, 1, 1, 0, 0,
            1, 1, 1, 1, 1,
            0, 0, 1, 1, 1,
            0, 0, 1, 1, 1,
        ];
        assert_eq!(dilated, expected);
        let (ink, w, h) = parse(&["#.#", "...", "..."]);
        // A break of one pixel in the top row is bridged without growing past the border.
        assert_eq!(close(&ink, w, h, 1), vec![1, 1, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(close(&ink, w, h, 0), ink);
    }
}
