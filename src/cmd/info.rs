//! `colorize info`: what torch runtime this binary sees, and which model a command would
//! use without `--model`.

use std::path::PathBuf;

use crate::cli::InfoArgs;
use colorize::device::RuntimeInfo;
use colorize::run_dir::{Lookup, ModelSearch, ModelSource};
use data_prep::outln;

/// `info --json`: the runtime's fields, then `model`.
#[derive(serde::Serialize)]
struct Info<'a> {
    #[serde(flatten)]
    runtime: &'a RuntimeInfo,
    model: ModelInfo,
}

/// The model found without `--model` (`path` + `source`), or why there is none (`error`);
/// `searched` lists the places in order.
#[derive(serde::Serialize)]
struct ModelInfo {
    path: Option<PathBuf>,
    source: Option<ModelSource>,
    error: Option<String>,
    searched: Vec<Place>,
}

#[derive(serde::Serialize)]
struct Place {
    source: ModelSource,
    path: PathBuf,
}

pub fn run(args: InfoArgs) -> anyhow::Result<()> {
    let info = RuntimeInfo::collect();
    let search = ModelSearch::from_env();
    let lookup = search.lookup(None);
    let not_found = lookup == Lookup::NotFound;
    let found = search.resolve(lookup);
    if args.json {
        let (path, source, error) = match found {
            Ok(f) => (Some(f.dir), Some(f.source), None),
            Err(e) => (None, None, Some(e.to_string())),
        };
        let searched = search
            .places()
            .into_iter()
            .map(|(source, path)| Place { source, path })
            .collect();
        let model = ModelInfo {
            path,
            source,
            error,
            searched,
        };
        let out = Info {
            runtime: &info,
            model,
        };
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
        return Ok(());
    }
    outln!("colorize      {}", env!("CARGO_PKG_VERSION"))?;
    outln!(
        "torch         {} (compiled against)",
        info.torch_build_version
    )?;
    if let Some(path) = &info.libtorch_path {
        outln!("libtorch      {path}")?;
    }
    if info.cuda_available {
        outln!(
            "CUDA devices  {} (cuDNN: {})",
            info.cuda_devices,
            info.cudnn_available
        )?;
    } else if info.cuda_backend {
        outln!("CUDA devices  none (libtorch's CUDA backend is loaded but sees no device)")?;
    } else {
        outln!(
            "CUDA devices  none (no NVIDIA driver; COLORIZE_CUDA=1 loads the CUDA backend anyway)"
        )?;
    }
    outln!(
        "device        {} (what --device auto uses)",
        info.default_device
    )?;
    outln!("threads       {}", info.threads)?;
    match info.keeps_freed_memory {
        true => {
            outln!("memory        freed memory kept for reuse (malloc: no mmap, trim past 2 GiB)")?
        }
        false => outln!("memory        the C allocator's defaults (MALLOC_* set, or not glibc)")?,
    }
    match found {
        Ok(f) => outln!("model         {} (from {})", f.dir.display(), f.source)?,
        Err(_) if not_found => {
            outln!("model         none found (searched: {})", search.searched())?
        }
        Err(e) => outln!("model         none usable: {e}")?,
    }
    Ok(())
}
