//! One large clustering run, timed, with peak memory.
//!
//! ```text
//! cargo run --release --example cluster_scale               # 1,000,000 items
//! cargo run --release --example cluster_scale -- --n 200000
//! cargo run --release --example cluster_scale --features parallel -- --n 100000
//! cargo run --release --example cluster_scale -- --n 100000 --params '{"semantic_weight": 0}'
//! ```
//!
//! With the `parallel` feature, `RAYON_NUM_THREADS` sets the number of
//! threads (default: all cores).
//!
//! Items are the texts of `../shared/data` (`--data DIR`) cycled with small
//! variations, or synthetic texts when absent. Peak memory is the process's
//! high-water mark (`VmHWM` in `/proc/self/status`, Linux only).

mod common;

use std::time::Instant;

use feedback_triage::{ClusterParams, Clusterer};

fn main() -> Result<(), String> {
    let args = common::Args::parse(&["n", "data", "params"])?;
    args.check(&["n", "data", "params"])?;
    let params: ClusterParams = match args.value("params") {
        Some(p) => serde_json::from_str(p).map_err(|e| format!("--params: {e}"))?,
        None => ClusterParams::default(),
    };
    let clusterer = Clusterer::new(params).map_err(|e| e.to_string())?;
    let n: usize = args
        .value("n")
        .unwrap_or("1000000")
        .parse()
        .map_err(|e| format!("--n: {e}"))?;
    let texts = common::shared_texts(args.value("data").unwrap_or("../shared/data"));
    let items = common::scale_items(n, &texts);
    println!(
        "{n} items built; {} after loading; parallel feature {}{}",
        peak(),
        if cfg!(feature = "parallel") {
            "on"
        } else {
            "off"
        },
        threads()
    );
    let t0 = Instant::now();
    let c = clusterer.cluster(&items).map_err(|e| e.to_string())?;
    println!(
        "clustered {} items in {:.2} s: {} features, {} special cases; peak memory {}",
        c.len(),
        t0.elapsed().as_secs_f64(),
        c.features.len(),
        c.special_cases.len(),
        peak()
    );
    Ok(())
}

fn peak() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(feature = "parallel")]
fn threads() -> String {
    format!(" ({} threads)", rayon::current_num_threads())
}

#[cfg(not(feature = "parallel"))]
fn threads() -> String {
    String::new()
}
