//! Typed errors of the library: every variant names the file and the reason, because `prep`
//! prints them as one "skipped" line per bad input.

use std::path::PathBuf;

/// Why an input could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read at all (missing, permission, I/O error).
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file has zero bytes.
    #[error("{}: empty file", path.display())]
    Empty { path: PathBuf },
    /// The content is not any supported image format, whatever the extension says.
    #[error("{}: not an image (unrecognised content)", path.display())]
    NotAnImage { path: PathBuf },
    /// A recognised format whose data is truncated or corrupt.
    #[error("{}: cannot decode ({format}): {reason}", path.display())]
    Decode {
        path: PathBuf,
        format: String,
        reason: String,
    },
    /// Dimensions beyond `LoadLimits` (decompression-bomb guard).
    #[error("{}: too large ({width}x{height} pixels, limit {max_pixels} pixels)", path.display())]
    TooLarge {
        path: PathBuf,
        width: u64,
        height: u64,
        max_pixels: u64,
    },
    /// Zero-sized image (possible in SVG or broken headers).
    #[error("{}: image has no pixels ({width}x{height})", path.display())]
    ZeroSize {
        path: PathBuf,
        width: u64,
        height: u64,
    },
}

impl Error {
    /// A short stable label used to group skips in the summary.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Io { .. } => "unreadable",
            Error::Empty { .. } => "empty file",
            Error::NotAnImage { .. } => "not an image",
            Error::Decode { .. } => "corrupt or truncated",
            Error::TooLarge { .. } => "too large",
            Error::ZeroSize { .. } => "no pixels",
        }
    }
}
