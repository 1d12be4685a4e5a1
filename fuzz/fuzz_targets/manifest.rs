//! The manifest parser, strict (training) and lenient (`prep` re-runs): they must agree on
//! which lines are good, and a manifest written back must parse to the same entries.
#![no_main]

use std::path::Path;

use data_prep::manifest::{parse_lenient, parse_strict, to_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lenient = parse_lenient(text);
    if let Ok(entries) = parse_strict(Path::new("manifest.jsonl"), text) {
        let again = parse_strict(Path::new("manifest.jsonl"), &to_text(&entries))
            .expect("a written manifest parses");
        assert_eq!(again, entries);
        assert!(lenient.len() <= entries.len());
    }
});
