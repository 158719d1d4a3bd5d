//! Each CPU variant of the x86-64 archives, forced: the shipped archives hold
//! four or five compilations of every pipeline (AVX-512 with Cannon Lake's
//! byte permutes, for the 8-bit demosaics only; AVX-512 as Skylake has it;
//! AVX2; SSE4.1; plain x86-64) and pick the best one the CPU has at their
//! first call. This bench runs
//! itself once per variant in a child process that denies the CPU features
//! above it (Halide's `halide_set_custom_can_use_target_features`, installed
//! before any call, since the choice is made once per process), checks which
//! variant every pipeline then chose, and times the demosaics (12 MP RGGB,
//! interleaved, all threads) and the memory floor they compare to.
//!
//! Each variant is also a separate compilation of every pipeline, with its own
//! schedule (16-bit Bilinear and Malvar2004 are specialized per CFA phase on
//! AVX2 and up only), and the tests run just the one this CPU picks. So each
//! child also fingerprints every demosaic (algorithm x sample type x pattern x
//! output layout, on small odd frames of full-range samples) and the parent
//! fails unless all variants computed the same bits.
//!
//! `cargo bench -p halide-pipelines-benches --bench dispatch`. On a CPU without a variant's features
//! that variant's run says so and is skipped.

use std::collections::BTreeMap;
use std::ffi::c_int;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use criterion::{BenchmarkId, Criterion, Throughput};
use halide_pipelines::{
    Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, DemosaicSample, DevelopOutput, ParallelPool, RawParams, Transfer,
    demosaic, demosaic_to_array, develop, set_thread_pool,
};
use halide_pipelines_sys::halide_runtime_sys::{
    halide_default_can_use_target_features, halide_set_custom_can_use_target_features, halide_target_feature_avx,
    halide_target_feature_avx2, halide_target_feature_avx512, halide_target_feature_avx512_cannonlake,
    halide_target_feature_avx512_skylake, halide_target_feature_sse41, halide_target_feature_t,
};
use ndarray::Array3;

/// Demosaic archives each variant run calls: every algorithm, u8 and u16.
const ARCHIVES: usize = 2 * DemosaicAlgorithm::ALL.len();
/// Those of them with a Cannon Lake variant: the 8-bit ones but Mlri's
/// (generators/pipelines.toml, `skip_variants`).
const CANNONLAKE_ARCHIVES: usize = DemosaicAlgorithm::ALL.len() - 1;

mod common;
use common::{Floor, HEIGHT, WIDTH, frame, print_machine};

/// Set in the child process: the variant it runs.
const VARIANT_VARIABLE: &str = "HALIDE_PIPELINES_BENCH_VARIANT";
/// Set in the child process: the file it writes its fingerprints to.
const FINGERPRINTS_VARIABLE: &str = "HALIDE_PIPELINES_BENCH_FINGERPRINTS";

struct Variant {
    name: &'static str,
    /// How many of the archives called have this variant.
    archives: usize,
    /// The feature that marks this variant's compilation (none: plain x86-64).
    marker: Option<halide_target_feature_t>,
    /// Features reported missing, so that better variants are refused.
    denied: &'static [halide_target_feature_t],
    /// Whether this CPU can run the variant.
    available: fn() -> bool,
}

#[cfg(target_arch = "x86_64")]
mod cpu {
    use std::arch::is_x86_feature_detected as has;
    pub fn avx512_cannonlake() -> bool {
        // Halide's runtime: the Skylake-class set and IFMA (taken to imply VBMI).
        avx512() && has!("avx512ifma")
    }
    pub fn avx512() -> bool {
        // Halide's avx512 variant is its Skylake-class set.
        has!("avx512f") && has!("avx512cd") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl")
    }
    pub fn avx2() -> bool {
        has!("avx2") && has!("fma") && has!("f16c")
    }
    pub fn sse41() -> bool {
        has!("sse4.1")
    }
}
#[cfg(not(target_arch = "x86_64"))]
mod cpu {
    pub fn avx512_cannonlake() -> bool {
        false
    }
    pub fn avx512() -> bool {
        false
    }
    pub fn avx2() -> bool {
        false
    }
    pub fn sse41() -> bool {
        false
    }
}

const VARIANTS: [Variant; 5] = [
    Variant {
        name: "avx512_cannonlake",
        archives: CANNONLAKE_ARCHIVES,
        marker: Some(halide_target_feature_avx512_cannonlake),
        denied: &[],
        available: cpu::avx512_cannonlake,
    },
    Variant {
        name: "avx512",
        archives: ARCHIVES,
        marker: Some(halide_target_feature_avx512_skylake),
        denied: &[halide_target_feature_avx512_cannonlake],
        available: cpu::avx512,
    },
    Variant {
        name: "avx2",
        archives: ARCHIVES,
        marker: Some(halide_target_feature_avx2),
        denied: &[halide_target_feature_avx512],
        available: cpu::avx2,
    },
    Variant {
        name: "sse41",
        archives: ARCHIVES,
        marker: Some(halide_target_feature_sse41),
        denied: &[
            halide_target_feature_avx512,
            halide_target_feature_avx2,
            halide_target_feature_avx,
        ],
        available: cpu::sse41,
    },
    Variant {
        name: "x86-64",
        archives: ARCHIVES,
        marker: None,
        denied: &[
            halide_target_feature_avx512,
            halide_target_feature_avx2,
            halide_target_feature_avx,
            halide_target_feature_sse41,
        ],
        available: || true,
    },
];

/// The variant of this child process, read by the hook.
static CURRENT: Mutex<Option<&'static Variant>> = Mutex::new(None);
/// Every feature set the hook accepted.
static ACCEPTED: Mutex<Vec<Vec<u64>>> = Mutex::new(Vec::new());

fn has(features: &[u64], feature: halide_target_feature_t) -> bool {
    let bit = feature as usize;
    features.get(bit / 64).is_some_and(|word| word & (1 << (bit % 64)) != 0)
}

/// Halide asks, per variant and best first, whether the CPU has `features`:
/// say no to the denied ones, and ask Halide's own check for the rest.
unsafe extern "C" fn can_use_features(count: c_int, features: *const u64) -> c_int {
    let outcome = std::panic::catch_unwind(|| {
        // SAFETY: Halide passes `count` words of feature bits.
        let words = unsafe { std::slice::from_raw_parts(features, usize::try_from(count).unwrap_or(0)) };
        let variant = CURRENT.lock().unwrap().expect("set before any call");
        if variant.denied.iter().any(|&feature| has(words, feature)) {
            return 0;
        }
        // SAFETY: Halide's arguments, passed on unchanged.
        let usable = unsafe { halide_default_can_use_target_features(count, features) };
        if usable != 0 {
            ACCEPTED.lock().unwrap().push(words.to_vec());
        }
        usable
    });
    outcome.unwrap_or(0)
}

fn bench_variant(c: &mut Criterion, variant: &'static Variant) {
    *CURRENT.lock().unwrap() = Some(variant);
    // SAFETY: `can_use_features` has Halide's signature and never unwinds; it is
    // installed before the first pipeline call, when each archive picks its variant.
    unsafe { halide_set_custom_can_use_target_features(Some(can_use_features)) };
    set_thread_pool(ParallelPool::Halide);
    // One small call of each archive first, so that all eight choose their
    // variant whatever the benchmark filter selects.
    for &algorithm in DemosaicAlgorithm::ALL {
        demosaic_to_array(ndarray::Array2::<u8>::zeros((4, 4)).view(), CfaPattern::Rggb, algorithm).unwrap();
        demosaic_to_array(
            ndarray::Array2::<u16>::zeros((4, 4)).view(),
            CfaPattern::Rggb,
            algorithm,
        )
        .unwrap();
    }
    bench_sample::<u8>(c, variant, "u8");
    bench_sample::<u16>(c, variant, "u16");
    // Each archive asked about its variants from the least to the most specific
    // (the plain x86-64 one needs no question) and runs the most specific
    // accepted: so each archive called that has this variant (`archives`) must
    // have accepted its set, and none a set with a denied feature (by construction).
    let accepted = ACCEPTED.lock().unwrap();
    let chosen = match variant.marker {
        Some(marker) => accepted.iter().filter(|features| has(features, marker)).count(),
        None => ARCHIVES - accepted.len(),
    };
    assert_eq!(
        chosen, variant.archives,
        "the {} variant ran in {chosen} of the {} archives that have it (accepted: {accepted:x?})",
        variant.name, variant.archives
    );
}

/// A hash of every demosaic output of this process's variant, per case:
/// all algorithms, both sample types, the four patterns and the three output
/// layouts (interleaved, planar, and a transposed one that takes the `any`
/// archives), on frames of odd sizes, one wider than a 64-pixel block.
fn fingerprints() -> BTreeMap<String, u64> {
    let mut found = BTreeMap::new();
    fingerprint_sample::<u8>("u8", |v| v as u8, &mut found);
    fingerprint_sample::<u16>("u16", |v| v as u16, &mut found);
    fingerprint_develop::<u8>("u8", &mut found);
    fingerprint_develop::<u16>("u16", &mut found);
    found
}

/// `develop` (float arithmetic, polynomial sRGB curve) on 12-bit frames with
/// samples above white and below black, every algorithm, pattern and transfer,
/// interleaved and transposed output, with a colour matrix.
fn fingerprint_develop<T: DevelopOutput + Hash>(output_type: &str, found: &mut BTreeMap<String, u64>) {
    for (height, width) in [(7, 5), (37, 301)] {
        let mut state = 0x1234_5678u32;
        let raw = ndarray::Array2::from_shape_simple_fn((height, width), || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((state >> 8) % 4400) as u16
        });
        for &algorithm in DemosaicAlgorithm::ALL {
            for &pattern in CfaPattern::ALL {
                for transfer in [Transfer::Linear, Transfer::Srgb] {
                    let params = RawParams::new()
                        .with_black_levels([64, 60, 66, 62])
                        .with_white_level(4095)
                        .with_white_balance([2.1, 1.0, 1.6])
                        .with_color_matrix([[1.7, -0.5, -0.2], [-0.25, 1.45, -0.2], [0.05, -0.6, 1.55]])
                        .with_transfer(transfer);
                    for (layout, axes, storage_shape) in [
                        ("interleaved", [0, 1, 2], (height, width, 3)),
                        ("transposed", [1, 0, 2], (width, height, 3)),
                    ] {
                        let mut storage = Array3::<T>::from_elem(storage_shape, T::default());
                        develop(
                            &raw,
                            &mut storage.view_mut().permuted_axes(axes),
                            pattern,
                            algorithm,
                            &params,
                        )
                        .unwrap();
                        let mut hasher = DefaultHasher::new();
                        storage
                            .view()
                            .permuted_axes(axes)
                            .iter()
                            .for_each(|value| value.hash(&mut hasher));
                        let case = format!(
                            "develop {algorithm:?} to {output_type} {transfer:?} {pattern:?} {layout} {height}x{width}"
                        );
                        found.insert(case, hasher.finish());
                    }
                }
            }
        }
    }
}

fn fingerprint_sample<T: DemosaicSample + Hash>(
    sample: &str,
    from_bits: fn(u32) -> T,
    found: &mut BTreeMap<String, u64>,
) {
    for (height, width) in [(7, 5), (37, 301)] {
        // Full-range samples from a fixed linear congruential sequence.
        let mut state = 0x2545_f491u32;
        let raw = ndarray::Array2::from_shape_simple_fn((height, width), || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            from_bits(state >> 8)
        });
        let input = Buffer::try_from(raw.view()).unwrap();
        for &algorithm in DemosaicAlgorithm::ALL {
            for &pattern in CfaPattern::ALL {
                // ndarray axes (row, column, channel) -> storage order.
                let layouts = [
                    ("interleaved", [0, 1, 2], (height, width, 3)),
                    ("planar", [1, 2, 0], (3, height, width)),
                    ("transposed", [1, 0, 2], (width, height, 3)),
                ];
                for (layout, axes, storage_shape) in layouts {
                    let mut storage = Array3::<T>::from_elem(storage_shape, T::default());
                    let mut output = BufferMut::try_from(storage.view_mut().permuted_axes(axes)).unwrap();
                    demosaic(&input, &mut output, pattern, algorithm).unwrap();
                    let mut hasher = DefaultHasher::new();
                    storage
                        .view()
                        .permuted_axes(axes)
                        .iter()
                        .for_each(|value| value.hash(&mut hasher));
                    let case = format!("{algorithm:?} {sample} {pattern:?} {layout} {height}x{width}");
                    found.insert(case, hasher.finish());
                }
            }
        }
    }
}

fn bench_sample<T: DemosaicSample + From<u8>>(c: &mut Criterion, variant: &Variant, sample: &str) {
    let raw = frame::<T>();
    let mut rgb = Array3::<T>::from_elem((HEIGHT, WIDTH, 3), T::default());
    let mut group = c.benchmark_group(format!("dispatch 12MP {sample}"));
    group.throughput(Throughput::Elements((HEIGHT * WIDTH) as u64));
    group.sample_size(10);
    let input = Buffer::try_from(raw.view()).unwrap();
    let mut output = BufferMut::try_from(rgb.view_mut()).unwrap();
    for &algorithm in DemosaicAlgorithm::ALL {
        group.bench_function(
            BenchmarkId::new(format!("{algorithm:?} interleaved"), variant.name),
            |b| b.iter(|| demosaic(&input, &mut output, CfaPattern::Rggb, algorithm).unwrap()),
        );
    }
    group.finish();
}

fn bench_floor<T: DemosaicSample + From<u8> + bytemuck::Pod>(c: &mut Criterion, sample: &str) {
    let raw = frame::<T>();
    let mut rgb = Array3::<T>::from_elem((HEIGHT, WIDTH, 3), T::default());
    let floor = Floor::calibrate(&raw, &mut rgb);
    let mut group = c.benchmark_group(format!("dispatch 12MP {sample}"));
    group.throughput(Throughput::Elements((HEIGHT * WIDTH) as u64));
    group.sample_size(10);
    group.bench_function("memory floor (all threads)", |b| b.iter(|| floor.run(&raw, &mut rgb)));
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    if let Ok(name) = std::env::var(VARIANT_VARIABLE) {
        let variant = VARIANTS.iter().find(|v| v.name == name).expect("a known variant");
        bench_variant(&mut criterion, variant);
        criterion.final_summary();
        if let Ok(path) = std::env::var(FINGERPRINTS_VARIABLE) {
            let lines: String = fingerprints()
                .iter()
                .map(|(case, hash)| format!("{case}\t{hash:016x}\n"))
                .collect();
            std::fs::write(path, lines).expect("the parent's fingerprint file is writable");
        }
        return;
    }
    // In the parent only: a child's variant is forced, and its run says which.
    print_machine();
    if !cfg!(target_arch = "x86_64") {
        println!(
            "dispatch: the archives of this target have one variant; see `cargo bench -p halide-pipelines-benches --bench demosaic`"
        );
        return;
    }
    bench_floor::<u8>(&mut criterion, "u8");
    bench_floor::<u16>(&mut criterion, "u16");
    let this = std::env::current_exe().expect("the bench's own path");
    let fingerprint_dir = std::env::temp_dir().join(format!("halide-pipelines-dispatch-{}", std::process::id()));
    std::fs::create_dir_all(&fingerprint_dir).expect("a temporary directory");
    let mut fingerprinted = Vec::new();
    for variant in &VARIANTS {
        if !(variant.available)() {
            println!("dispatch: this CPU cannot run the {} variant; skipped", variant.name);
            continue;
        }
        let status = Command::new(&this)
            .args(std::env::args_os().skip(1))
            .env(VARIANT_VARIABLE, variant.name)
            .env(FINGERPRINTS_VARIABLE, fingerprint_dir.join(variant.name))
            .status()
            .expect("the bench runs itself");
        assert!(status.success(), "the {} variant's run failed: {status}", variant.name);
        fingerprinted.push(variant.name);
    }
    let outcome = compare_fingerprints(&fingerprint_dir, &fingerprinted);
    let _ = std::fs::remove_dir_all(&fingerprint_dir);
    match outcome {
        Ok(cases) => println!(
            "dispatch: {} variants computed the same bits in all {cases} cases",
            fingerprinted.len()
        ),
        Err(message) => panic!("dispatch: {message}"),
    }
    criterion.final_summary();
}

/// Compares the fingerprint files the children wrote: every variant must have
/// computed every case, to the same bits as the first. Returns the case count.
fn compare_fingerprints(dir: &Path, variants: &[&str]) -> Result<usize, String> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).map_err(|e| format!("no fingerprints from the {name} variant: {e}"))
    };
    let Some((first, others)) = variants.split_first() else {
        return Ok(0);
    };
    let expected = read(first)?;
    for other in others {
        let actual = read(other)?;
        for (want, got) in expected.lines().zip(actual.lines()) {
            if want != got {
                return Err(format!(
                    "the {other} variant differs from {first}: {got} (expected {want})"
                ));
            }
        }
        if expected.lines().count() != actual.lines().count() {
            return Err(format!(
                "the {other} variant fingerprinted another set of cases than {first}"
            ));
        }
    }
    Ok(expected.lines().count())
}
