//! The archives' SSE4.1 variant for CI's valgrind run: shared by the tests
//! that call the develop archives.
#![allow(dead_code)]

/// CI's valgrind run (`.ci/memcheck.sh`) sets this: the archives then run their
/// SSE4.1 (or baseline) variant. valgrind's x86 decoder refuses an AVX2
/// instruction LLVM emits in the develop archives (`vmovq xmm, xmm` in its
/// 0xD6 encoding: SIGILL under valgrind, fine on every CPU), so memcheck
/// checks the same arithmetic and memory accesses through the SSE4.1 code
/// (`cargo bench -p halide-pipelines-benches --bench dispatch` checks that the variants compute the same bits).
#[cfg(target_arch = "x86_64")]
const X86_BASELINE_VARIABLE: &str = "HALIDE_PIPELINES_TEST_X86_SSE41";

/// Halide's feature check with AVX, AVX2 and AVX-512 reported missing.
#[cfg(target_arch = "x86_64")]
unsafe extern "C" fn without_avx(count: std::ffi::c_int, features: *const u64) -> std::ffi::c_int {
    use halide_runtime_sys::{
        halide_default_can_use_target_features, halide_target_feature_avx, halide_target_feature_avx2,
        halide_target_feature_avx512, halide_target_feature_t,
    };
    let outcome = std::panic::catch_unwind(|| {
        // SAFETY: Halide passes `count` words of feature bits.
        let words = unsafe { std::slice::from_raw_parts(features, usize::try_from(count).unwrap_or(0)) };
        let has = |feature: halide_target_feature_t| {
            let bit = feature as usize;
            words.get(bit / 64).is_some_and(|word| word & (1 << (bit % 64)) != 0)
        };
        let avx = [
            halide_target_feature_avx,
            halide_target_feature_avx2,
            halide_target_feature_avx512,
        ];
        if avx.into_iter().any(has) {
            return 0;
        }
        // SAFETY: Halide's arguments, passed on unchanged.
        unsafe { halide_default_can_use_target_features(count, features) }
    });
    outcome.unwrap_or(0)
}

/// Called first by every test: installs `without_avx` before any archive picks
/// its variant, when X86_BASELINE_VARIABLE is set.
pub fn choose_variant() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(target_arch = "x86_64")]
        if std::env::var_os(X86_BASELINE_VARIABLE).is_some() {
            // SAFETY: `without_avx` has Halide's signature and never unwinds; it is
            // installed before this process's first pipeline call.
            unsafe { halide_runtime_sys::halide_set_custom_can_use_target_features(Some(without_avx)) };
        }
    });
}
