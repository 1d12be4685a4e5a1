//! `colorize regions SKETCH -o MAP.png`: the sketch's areas as a false-colour image, a
//! one-line summary on stderr and, with `--json`, the areas on stdout.

use std::time::Instant;

use anyhow::{bail, Context};
use colorize::infer::{load_sketch, save_png_atomic};
use colorize::regions::{AreaKind, RegionOptions, Regions};
use data_prep::outln;

use crate::cli::RegionsArgs;

pub fn run(args: RegionsArgs) -> anyhow::Result<()> {
    let defaults = RegionOptions::default();
    let opts = RegionOptions {
        gap: args.gap.unwrap_or(defaults.gap),
        min_area: args.min_area.unwrap_or(defaults.min_area),
        threshold: args.threshold,
    };
    if data_prep::fs::same_file(&args.sketch, &args.output) {
        bail!(
            "the output {} would overwrite the sketch",
            args.output.display()
        );
    }
    if args.output.exists() && !args.force {
        bail!(
            "the output {} exists (use --force to overwrite it)",
            args.output.display()
        );
    }
    let gray = load_sketch(&args.sketch).context("cannot read the sketch")?;
    let start = Instant::now();
    let regions = Regions::compute(&gray, &opts);
    let ms = start.elapsed().as_secs_f64() * 1e3;
    save_png_atomic(&regions.false_colour(), &args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let areas = regions.areas();
    let fills = areas.iter().filter(|a| a.kind == AreaKind::Fill).count();
    let (w, h) = regions.dimensions();
    eprintln!(
        "{}: {w}x{h}, {} areas ({fills} solid fills), ink below {}, {ms:.1} ms -> {}",
        args.sketch.display(),
        areas.len(),
        regions.threshold(),
        args.output.display()
    );
    if args.json {
        let summary = serde_json::json!({
            "sketch": args.sketch,
            "width": w,
            "height": h,
            "threshold": regions.threshold(),
            "gap": opts.gap,
            "min_area": opts.min_area,
            "ms": ms,
            "areas": areas,
        });
        outln!("{summary}")?;
    }
    Ok(())
}
