//! The server's upload handling (`colorize::serve::inspect_upload`: the sketch's and hints'
//! header checks, the work size, then the decoders the inference thread runs) on the fields
//! of a multipart upload, with a 1 Mpx pixel guard. Links libtorch (the colorize crate):
//! built with `--features torch`, like `model_dir`.
#![no_main]

use colorize::serve::{inspect_upload, Limits};
use libfuzzer_sys::fuzz_target;

#[path = "upload_input.rs"]
mod upload_input;

fuzz_target!(|data: &[u8]| {
    let Some((sketch, hints, work)) = upload_input::split(data) else {
        return;
    };
    let limits = Limits {
        max_body_bytes: 1 << 20,
        max_pixels: 1 << 20,
        max_work_size: 1024,
    };
    if let Ok(up) = inspect_upload(sketch, hints, work.as_deref().map(str::as_bytes), &limits) {
        let (w, h) = up.sketch.dimensions();
        assert!(u64::from(w) * u64::from(h) <= limits.max_pixels);
        if let Some(hints) = &up.hints {
            assert_eq!(hints.dimensions(), (w, h));
        }
    }
});
