//! The `rough-copy` binary: a fixed "rough" copy of a dataset split, its line art made to look
//! drawn by hand and scanned (`data_prep::rough`), its colour unchanged.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Parser;
use data_prep::fs::{write_atomic, write_png};
use data_prep::manifest::{self, Split, MANIFEST_FILE};
use data_prep::rng::{fnv1a, mix_seed};
use data_prep::rough::{roughen, roughen_only, Effect};
use rayon::prelude::*;

/// Write a rough copy of one split of a dataset: the same pairs, ids and split, each line art
/// roughened (line width, wobble, gaps, pencil grain, paper tone, blur, noise, JPEG) with a
/// seed drawn from --seed and the pair's id, so the copy is the same on every machine. Colour
/// images are copied as they are. Evaluate it next to the clean split:
///
///   rough-copy data/openmoji-128 -o data/openmoji-128-rough
///   colorize eval --data data/openmoji-128-rough --split test
///
/// With --only EFFECT, every line art gets that effect alone, always on, at a strength drawn
/// from the same range: what one effect costs, next to the clean split.
#[derive(Debug, Parser)]
#[command(name = "rough-copy", version, verbatim_doc_comment)]
struct Cli {
    /// The dataset (a folder with manifest.jsonl, as `prep` writes it).
    #[arg(value_name = "DATASET")]
    data: PathBuf,
    /// Output dataset folder (new or a previous rough copy; never the input).
    #[arg(short, long, value_name = "OUT")]
    out: PathBuf,
    /// The split copied.
    #[arg(long, default_value = "test")]
    split: String,
    /// Seed of the roughening (with each pair's id).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// One effect alone on every pair: thicken, wobble, gaps, grain, paper, blur, noise or
    /// jpeg.
    #[arg(long, value_name = "EFFECT", value_parser = parse_effect)]
    only: Option<Effect>,
}

fn parse_effect(s: &str) -> std::result::Result<Effect, String> {
    Effect::from_name(s).ok_or_else(|| {
        let names: Vec<_> = Effect::ALL.iter().map(|e| e.name()).collect();
        format!("not an effect; one of {}", names.join(", "))
    })
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let split: Split = cli
        .split
        .parse()
        .map_err(|_| anyhow::anyhow!("--split must be train, val or test, not `{}`", cli.split))?;
    let manifest_path = cli.data.join(MANIFEST_FILE);
    let entries = manifest::read_strict(&manifest_path)?;
    std::fs::create_dir_all(cli.out.join("line"))
        .and_then(|()| std::fs::create_dir_all(cli.out.join("color")))
        .with_context(|| format!("{}: cannot create", cli.out.display()))?;
    if data_prep::fs::same_file(&cli.data, &cli.out) {
        bail!(
            "{}: the rough copy may not overwrite its input",
            cli.out.display()
        );
    }
    let chosen: Vec<_> = entries.into_iter().filter(|e| e.split == split).collect();
    if chosen.is_empty() {
        bail!(
            "{}: no pairs in split {}",
            manifest_path.display(),
            split.as_str()
        );
    }
    let out: Vec<manifest::Entry> = chosen
        .par_iter()
        .map(|e| -> Result<manifest::Entry> {
            let line = image::open(e.line_path(&cli.data))
                .with_context(|| format!("{}: cannot read", e.line_path(&cli.data).display()))?
                .to_luma8();
            let seed = mix_seed(cli.seed, fnv1a(e.id.as_bytes()));
            let (rough, d) = match cli.only {
                Some(effect) => roughen_only(&line, seed, effect),
                None => roughen(&line, seed),
            };
            let mut entry = e.clone();
            let line_out = entry.line_path(&cli.out);
            std::fs::create_dir_all(line_out.parent().expect("under out"))?;
            write_png(
                &line_out,
                rough.as_raw(),
                rough.dimensions(),
                image::ExtendedColorType::L8,
            )
            .with_context(|| format!("{}: cannot write", line_out.display()))?;
            let color_out = entry.color_path(&cli.out);
            std::fs::create_dir_all(color_out.parent().expect("under out"))?;
            let bytes = std::fs::read(e.color_path(&cli.data))
                .with_context(|| format!("{}: cannot read", e.color_path(&cli.data).display()))?;
            write_atomic(&color_out, &bytes)
                .with_context(|| format!("{}: cannot write", color_out.display()))?;
            entry.settings = format!("{}; rough seed {} {:?}", entry.settings, cli.seed, d);
            Ok(entry)
        })
        .collect::<Result<_>>()?;
    let path = cli.out.join(MANIFEST_FILE);
    manifest::write(&path, &out).with_context(|| format!("{}: cannot write", path.display()))?;
    eprintln!(
        "rough-copy: {} {} pairs of {} roughened into {}",
        out.len(),
        split.as_str(),
        cli.data.display(),
        cli.out.display()
    );
    Ok(())
}
