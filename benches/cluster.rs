//! Clustering benchmarks: the claim is near-linear scaling.
//!
//! * `cluster/scale/{1000,10000,100000}`: `Clusterer::cluster` on real texts
//!   from `../shared/data` cycled with small variations (synthetic texts when
//!   the folder is absent). Goal on one core: 100k items in under 5 s, and
//!   time(100k) / time(10k) <= 15.
//! * Before criterion runs, a comparison on 2,000 items with the exhaustive
//!   all-pairs path: the speed-up, and the share of the all-pairs similar
//!   pairs (cosine >= the default threshold, 0.3 and 0.5) the fast path
//!   finds. Pairs that share only very common words are weak and are the
//!   ones the index skips by design. Also one timed run at
//!   10k and 100k and their ratio.
//!
//! * `cluster/embedded/{1000,10000}`: the same items, each with a 384-dim
//!   caller `embedding` (the exact mean linkage): a stand-in model whose
//!   vector for a text is the sum of a fixed pseudo-random vector per word,
//!   so texts that share words point the same way. It times the path, not
//!   a model's quality.
//!
//! `cargo bench --bench cluster` (add `--features parallel` for the
//! multi-threaded candidate and verification phases). Sample sizes are small so the whole run
//! takes a couple of minutes. The 1M point and peak memory:
//! `cargo run --release --example cluster_scale`.

#[path = "../examples/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use feedback_triage::{Clusterer, FeedbackItem};

/// The fast path against all pairs on `items` (needs the `internals`
/// feature: `cargo bench --bench cluster --features internals`).
#[cfg(feature = "internals")]
fn pairs(items: &[feedback_triage::FeedbackItem]) {
    use std::collections::HashSet;

    let cl = Clusterer::default();
    for t in [cl.params().similarity_threshold, 0.3, 0.5] {
        let cl = Clusterer::new(feedback_triage::ClusterParams::default().similarity_threshold(t))
            .unwrap();
        let t0 = Instant::now();
        let fast = cl.similar_pairs(items, false).unwrap();
        let t_fast = t0.elapsed();
        let t0 = Instant::now();
        let all = cl.similar_pairs(items, true).unwrap();
        let t_all = t0.elapsed();
        let found: HashSet<(&str, &str)> = fast.iter().map(|p| (&*p.0, &*p.1)).collect();
        let hit = all
            .iter()
            .filter(|p| found.contains(&(&*p.0, &*p.1)))
            .count();
        println!(
            "2k items, pairs with cosine >= {t}: fast path {:.1} ms, all pairs {:.1} ms, \
             speed-up {:.1}x; fast path finds {hit} of {} ({:.1}%)",
            t_fast.as_secs_f64() * 1e3,
            t_all.as_secs_f64() * 1e3,
            t_all.as_secs_f64() / t_fast.as_secs_f64(),
            all.len(),
            100.0 * hit as f64 / all.len().max(1) as f64
        );
    }
}

#[cfg(not(feature = "internals"))]
fn pairs(_: &[feedback_triage::FeedbackItem]) {
    println!("fast path against all pairs: run with --features internals");
}

fn figures(texts: &[(String, String)]) {
    let cl = Clusterer::default();
    let items = common::scale_items(2_000, texts);
    pairs(&items);
    let time = |n: usize| {
        let items = common::scale_items(n, texts);
        let t0 = Instant::now();
        let c = cl.cluster(&items).unwrap();
        assert_eq!(c.len(), n);
        t0.elapsed().as_secs_f64()
    };
    let (t10, t100) = (time(10_000), time(100_000));
    println!(
        "cluster 10k: {t10:.2} s, 100k: {t100:.2} s, ratio {:.1} (parallel feature {})",
        t100 / t10,
        if cfg!(feature = "parallel") {
            "on: RAYON_NUM_THREADS sets the threads"
        } else {
            "off"
        }
    );
}

/// One criterion group timing `Clusterer::cluster` on `items(n)` for each
/// size.
fn curve(
    c: &mut Criterion,
    name: &str,
    sizes: &[usize],
    items: impl Fn(usize) -> Vec<FeedbackItem>,
) {
    let cl = Clusterer::default();
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    for &n in sizes {
        let items = items(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &items, |b, items| {
            b.iter(|| {
                let c = cl.cluster(black_box(items)).unwrap();
                // Every item is accounted for.
                assert_eq!(c.len(), items.len());
                c
            })
        });
    }
    g.finish();
}

fn scale(c: &mut Criterion, texts: &[(String, String)]) {
    curve(c, "cluster/scale", &[1_000, 10_000, 100_000], |n| {
        common::scale_items(n, texts)
    });
}

/// The stand-in model of `cluster/embedded`: the sum of one pseudo-random
/// `dims`-vector per lower-cased word of the title and body.
fn embed(item: &FeedbackItem, dims: usize) -> Vec<f32> {
    let mut v = vec![0.0f32; dims];
    let text = format!("{} {}", item.title, item.body).to_lowercase();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        // FNV-1a of the word seeds a xorshift stream.
        let mut h = word.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }) | 1;
        for x in &mut v {
            h ^= h << 13;
            h ^= h >> 7;
            h ^= h << 17;
            *x += (h >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
        }
    }
    if v.iter().all(|&x| x == 0.0) {
        v[0] = 1.0;
    }
    v
}

fn embedded(c: &mut Criterion, texts: &[(String, String)]) {
    curve(c, "cluster/embedded", &[1_000, 10_000], |n| {
        common::scale_items(n, texts)
            .into_iter()
            .map(|it| {
                let e = embed(&it, 384);
                it.with_embedding(e)
            })
            .collect()
    });
}

fn main() {
    let texts = common::shared_texts("../shared/data");
    if texts.is_empty() {
        println!("../shared/data not found: synthetic texts");
    }
    figures(&texts);
    let mut c = Criterion::default().configure_from_args();
    scale(&mut c, &texts);
    embedded(&mut c, &texts);
    c.final_summary();
}
