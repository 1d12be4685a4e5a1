//! The `svg-outlines` binary: (line art, colour) pairs from vector drawings' own outlines.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{bail, Context, Result};
use clap::Parser;
use data_prep::fs::write_atomic;
use data_prep::outline::{drop_reason, enclosure, outline_pair, KeepRules, OutlineOptions};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use walkdir::WalkDir;

/// Turn SVG drawings with dark outlines into (line art, colour) pairs for `prep --lines`.
///
/// Line art = the drawing's dark stroke paths drawn black, every fill painted white (strokes
/// that a shape covers stay hidden) except dark fills, which stay black. Colour = the whole
/// drawing over white. Both are rendered at --size on the longest side and written as
/// OUT/color/REL.png and OUT/line/REL.png (REL: the SVG's path under SRC).
///
/// A drawing is kept only if its outlines hold its colour: at least --min-enclosed of its
/// coloured pixels lie inside areas the ink closes off from the border. Every drawing gets a
/// row in OUT/report.tsv (kept, or the reason it was dropped, with its figures); --rejects
/// also writes the dropped ones under OUT/rejected/ to look at.
///
/// Example:
///   svg-outlines data/openclipart-svg/usr/share/openclipart/svg -o data/openclipart-outlines
///   prep data/openclipart-outlines/color --lines data/openclipart-outlines/line -o data/openclipart-128
#[derive(Debug, Parser)]
#[command(name = "svg-outlines", version, verbatim_doc_comment)]
struct Cli {
    /// Folder of SVG drawings (walked recursively).
    #[arg(value_name = "SRC")]
    src: PathBuf,
    /// Output folder (not inside SRC).
    #[arg(short, long, value_name = "OUT")]
    out: PathBuf,
    /// Longest side of the renderings, in pixels.
    #[arg(long, default_value_t = 512)]
    size: u32,
    /// Paint at most this light (its brightest channel, 0-1) is ink.
    #[arg(long, default_value_t = 0.3)]
    ink_lightness: f32,
    /// Least share of the coloured pixels held inside outlines for a drawing to be kept.
    #[arg(long, default_value_t = 0.9)]
    min_enclosed: f64,
    /// Gaps in the outlines up to twice this many pixels wide count as closed.
    #[arg(long, default_value_t = 2)]
    gap: u32,
    /// The picture's edge closes areas (figures cut by the frame): the enclosure fill starts
    /// only where the border is paper in the colour drawing too.
    #[arg(long)]
    border_closes: bool,
    /// Outlines may be dark filled shapes instead of strokes (strokes expanded to paths).
    #[arg(long)]
    fill_outlines: bool,
    /// Also write the dropped drawings under OUT/rejected/{color,line}.
    #[arg(long)]
    rejects: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

/// One drawing's outcome, a row of report.tsv.
struct Row {
    rel: String,
    verdict: String,
    figures: String,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let src = cli
        .src
        .canonicalize()
        .with_context(|| format!("{}: cannot open", cli.src.display()))?;
    std::fs::create_dir_all(&cli.out)
        .with_context(|| format!("{}: cannot create", cli.out.display()))?;
    if cli.out.canonicalize()?.starts_with(&src) {
        bail!(
            "{}: the output folder may not be inside SRC",
            cli.out.display()
        );
    }
    let mut files: Vec<PathBuf> = WalkDir::new(&src)
        .follow_links(true)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("svg")))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("{}: no .svg files", src.display());
    }
    let opts = OutlineOptions {
        size: cli.size,
        ink_lightness: cli.ink_lightness,
        ..OutlineOptions::default()
    };
    let rules = KeepRules {
        min_enclosed: cli.min_enclosed,
        fill_outlines: cli.fill_outlines,
        ..KeepRules::default()
    };
    let pb = ProgressBar::with_draw_target(Some(files.len() as u64), ProgressDrawTarget::stderr());
    if cli.quiet {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{wide_bar}] {pos}/{len} ETA {eta}",
        )
        .expect("valid template"),
    );
    // Each file is read once. The same drawing filed under several categories (a copy or a
    // link) is one drawing: the first in path order is processed, the others reported as
    // duplicates of it.
    let contents: Vec<std::io::Result<Vec<u8>>> = files.par_iter().map(std::fs::read).collect();
    let mut first = std::collections::HashMap::<u64, PathBuf>::new();
    let duplicate_of: Vec<Option<PathBuf>> = files
        .iter()
        .zip(&contents)
        .map(|(p, bytes)| {
            let hash = data_prep::rng::fnv1a(bytes.as_ref().ok()?);
            let rel = p
                .strip_prefix(&src)
                .expect("walked under src")
                .to_path_buf();
            match first.entry(hash) {
                std::collections::hash_map::Entry::Occupied(e) => Some(e.get().clone()),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(rel);
                    None
                }
            }
        })
        .collect();
    let kept = AtomicUsize::new(0);
    let rows: Vec<Row> = files
        .par_iter()
        .zip(&duplicate_of)
        .zip(&contents)
        .map(|((path, dup), bytes)| {
            let rel = path
                .strip_prefix(&src)
                .expect("walked under src")
                .with_extension("png");
            let row = match dup {
                Some(of) => Row {
                    rel: rel.display().to_string(),
                    verdict: "duplicate".into(),
                    figures: format!("-\t-\t-\t-\t-\t-\t{}", of.with_extension("png").display()),
                },
                None => one(path, bytes, &rel, &cli, &opts, &rules, &kept),
            };
            pb.inc(1);
            row
        })
        .collect();
    pb.finish_and_clear();
    let mut report =
        b"file\tverdict\tstrokes\tink_fills\tink\tcolored\tenclosed\tchroma\tsame_as\n".to_vec();
    let mut reasons = std::collections::BTreeMap::<&str, usize>::new();
    for r in &rows {
        writeln!(report, "{}\t{}\t{}", r.rel, r.verdict, r.figures)?;
        *reasons.entry(r.verdict.as_str()).or_default() += 1;
    }
    let report_path = cli.out.join("report.tsv");
    write_atomic(&report_path, &report)
        .with_context(|| format!("{}: cannot write", report_path.display()))?;
    eprintln!(
        "svg-outlines: {} drawings, {} kept, {} dropped (report: {})",
        rows.len(),
        kept.load(Ordering::Relaxed),
        rows.len() - kept.load(Ordering::Relaxed),
        report_path.display()
    );
    for (why, n) in reasons {
        eprintln!("  {n:6}  {why}");
    }
    Ok(())
}

fn one(
    path: &Path,
    bytes: &std::io::Result<Vec<u8>>,
    rel: &Path,
    cli: &Cli,
    opts: &OutlineOptions,
    rules: &KeepRules,
    kept: &AtomicUsize,
) -> Row {
    let rel_s = rel.display().to_string();
    let fail = |verdict: String| Row {
        rel: rel_s.clone(),
        verdict,
        figures: "-\t-\t-\t-\t-\t-\t-".into(),
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return fail(format!("unreadable: {e}")),
    };
    let pair = match outline_pair(path, bytes, opts) {
        Ok(p) => p,
        Err(e) => {
            return fail(format!(
                "broken SVG: {}",
                e.reason().replace(['\t', '\n'], " ")
            ))
        }
    };
    let e = enclosure(&pair.line, &pair.color, cli.gap, cli.border_closes);
    let why = drop_reason(&pair, &e, rules);
    let figures = format!(
        "{}\t{}\t{:.4}\t{:.4}\t{:.4}\t{:.1}\t-",
        pair.strokes, pair.ink_fills, e.ink, e.colored, e.enclosed, e.chroma
    );
    let dest = match why {
        None => Some(cli.out.clone()),
        Some(_) if cli.rejects => Some(cli.out.join("rejected")),
        Some(_) => None,
    };
    if let Some(dest) = dest {
        let written = write_png(
            &dest.join("color").join(rel),
            pair.color.as_raw(),
            pair.color.dimensions(),
            image::ExtendedColorType::Rgb8,
        )
        .and_then(|()| {
            write_png(
                &dest.join("line").join(rel),
                pair.line.as_raw(),
                pair.line.dimensions(),
                image::ExtendedColorType::L8,
            )
        });
        if let Err(e) = written {
            return fail(format!("cannot write: {e:#}"));
        }
    }
    if why.is_none() {
        kept.fetch_add(1, Ordering::Relaxed);
    }
    Row {
        rel: rel_s,
        verdict: why.unwrap_or("kept").to_string(),
        figures,
    }
}

/// Creates the file's folder, then [`data_prep::fs::write_png`].
fn write_png(
    path: &Path,
    raw: &[u8],
    size: (u32, u32),
    kind: image::ExtendedColorType,
) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
    }
    data_prep::fs::write_png(path, raw, size, kind)
        .with_context(|| format!("{}: cannot write", path.display()))
}
