//! `colorize info`: what torch runtime this binary sees.

use colorize::cli::InfoArgs;
use colorize::device::RuntimeInfo;

pub fn run(args: InfoArgs) -> anyhow::Result<()> {
    let info = RuntimeInfo::collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info)?);
        return Ok(());
    }
    println!("colorize      {}", env!("CARGO_PKG_VERSION"));
    println!(
        "torch         {} (compiled against)",
        info.torch_build_version
    );
    if let Some(path) = &info.libtorch_path {
        println!("libtorch      {path}");
    }
    if info.cuda_available {
        println!(
            "CUDA devices  {} (cuDNN: {})",
            info.cuda_devices, info.cudnn_available
        );
    } else {
        println!("CUDA devices  none");
    }
    println!(
        "device        {} (what --device auto uses)",
        info.default_device
    );
    println!("threads       {}", info.threads);
    Ok(())
}
