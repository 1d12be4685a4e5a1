//! Typed errors of the library: every variant names the file and the reason, because `prep`
//! prints them as one "skipped" line per bad input.

use std::path::{Path, PathBuf};

/// Why an input could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read at all (missing, permission, I/O error).
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file has zero bytes.
    #[error("{}: empty file", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The content is not any supported image format, whatever the extension says.
    #[error("{}: not an image (unrecognised content)", path.display())]
    NotAnImage {
        /// The file.
        path: PathBuf,
    },
    /// A recognised format whose data is truncated or corrupt.
    #[error("{}: cannot decode ({format}): {reason}", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// The format recognised (`PNG`, `SVG`, ...; `file` for the size limit).
        format: String,
        /// The decoder's message.
        reason: String,
    },
    /// Dimensions beyond `LoadLimits` (decompression-bomb guard).
    #[error("{}: too large ({width}x{height} pixels, limit {max_pixels} pixels)", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Width in pixels (from the header, or of the rasterised SVG).
        width: u64,
        /// Height in pixels.
        height: u64,
        /// The limit exceeded (`LoadLimits::max_pixels`).
        max_pixels: u64,
    },
    /// Zero-sized image (possible in SVG or broken headers).
    #[error("{}: image has no pixels ({width}x{height})", path.display())]
    ZeroSize {
        /// The file.
        path: PathBuf,
        /// Width in pixels.
        width: u64,
        /// Height in pixels.
        height: u64,
    },
}

impl Error {
    /// The file concerned.
    pub fn path(&self) -> &Path {
        match self {
            Error::Io { path, .. }
            | Error::Empty { path }
            | Error::NotAnImage { path }
            | Error::Decode { path, .. }
            | Error::TooLarge { path, .. }
            | Error::ZeroSize { path, .. } => path,
        }
    }

    /// The message without the leading `path: `, for callers that name the file their own
    /// way.
    pub fn reason(&self) -> String {
        let message = self.to_string();
        let prefix = format!("{}: ", self.path().display());
        match message.strip_prefix(&prefix) {
            Some(reason) => reason.to_string(),
            None => message,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_is_the_message_without_the_path() {
        let e = Error::Decode {
            path: "a/b: c.png".into(),
            format: "PNG".into(),
            reason: "truncated".into(),
        };
        assert_eq!(e.path(), Path::new("a/b: c.png"));
        assert_eq!(e.to_string(), "a/b: c.png: cannot decode (PNG): truncated");
        assert_eq!(e.reason(), "cannot decode (PNG): truncated");
    }
}
