//! The `[default: ...]` texts of `colorize train --help`, built from `colorize::config` so
//! that the help always shows the values a run uses (no second, hand-written copy).

use std::fmt::Display;
use std::path::PathBuf;

use clap::ValueEnum;
use colorize::config::{ModeDefaults, TrainConfig, DEFAULT_GAN_MODE};
use colorize::loss::GanMode;
use colorize::optim::OptimKind;

/// The plain defaults (those of the default GAN mode).
pub fn plain() -> TrainConfig {
    TrainConfig::for_mode(DEFAULT_GAN_MODE, PathBuf::new())
}

/// `"{text} [default: {value}]"`
pub fn with_default(text: &str, value: impl Display) -> String {
    format!("{text} [default: {value}]")
}

/// `"{text} [default: V; W for wgan; ...{extra}]"`: the default mode's value, then each
/// value some other modes' papers use instead, with those modes.
pub fn per_mode(text: &str, value: impl Fn(&ModeDefaults) -> String, extra: &str) -> String {
    let base = value(&ModeDefaults::of(DEFAULT_GAN_MODE));
    let mut others: Vec<(String, Vec<String>)> = Vec::new();
    for &mode in GanMode::value_variants() {
        let v = value(&ModeDefaults::of(mode));
        if v == base {
            continue;
        }
        match others.iter_mut().find(|(w, _)| *w == v) {
            Some((_, modes)) => modes.push(name(mode)),
            None => others.push((v, vec![name(mode)])),
        }
    }
    let mut s = format!("{text} [default: {base}");
    for (v, modes) in others {
        s += &format!("; {v} for {}", modes.join(" and "));
    }
    format!("{s}{extra}]")
}

/// `"; V with --optimizer rmsprop"`.
pub fn rmsprop(value: f64) -> String {
    format!(
        "; {} with --optimizer {}",
        num(value),
        name(OptimKind::RmsProp)
    )
}

/// A flag value as typed on the command line (`wgan-gp`, `rmsprop`).
pub fn name(value: impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

/// A number as one would type it: `2e-4` rather than `0.0002`.
pub fn num(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-3 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// An optional number, `none` when absent.
pub fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "none".into(), num)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::Cli;

    #[test]
    fn train_help_shows_the_config_defaults() {
        assert_eq!(
            per_mode("Learning rate", |d| num(d.lr), ""),
            "Learning rate [default: 2e-4; 5e-5 for wgan; 1e-4 for wgan-gp]"
        );
        assert_eq!(
            per_mode("Critic updates", |d| d.n_critic.to_string(), ""),
            "Critic updates [default: 1; 5 for wgan and wgan-gp]"
        );
        assert_eq!(
            per_mode("Discriminator normalisation", |d| name(d.default_norm), ""),
            "Discriminator normalisation [default: batch; instance for wgan-gp]"
        );
        let mut cli = Cli::command();
        let train = cli.find_subcommand_mut("train").expect("train subcommand");
        let help = train
            .clone()
            .term_width(10_000) // no wrapping
            .max_term_width(10_000)
            .render_help()
            .to_string();
        for text in [
            "[default: 1, as pix2pix]",
            "[default: 128]",
            "[default: 1000]",
            "[default: 0.999; 0.99 for wgan; 0.9 for wgan-gp; 0.99 with --optimizer rmsprop]",
            "[default: none; 0.01 for wgan]",
            "[default: 200 epochs",
        ] {
            assert!(help.contains(text), "`{text}` not in:\n{help}");
        }
    }
}
