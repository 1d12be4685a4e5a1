//! File-system helpers both crates share: the image extensions a directory walk picks up, the
//! walk itself (symlinks followed, loops reported instead of followed forever), path
//! resolution and the "same file" check, and the one atomic write every output goes through
//! (with the clean-up of what a killed writer leaves).

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// File extensions picked up when walking a directory (files named explicitly are always
/// tried, whatever their extension; content decides the format either way).
pub const IMAGE_EXTENSIONS: [&str; 12] = [
    "png", "jpg", "jpeg", "jpe", "webp", "bmp", "gif", "tif", "tiff", "svg", "svgz", "jfif",
];

/// Whether `path` ends in one of [`IMAGE_EXTENSIONS`] (any case).
pub fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// One image file found by [`walk`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The file, as reached from the walk's root.
    pub path: PathBuf,
    /// Its path relative to the root, without extension, components joined with `/`
    /// (the file stem when the root is the file itself).
    pub rel_stem: String,
}

/// Something met while walking that is not an input (symlink loop, unreadable directory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkProblem {
    /// The directory entry concerned (the root when the error names no path).
    pub path: PathBuf,
    /// A short stable label for summaries: `symlink loop` or `unreadable`.
    pub kind: &'static str,
    /// What went wrong, for people.
    pub reason: String,
}

/// Image files under `root` (a directory, walked recursively in file-name order following
/// symlinks; loops are detected and reported), or `root` itself if it is a file, whatever
/// its extension.
pub fn walk(root: &Path) -> (Vec<Found>, Vec<WalkProblem>) {
    let (mut found, mut problems) = (Vec::new(), Vec::new());
    if root.is_file() {
        let rel_stem = root
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        found.push(Found {
            path: root.to_owned(),
            rel_stem,
        });
        return (found, problems);
    }
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name();
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() && has_image_extension(e.path()) => {
                let rel = e
                    .path()
                    .strip_prefix(root)
                    .unwrap_or(e.path())
                    .with_extension("");
                let rel_stem = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push(Found {
                    path: e.into_path(),
                    rel_stem,
                });
            }
            Ok(_) => {}
            Err(err) => {
                let path = err
                    .path()
                    .map(Path::to_owned)
                    .unwrap_or_else(|| root.to_owned());
                let (kind, reason) = if err.loop_ancestor().is_some() {
                    (
                        "symlink loop",
                        "symbolic link loop, not followed".to_string(),
                    )
                } else {
                    ("unreadable", err.to_string())
                };
                problems.push(WalkProblem { path, kind, reason });
            }
        }
    }
    (found, problems)
}

/// Absolute, symlink-free form of a path that may not exist yet: its longest existing
/// ancestor canonicalised, the rest appended as given.
pub fn resolve(path: &Path) -> io::Result<PathBuf> {
    let abs = std::path::absolute(path)?;
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        rest.push(
            existing
                .file_name()
                .map(|n| n.to_owned())
                .unwrap_or_default(),
        );
        if !existing.pop() {
            break;
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    out.extend(rest.iter().rev());
    Ok(out)
}

/// Whether two paths name the same file or directory, through symlinks and `..`, also when
/// one of them does not exist yet (an output about to be written).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (resolve(a), resolve(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Writes `bytes` to `path` atomically: see [`write_atomic_with`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |tmp| {
        let mut file = std::fs::File::create(tmp)?;
        file.write_all(bytes)
    })
}

/// PNG-encodes an image (fast deflate, adaptive filter) and writes it atomically
/// ([`write_atomic`]): how `prep`, `svg-outlines` and `rough-copy` write their pairs.
pub fn write_png(
    path: &Path,
    data: &[u8],
    (width, height): (u32, u32),
    color: image::ExtendedColorType,
) -> io::Result<()> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    let mut buf = Vec::with_capacity(data.len() / 2);
    PngEncoder::new_with_quality(&mut buf, CompressionType::Fast, FilterType::Adaptive)
        .write_image(data, width, height, color)
        .map_err(io::Error::other)?;
    write_atomic(path, &buf)
}

/// Writes `path` atomically with a writer that needs a path (such as a safetensors
/// writer): `write` creates the temporary file `tmp` (in the destination's directory), which
/// is then synced to disk, renamed over `path`, and the directory synced, so a reader or a
/// crash sees the old file or the new one, never a partial one. On error the temporary file
/// is removed and `path` is left untouched.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    /// Tells apart temporary files of one process (threads writing in parallel).
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file path (no file name)",
        )
    })?;
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let result = write(&tmp)
        // Opened for writing: some systems (Windows) cannot sync a read-only handle.
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&tmp)?
                .sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    // Persist the rename itself; not every file system can sync a directory, and the data
    // is already safe under one of the two names, so a failure here is not an error.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Removes from `dir` the temporary files [`write_atomic_with`] leaves when its process is
/// killed mid-write (`.NAME.<pid>.<n>.tmp`), except those of a process still running (this
/// one included), and returns how many it removed. A run killed again and again would
/// otherwise pile up a checkpoint's worth of disk per kill. Missing directories are empty.
pub fn remove_stale_temporaries(dir: &Path) -> io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temporary_owner) else {
            continue;
        };
        if process_alive(pid) || !entry.file_type()?.is_file() {
            continue;
        }
        match std::fs::remove_file(entry.path()) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

/// The process id in a temporary file name of [`write_atomic_with`], `None` for any other
/// name.
fn temporary_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let mut parts = rest.rsplitn(3, '.');
    let (n, pid, file) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(n) && !file.is_empty()).then_some(())?;
    digits(pid).then(|| pid.parse().ok())?
}

/// Whether process `pid` exists: this process, or on Linux any in `/proc`. Elsewhere only
/// this process counts as alive (temporaries are only cleaned where that is safe to say).
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temporaries_of_dead_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let me = std::process::id();
        // A pid above Linux's pid_max (2^22) cannot be running.
        let dead = format!(".step-5.safetensors.{}.0.tmp", 1u32 << 23);
        let mine = format!(".step-5.safetensors.{me}.1.tmp");
        for name in [
            dead.as_str(),
            mine.as_str(),
            "step-5.safetensors",
            ".x.tmp",
            "a.1.2.tmp",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        assert_eq!(remove_stale_temporaries(dir.path()).unwrap(), 1);
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [mine.as_str(), ".x.tmp", "a.1.2.tmp", "step-5.safetensors"]
        );
        assert_eq!(
            remove_stale_temporaries(&dir.path().join("none")).unwrap(),
            0
        );
        assert_eq!(temporary_owner(&mine), Some(me));
    }

    #[test]
    fn atomic_writes_replace_the_file_and_leave_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.txt"]);
    }

    #[test]
    fn a_failing_writer_leaves_the_destination_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"old").unwrap();
        let err = write_atomic_with(&path, |tmp| {
            std::fs::write(tmp, b"partial")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // A destination in a missing directory is an error, not a panic.
        assert!(write_atomic(&dir.path().join("no/such/file"), b"x").is_err());
    }

    #[test]
    fn same_file_sees_through_dots_and_missing_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.png");
        std::fs::write(&file, b"x").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(same_file(&file, &dir.path().join("sub/../x.png")));
        assert!(!same_file(&file, &dir.path().join("y.png")));
        let missing = dir.path().join("out/y.png");
        assert!(same_file(&missing, &dir.path().join("out/./y.png")));
    }

    #[test]
    fn walk_finds_images_in_name_order_with_relative_stems() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["b/x.PNG", "a.jpg", "b.svg", "notes.txt"] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"").unwrap();
        }
        let (found, problems) = walk(dir.path());
        let stems: Vec<_> = found.iter().map(|f| f.rel_stem.as_str()).collect();
        // Depth first, entries by name: the directory `b` comes before `b.svg`.
        assert_eq!(stems, ["a", "b/x", "b"]);
        assert!(problems.is_empty());
        let (single, _) = walk(&dir.path().join("notes.txt"));
        assert_eq!(
            single[0].rel_stem, "notes",
            "a file given by name is always taken"
        );
    }
}
