//! The machine a bench ran on, printed once at the start of each bench binary:
//! its timings, and which of the archives' CPU variants produced them, mean
//! little without it (issue 13: figures from a Xeon and an EPYC were compared).

/// Prints the CPU model, the core count, the x86 features Halide's dispatch
/// looks at and the variant the archives run.
pub fn print_machine() {
    eprintln!(
        "machine: {}, {} cores ({} {})",
        cpu_model(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    #[cfg(target_arch = "x86_64")]
    x86::print_features_and_variant();
    #[cfg(not(target_arch = "x86_64"))]
    eprintln!("machine: the archives of this target have one CPU variant");
}

/// Linux's "model name" (x86 reports one; most aarch64 kernels do not).
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                (key.trim() == "model name").then(|| value.trim().to_owned())
            })
        })
        .unwrap_or_else(|| "CPU model unknown (no \"model name\" in /proc/cpuinfo)".to_owned())
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::is_x86_feature_detected as has;
    use std::ffi::c_int;

    use halide_pipelines_sys::halide_runtime_sys::{
        halide_can_use_target_features, halide_target_feature_avx, halide_target_feature_avx2,
        halide_target_feature_avx512, halide_target_feature_avx512_cannonlake, halide_target_feature_avx512_skylake,
        halide_target_feature_end, halide_target_feature_f16c, halide_target_feature_fma, halide_target_feature_sse41,
        halide_target_feature_t,
    };

    /// The CPU variants of the x86-64 archives, best first, with the CPU
    /// features of their Halide targets (generators/pipelines.toml,
    /// `[targets.x86_64-unknown-linux-gnu]`); the last one, plain x86-64,
    /// needs none and runs when none of these can. (Only the 8-bit demosaic
    /// archives have the Cannon Lake variant; the others run their Skylake one
    /// there.)
    const VARIANTS: [(&str, &[halide_target_feature_t]); 4] = [
        (
            "avx512 (avx512_cannonlake)",
            &[
                halide_target_feature_avx,
                halide_target_feature_avx2,
                halide_target_feature_avx512,
                halide_target_feature_avx512_cannonlake,
                halide_target_feature_avx512_skylake,
                halide_target_feature_f16c,
                halide_target_feature_fma,
                halide_target_feature_sse41,
            ],
        ),
        (
            "avx512 (avx512_skylake)",
            &[
                halide_target_feature_avx,
                halide_target_feature_avx2,
                halide_target_feature_avx512,
                halide_target_feature_avx512_skylake,
                halide_target_feature_f16c,
                halide_target_feature_fma,
                halide_target_feature_sse41,
            ],
        ),
        (
            "avx2 (avx avx2 f16c fma sse41)",
            &[
                halide_target_feature_avx,
                halide_target_feature_avx2,
                halide_target_feature_f16c,
                halide_target_feature_fma,
                halide_target_feature_sse41,
            ],
        ),
        ("sse41", &[halide_target_feature_sse41]),
    ];
    const BASELINE: &str = "x86-64 (baseline)";

    pub fn print_features_and_variant() {
        // The features Halide's x86 variants are built from, and the AVX-512
        // extensions its newer targets (zen4, sapphirerapids) add, as this CPU
        // and OS report them.
        let features = [
            ("sse4.1", has!("sse4.1")),
            ("avx", has!("avx")),
            ("avx2", has!("avx2")),
            ("fma", has!("fma")),
            ("f16c", has!("f16c")),
            ("avx512f", has!("avx512f")),
            ("avx512cd", has!("avx512cd")),
            ("avx512bw", has!("avx512bw")),
            ("avx512dq", has!("avx512dq")),
            ("avx512vl", has!("avx512vl")),
            ("avx512ifma", has!("avx512ifma")),
            ("avx512vbmi", has!("avx512vbmi")),
            ("avx512vnni", has!("avx512vnni")),
            ("avx512bf16", has!("avx512bf16")),
            ("avx512fp16", has!("avx512fp16")),
            ("avxvnni", has!("avxvnni")),
        ];
        let named = |present: bool| {
            let names: Vec<&str> = features
                .iter()
                .filter(|&&(_, has)| has == present)
                .map(|&(name, _)| name)
                .collect();
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(" ")
            }
        };
        eprintln!("machine: x86 features: {}; missing: {}", named(true), named(false));

        let asked = VARIANTS
            .iter()
            .find(|(_, features)| halide_accepts(features))
            .map_or(BASELINE, |&(name, _)| name);
        let derived = derived_variant();
        let agreement = if asked == derived {
            "the CPUID rule of pipelines.toml agrees".to_owned()
        } else {
            format!("but the CPUID rule of pipelines.toml gives {derived}")
        };
        eprintln!("machine: the archives run their {asked} variant (asked Halide's runtime; {agreement})");
    }

    /// Asks the linked Halide runtime whether this CPU can run code built with
    /// `features`: the very question each archive asks, best variant first,
    /// at its first call (so a custom hook installed by the process counts).
    fn halide_accepts(features: &[halide_target_feature_t]) -> bool {
        let mut words = vec![0u64; (halide_target_feature_end as usize).div_ceil(64)];
        for &feature in features {
            words[feature as usize / 64] |= 1 << (feature % 64);
        }
        let count = c_int::try_from(words.len()).expect("a few words");
        // SAFETY: Halide reads `count` words of feature bits from the pointer,
        // which `words` holds, and keeps nothing.
        unsafe { halide_can_use_target_features(count, words.as_ptr()) != 0 }
    }

    /// The same choice from CPUID: Halide's Cannon Lake AVX-512 set (Skylake's
    /// and IFMA, which Halide's runtime takes to imply VBMI), else its Skylake
    /// set, else AVX2 with FMA and F16C, else SSE4.1.
    fn derived_variant() -> &'static str {
        let avx2 = has!("avx") && has!("avx2") && has!("fma") && has!("f16c") && has!("sse4.1");
        let avx512 = has!("avx512f") && has!("avx512cd") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl");
        if avx2 && avx512 && has!("avx512ifma") {
            VARIANTS[0].0
        } else if avx2 && avx512 {
            VARIANTS[1].0
        } else if avx2 {
            VARIANTS[2].0
        } else if has!("sse4.1") {
            VARIANTS[3].0
        } else {
            BASELINE
        }
    }
}
