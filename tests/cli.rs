//! The command-line surface: clap definitions are consistent and the commands exist.

use assert_cmd::Command;
use clap::CommandFactory;
use colorize::cli::Cli;

#[test]
fn clap_definitions_are_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn help_lists_every_command() {
    let out = Command::cargo_bin("colorize")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for cmd in ["train", "infer", "eval", "export", "info"] {
        assert!(help.contains(cmd), "--help does not list `{cmd}`:\n{help}");
    }
}

#[test]
fn info_reports_torch_device_and_threads() {
    let out = Command::cargo_bin("colorize")
        .unwrap()
        .args(["info", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        info["torch_build_version"]
            .as_str()
            .unwrap()
            .starts_with("2.11.0"),
        "{info}"
    );
    assert!(info["threads"].as_i64().unwrap() >= 1, "{info}");
    let device = info["default_device"].as_str().unwrap();
    assert!(device == "Cpu" || device.starts_with("Cuda"), "{info}");
}
