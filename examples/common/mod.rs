//! Helpers shared by the benchmark examples (a directory without `main.rs`, so cargo does
//! not build it as an example of its own).

/// User + system CPU seconds of this process so far (`/proc/self/stat`, 100 ticks/s):
/// a measure of work that is less disturbed than wall time on a shared machine.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
