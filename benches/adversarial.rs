//! Adversarial scale benchmark for classification: each case at 1x and 10x
//! its base size (see benches/common/adversarial.rs). The 10x/1x time ratio
//! should stay near 10 (at most 15); `cargo run --release --example
//! adversarial` prints the ratios and peak memory.
//!
//! ```text
//! cargo bench --bench adversarial
//! ```

#[path = "common/adversarial.rs"]
mod adversarial;

use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use feedback_triage::Classifier;

fn bench(c: &mut Criterion) {
    let classifier = Classifier::builtin();
    for case in adversarial::CASES {
        let mut group = c.benchmark_group(format!("adversarial/{}", case.name));
        group.sample_size(10);
        group.sampling_mode(SamplingMode::Flat);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(3));
        for scale in [1, 10] {
            let (items, size) = case.at(scale);
            group.throughput(if case.unit == "bytes" {
                Throughput::Bytes(size as u64)
            } else {
                Throughput::Elements(size as u64)
            });
            group.bench_with_input(
                BenchmarkId::new(format!("{scale}x"), size),
                &items,
                |b, items| b.iter(|| adversarial::run(&classifier, items)),
            );
        }
        group.finish();
    }
    // The clustering's cases: `cargo run --release --example adversarial`
    // prints their 1x and 10x times (single runs: 100k-item clusterings are
    // too slow for criterion's repeated samples).
}

criterion_group!(benches, bench);
criterion_main!(benches);
