//! `colorize info`: what torch runtime this binary sees.

use crate::cli::InfoArgs;
use colorize::device::RuntimeInfo;
use data_prep::outln;

pub fn run(args: InfoArgs) -> anyhow::Result<()> {
    let info = RuntimeInfo::collect();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&info)?)?;
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
    } else {
        outln!("CUDA devices  none")?;
    }
    outln!(
        "device        {} (what --device auto uses)",
        info.default_device
    )?;
    outln!("threads       {}", info.threads)?;
    Ok(())
}
