//! How the `upload` fuzz target (and its replay test, `tests/it/serve.rs`) splits one input
//! into the fields of a `POST /api/colorize` upload: byte 0 holds flags (bit 0: a hints
//! file; bits 2..: a work size of 16 x that number, 0 = none), bytes 1-2 the sketch's
//! length (little endian); then the sketch, then the hints.

/// The fields of one upload: the sketch, the hints, the `work_size` text.
pub type Fields<'a> = (&'a [u8], Option<&'a [u8]>, Option<String>);

/// The fields of a fuzz input; `None` when it is too short.
pub fn split(data: &[u8]) -> Option<Fields<'_>> {
    let (&flags, rest) = data.split_first()?;
    let len = u16::from_le_bytes([*rest.first()?, *rest.get(1)?]) as usize;
    let rest = &rest[2..];
    let (sketch, tail) = rest.split_at(len.min(rest.len()));
    let hints = (flags & 1 == 1).then_some(tail);
    let work = (flags >> 2 != 0).then(|| (u32::from(flags >> 2) * 16).to_string());
    Some((sketch, hints, work))
}
