//! `colorize suggest SKETCH`: the next areas to hint, as a table or JSON on stdout, and
//! optionally the sketch with numbered markers.

use anyhow::{bail, Context};
use colorize::eval::gray_as_rgb;
use colorize::hints::{load_hints_image, UserHints};
use colorize::infer::{load_sketch, save_png_atomic, Colorizer};
use colorize::regions::RegionOptions;
use colorize::run_dir;
use colorize::suggest::{self, draw_markers, SuggestOptions, Suggestion};
use data_prep::outln;

use crate::cli::SuggestArgs;

pub fn run(args: SuggestArgs) -> anyhow::Result<()> {
    colorize::device::set_threads(args.threads);
    if let Some(out) = &args.overlay {
        if data_prep::fs::same_file(&args.sketch, out) {
            bail!("the overlay {} would overwrite the sketch", out.display());
        }
        if out.exists() && !args.force {
            bail!(
                "the overlay {} exists (use --force to overwrite it)",
                out.display()
            );
        }
    }
    let gray = load_sketch(&args.sketch)
        .with_context(|| format!("cannot read the sketch {}", args.sketch.display()))?;
    let user = UserHints {
        image: args.hints.as_deref().map(load_hints_image).transpose()?,
        points: args.hint.clone(),
    };
    let device = args.device.resolve()?;
    let found = run_dir::find_model_dir(args.model.as_deref())?;
    // One sketch: packing the fast path's weights costs about what it saves.
    let colorizer = Colorizer::load_for(&found.dir, device, false, args.work_size)?;
    if !user.is_empty() && !colorizer.model_config().takes_hints() {
        bail!(
            "--hints/--hint with the model {}: it was trained without hint channels",
            found.dir.display()
        );
    }
    let work = args
        .work_size
        .unwrap_or(colorizer.model_config().image_size as u32);
    let hints = match user.is_empty() {
        true => None,
        false => Some(
            user.for_sketch(gray.width(), gray.height(), work)
                .with_context(|| format!("hints for {}", args.sketch.display()))?,
        ),
    };
    let opts = SuggestOptions {
        n: args.count,
        method: args.method,
        samples: args.samples as usize,
        seed: args.seed,
        work_size: args.work_size,
        regions: RegionOptions {
            gap: args.gap,
            min_area: args.min_area,
            threshold: None,
        },
        style: args.style,
        keep_paper: args.keep_paper,
    };
    let start = std::time::Instant::now();
    let found = suggest::suggest(&colorizer, &gray, hints.as_ref(), &opts)
        .with_context(|| format!("cannot suggest hints for {}", args.sketch.display()))?;
    log::info!(
        "{} suggestions in {:.1} ms",
        found.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    if args.json {
        outln!("{}", serde_json::json!({ "suggestions": found }))?;
    } else {
        outln!("{}", table(&found).trim_end())?;
    }
    if let Some(out) = &args.overlay {
        let mut img = gray_as_rgb(&gray);
        draw_markers(&mut img, &found);
        save_png_atomic(&img, out).with_context(|| format!("cannot write {}", out.display()))?;
    }
    Ok(())
}

/// The suggestions as a table, best first (a line saying so when there are none).
fn table(found: &[Suggestion]) -> String {
    if found.is_empty() {
        return "no area left to suggest: every closed area large enough is hinted".into();
    }
    let mut s = format!(
        "{:>3} {:>6} {:>6} {:>8} {:>10}\n",
        "#", "x", "y", "area", "score"
    );
    for (i, f) in found.iter().enumerate() {
        s.push_str(&format!(
            "{:>3} {:>6} {:>6} {:>8} {:>10.6}\n",
            i + 1,
            f.x,
            f.y,
            f.area,
            f.score
        ));
    }
    s
}
