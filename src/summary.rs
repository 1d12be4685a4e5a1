//! TensorBoard event files (scalars, image grids) behind a small trait.
//!
//! Why our own writer rather than the `tensorboard-rs` crate (0.5.9, the ready-made one):
//! tried, it panics on I/O errors (also on its background thread), `flush()` only signals so
//! a process that exits without dropping the writer loses its events, non-square images come
//! out transposed, two writers in one directory within a second share a file name, and text /
//! hparams are `unimplemented!()`. The format itself is small: an event file is a sequence of
//! TFRecords (`u64` LE length, masked CRC32-C of the length, the bytes, masked CRC32-C of the
//! bytes) each holding a protobuf `Event`. About 150 lines give us typed errors, a write to
//! the OS after every call (a crash loses nothing already logged), unique file names and
//! images whose width and height are what they say.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use image::RgbImage;

use crate::run_dir::EVENTS_PREFIX;
use crate::{Error, Result};

/// Where training writes its summaries: TensorBoard files, or nothing (`NullSink`).
pub trait SummarySink {
    /// A scalar curve point (`loss/G_L1`, `lr`, ...).
    fn scalar(&mut self, tag: &str, step: u64, value: f64) -> Result<()>;
    /// An RGB image (stored as PNG).
    fn image(&mut self, tag: &str, step: u64, image: &RgbImage) -> Result<()>;
    /// Makes everything written so far durable (the writes themselves already reach the OS).
    fn flush(&mut self) -> Result<()>;
}

/// Discards everything.
#[derive(Debug, Default)]
pub struct NullSink;

impl SummarySink for NullSink {
    fn scalar(&mut self, _: &str, _: u64, _: f64) -> Result<()> {
        Ok(())
    }
    fn image(&mut self, _: &str, _: u64, _: &RgbImage) -> Result<()> {
        Ok(())
    }
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Writes `events.out.tfevents.<secs>.<host>.<pid>.<n>` in a directory.
#[derive(Debug)]
pub struct EventWriter {
    path: PathBuf,
    file: File,
}

/// Distinguishes writers opened by one process within the same second.
static FILE_COUNTER: AtomicU64 = AtomicU64::new(0);

impl EventWriter {
    /// Creates a new event file in `dir` (never reusing an existing name) and writes the
    /// `file_version` record TensorBoard expects first.
    pub fn create(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let secs = unix_time() as u64;
        let host = hostname();
        loop {
            let n = FILE_COUNTER.fetch_add(1, Ordering::Relaxed);
            let name = format!("{EVENTS_PREFIX}{secs}.{host}.{}.{n}", std::process::id());
            let path = dir.join(name);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    let mut writer = EventWriter { path, file };
                    let mut event = event_header(unix_time(), 0);
                    put_bytes(&mut event, 3, b"brain.Event:2");
                    writer.write_record(&event)?;
                    return Ok(writer);
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
    }

    /// The event file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_summary_value(&mut self, step: u64, value: &[u8]) -> Result<()> {
        let mut summary = Vec::new();
        put_bytes(&mut summary, 1, value); // Summary.value
        let mut event = event_header(unix_time(), step);
        put_bytes(&mut event, 5, &summary); // Event.summary
        self.write_record(&event)
    }

    /// One TFRecord, written with a single `write_all` so it goes to the OS at once.
    fn write_record(&mut self, data: &[u8]) -> Result<()> {
        let len = (data.len() as u64).to_le_bytes();
        let mut record = Vec::with_capacity(data.len() + 16);
        record.extend_from_slice(&len);
        record.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
        record.extend_from_slice(data);
        record.extend_from_slice(&masked_crc32c(data).to_le_bytes());
        self.file
            .write_all(&record)
            .map_err(|e| Error::io(&self.path, e))
    }
}

impl SummarySink for EventWriter {
    fn scalar(&mut self, tag: &str, step: u64, value: f64) -> Result<()> {
        let mut v = Vec::new();
        put_bytes(&mut v, 1, tag.as_bytes()); // Value.tag
        put_fixed32(&mut v, 2, (value as f32).to_bits()); // Value.simple_value
        self.write_summary_value(step, &v)
    }

    fn image(&mut self, tag: &str, step: u64, image: &RgbImage) -> Result<()> {
        let mut png = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| Error::io(&self.path, std::io::Error::other(e)))?;
        let mut img = Vec::new();
        put_varint_field(&mut img, 1, u64::from(image.height())); // Image.height
        put_varint_field(&mut img, 2, u64::from(image.width())); // Image.width
        put_varint_field(&mut img, 3, 3); // Image.colorspace: RGB
        put_bytes(&mut img, 4, &png); // Image.encoded_image_string
        let mut v = Vec::new();
        put_bytes(&mut v, 1, tag.as_bytes()); // Value.tag
        put_bytes(&mut v, 4, &img); // Value.image
        self.write_summary_value(step, &v)
    }

    fn flush(&mut self) -> Result<()> {
        self.file.sync_data().map_err(|e| Error::io(&self.path, e))
    }
}

fn unix_time() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The host name as TensorBoard's own writers put it in file names (dots would be ambiguous).
fn hostname() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let clean: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "localhost".into()
    } else {
        clean
    }
}

/// `Event { wall_time: 1 (double), step: 2 (int64) }`; the caller adds the payload field.
fn event_header(wall_time: f64, step: u64) -> Vec<u8> {
    let mut e = Vec::new();
    put_key(&mut e, 1, 1); // wire type 1: 64-bit
    e.extend_from_slice(&wall_time.to_le_bytes());
    put_varint_field(&mut e, 2, step);
    e
}

// Protobuf encoding: a key is (field << 3 | wire type); 0 varint, 1 fixed64, 2 bytes, 5 fixed32.

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn put_key(buf: &mut Vec<u8>, field: u32, wire_type: u8) {
    put_varint(buf, u64::from(field) << 3 | u64::from(wire_type));
}

fn put_varint_field(buf: &mut Vec<u8>, field: u32, v: u64) {
    put_key(buf, field, 0);
    put_varint(buf, v);
}

fn put_fixed32(buf: &mut Vec<u8>, field: u32, bits: u32) {
    put_key(buf, field, 5);
    buf.extend_from_slice(&bits.to_le_bytes());
}

fn put_bytes(buf: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(buf, field, 2);
    put_varint(buf, bytes.len() as u64);
    buf.extend_from_slice(bytes);
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) lookup table, built at compile time.
const CRC32C_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// CRC-32C of `data`.
pub fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc = CRC32C_TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// TFRecord's masked CRC: a rotation plus a constant, so CRCs of CRCs stay well-distributed.
fn masked_crc32c(data: &[u8]) -> u32 {
    crc32c(data).rotate_right(15).wrapping_add(0xa282_ead8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_known_answers() {
        // RFC 3720 (iSCSI) appendix B.4 test vectors and the classic check value.
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c(&[0xffu8; 32]), 0x62A8_AB43);
        assert_eq!(crc32c(b""), 0);
    }

    #[test]
    fn varints_encode_like_protobuf() {
        let mut b = Vec::new();
        put_varint(&mut b, 1);
        put_varint(&mut b, 300);
        assert_eq!(b, [0x01, 0xAC, 0x02]);
        let mut k = Vec::new();
        put_key(&mut k, 5, 2);
        assert_eq!(k, [0x2A]);
    }

    #[test]
    fn file_names_are_unique_and_records_framed() {
        let dir = tempfile::tempdir().unwrap();
        let a = EventWriter::create(dir.path()).unwrap();
        let mut b = EventWriter::create(dir.path()).unwrap();
        assert_ne!(a.path(), b.path());
        b.scalar("loss/x", 7, 0.5).unwrap();
        let bytes = std::fs::read(b.path()).unwrap();
        // Walk the records: every length and CRC must check out.
        let mut pos = 0;
        let mut records = 0;
        while pos < bytes.len() {
            let len = u64::from_le_bytes(bytes[pos..pos + 8].try_into().unwrap()) as usize;
            let len_crc = u32::from_le_bytes(bytes[pos + 8..pos + 12].try_into().unwrap());
            assert_eq!(len_crc, masked_crc32c(&bytes[pos..pos + 8]));
            let data = &bytes[pos + 12..pos + 12 + len];
            let crc = u32::from_le_bytes(bytes[pos + 12 + len..pos + 16 + len].try_into().unwrap());
            assert_eq!(crc, masked_crc32c(data));
            pos += 16 + len;
            records += 1;
        }
        assert_eq!(records, 2);
    }
}
