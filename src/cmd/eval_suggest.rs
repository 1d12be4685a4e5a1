//! `colorize eval --suggest`: the hint-efficiency curve of each method on each dataset, as
//! a table (PSNR after 0, 1, 2, 3, 5 and K hints, the area, the gain over `largest` and
//! `random`) or JSON on stdout.

use anyhow::{bail, Context};
use colorize::data::Dataset;
use colorize::infer::{Colorizer, InferOptions};
use colorize::run_dir;
use colorize::suggest::curve::{dataset_curves, CurveOptions, CurveRow};
use colorize::suggest::SuggestOptions;
use data_prep::outln;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{EvalArgs, EvalStyle};

/// One dataset's rows.
#[derive(Debug, serde::Serialize)]
struct DataCurves {
    data: String,
    rows: Vec<CurveRow>,
}

pub fn run(args: &EvalArgs, steps: usize) -> anyhow::Result<()> {
    if args.baseline.is_some() || args.diversity.is_some() || args.save_sheet.is_some() {
        bail!("--suggest runs alone: not with --baseline, --diversity or --save-sheet");
    }
    let dir = run_dir::resolve_model_dir(args.model.as_deref())?;
    let data = super::eval::datasets(args, Some(&dir))?;
    let colorizer = Colorizer::load(&dir, args.device.resolve()?)?;
    if !colorizer.model_config().takes_hints() {
        bail!(
            "--suggest needs a model with hint channels; {} has none",
            dir.display()
        );
    }
    let EvalStyle(style) = args.style.first().copied().unwrap_or(EvalStyle(None));
    let opts = CurveOptions {
        steps,
        infer: InferOptions {
            style: style.unwrap_or_default(),
            keep_paper: args.keep_paper,
            ..Default::default()
        },
        suggest: SuggestOptions {
            samples: args.suggest_samples as usize,
            style: style.unwrap_or_default(),
            ..SuggestOptions::default()
        },
    };
    let methods = &args.suggest_methods;
    let mut all = Vec::new();
    for path in &data {
        let mut ds = Dataset::open(path, args.split)
            .with_context(|| format!("opening {}", path.display()))?;
        if let Some(n) = args.limit {
            ds = ds.truncated(n);
        }
        let pb = ProgressBar::new(ds.len() as u64);
        pb.set_style(
            ProgressStyle::with_template("{prefix} {bar:30} {pos}/{len} ETA {eta}")
                .expect("valid template"),
        );
        pb.set_prefix(format!("hint curve on {}", path.display()));
        let rows = dataset_curves(&colorizer, &ds, methods, &opts, |done, _| {
            pb.set_position(done as u64)
        })
        .with_context(|| format!("hint curves on {}", path.display()))?;
        pb.finish_and_clear();
        all.push(DataCurves {
            data: path.display().to_string(),
            rows,
        });
    }
    if args.json {
        let out = serde_json::json!({
            "steps": steps,
            "style": opts.infer.style.name(),
            "split": format!("{:?}", args.split).to_lowercase(),
            "samples": args.suggest_samples,
            "datasets": all,
        });
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
    } else {
        outln!("{}", table(&all, steps).trim_end())?;
    }
    Ok(())
}

/// The curves as a table: one line per dataset and method.
fn table(all: &[DataCurves], steps: usize) -> String {
    let ks: Vec<usize> = [0, 1, 2, 3, 5, steps]
        .into_iter()
        .filter(|&k| k <= steps)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut s = format!("{:<28} {:<8} {:>5}", "data", "method", "pairs");
    for k in &ks {
        s.push_str(&format!(" {:>6}", format!("k={k}")));
    }
    s.push_str(&format!(
        " {:>7} {:>9} {:>9}\n",
        "area", "-largest", "-random"
    ));
    for d in all {
        let area_of = |m: &str| d.rows.iter().find(|r| r.method == m).map(|r| r.area);
        for r in &d.rows {
            s.push_str(&format!("{:<28} {:<8} {:>5}", d.data, r.method, r.pairs));
            for &k in &ks {
                s.push_str(&format!(" {:>6.2}", r.psnr[k]));
            }
            let diff = |other: Option<f64>| {
                other.map_or("-".to_string(), |o| format!("{:+.2}", r.area - o))
            };
            s.push_str(&format!(
                " {:>7.2} {:>9} {:>9}\n",
                r.area,
                diff(area_of("largest")),
                diff(area_of("random"))
            ));
        }
    }
    s.push_str(&format!(
        "(PSNR in dB after k hints; area: mean PSNR over k = 1..{steps}; -largest, -random: \
         the area's gain over theirs)\n"
    ));
    s
}
