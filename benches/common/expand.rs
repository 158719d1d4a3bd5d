//! Expand kernels: every sample of a run written three times in a row (its
//! R, G and B), the one piece of work the memory floor does. Written with
//! explicit SIMD shuffles and full-width stores, so that the floor is what the
//! memory can do and not what the compiler made of a scalar loop (issue 13:
//! the autovectorised loop ran at 2.4x an SSSE3 `pshufb` expand).
//!
//! Kernels work on bytes: `SAMPLE` bytes per sample (1 for u8, 2 for u16), so
//! one shuffle pattern serves both types. Each takes `source` (whole samples)
//! and `target` (three times as long) and panics on any other lengths.

/// A kernel: `target[3 i + c] = source[i]` for each sample `i`, channel `c`.
pub type Kernel = fn(&[u8], &mut [u8]);

/// The kernels this CPU can run for `SAMPLE`-byte samples, named, the widest
/// last. The scalar loop is there only when no SIMD kernel is.
pub fn kernels<const SAMPLE: usize>() -> Vec<(&'static str, Kernel)> {
    #[allow(unused_mut)] // on targets without SIMD kernels
    let mut kernels: Vec<(&'static str, Kernel)> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("ssse3") {
            // SAFETY: the CPU has the one feature the kernel is compiled for.
            kernels.push(("SSSE3 pshufb", |source, target| unsafe {
                x86::ssse3::<SAMPLE>(source, target)
            }));
        }
        if has!("avx2") {
            // SAFETY: as above, for AVX2.
            kernels.push(("AVX2 vpshufb", |source, target| unsafe {
                x86::avx2::<SAMPLE>(source, target)
            }));
        }
        if has!("avx512bw") {
            // SAFETY: as above, for AVX-512BW (which implies AVX-512F).
            kernels.push(("AVX-512BW vpermq+vpshufb", |source, target| unsafe {
                x86::avx512bw::<SAMPLE>(source, target)
            }));
        }
        if has!("avx512bw") && has!("avx512vbmi") {
            // SAFETY: as above, for AVX-512BW and VBMI.
            kernels.push(("AVX-512VBMI vpermb", |source, target| unsafe {
                x86::avx512vbmi::<SAMPLE>(source, target)
            }));
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            let kernel: Kernel = match SAMPLE {
                // SAFETY: the CPU has NEON, the one feature the kernel is compiled for.
                1 => |source, target| unsafe { arm::neon_u8(source, target) },
                // SAFETY: as above.
                _ => |source, target| unsafe { arm::neon_u16(source, target) },
            };
            kernels.push(("NEON vst3q", kernel));
        }
    }
    if kernels.is_empty() {
        kernels.push(("scalar", scalar::<SAMPLE>));
    }
    kernels
}

/// The reference the SIMD kernels are checked against, and their tail loop.
pub fn scalar<const SAMPLE: usize>(source: &[u8], target: &mut [u8]) {
    check_lengths::<SAMPLE>(source, target);
    for (pixel, sample) in target.chunks_exact_mut(3 * SAMPLE).zip(source.chunks_exact(SAMPLE)) {
        for channel in pixel.chunks_exact_mut(SAMPLE) {
            channel.copy_from_slice(sample);
        }
    }
}

/// The SIMD loops below rely on these lengths to stop together with their tails.
fn check_lengths<const SAMPLE: usize>(source: &[u8], target: &[u8]) {
    assert!(
        source.len().is_multiple_of(SAMPLE) && target.len() == 3 * source.len(),
        "an expand takes whole {SAMPLE}-byte samples and three times their bytes: {} and {}",
        source.len(),
        target.len()
    );
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{check_lengths, scalar};

    /// Which source byte output byte `j` copies: byte `j % SAMPLE` of sample
    /// `j / SAMPLE / 3`. Every shuffle pattern below is built from this.
    const fn source_byte<const SAMPLE: usize>(j: usize) -> usize {
        (j / SAMPLE / 3) * SAMPLE + j % SAMPLE
    }

    /// The `N`-byte shuffle patterns of the three output vectors `k` (output
    /// bytes `N k ..= N k + N - 1`), as indices into 16-byte lanes: lane `l`
    /// of vector `k` holds the source bytes from `lane_start[k][l]` on. Built
    /// at compile time (in `const` blocks), where an index outside its lane
    /// stops the build.
    const fn lane_patterns<const SAMPLE: usize, const N: usize>(lane_start: [[usize; 4]; 3]) -> [[u8; N]; 3] {
        let mut patterns = [[0u8; N]; 3];
        let mut k = 0;
        while k < 3 {
            let mut b = 0;
            while b < N {
                let index = source_byte::<SAMPLE>(N * k + b) - lane_start[k][b / 16];
                assert!(index < 16, "a pshufb index reaches outside its 16-byte lane");
                patterns[k][b] = index as u8;
                b += 1;
            }
            k += 1;
        }
        patterns
    }

    /// Where each 16-byte lane of each 64-byte output vector starts reading,
    /// rounded down to 8 bytes since a `vpermq` moves whole quadwords (the at
    /// most 12 bytes a lane needs still fit in the 16 from there on: checked
    /// by `lane_patterns`).
    const fn quadword_starts<const SAMPLE: usize>() -> [[usize; 4]; 3] {
        let mut starts = [[0; 4]; 3];
        let mut k = 0;
        while k < 3 {
            let mut lane = 0;
            while lane < 4 {
                starts[k][lane] = source_byte::<SAMPLE>(64 * k + 16 * lane) / 8 * 8;
                lane += 1;
            }
            k += 1;
        }
        starts
    }

    /// The `vpermq` indices that put those two quadwords in each lane.
    const fn quadword_indices<const SAMPLE: usize>() -> [[i64; 8]; 3] {
        let starts = quadword_starts::<SAMPLE>();
        let mut indices = [[0; 8]; 3];
        let mut k = 0;
        while k < 3 {
            let mut lane = 0;
            while lane < 4 {
                indices[k][2 * lane] = (starts[k][lane] / 8) as i64;
                indices[k][2 * lane + 1] = (starts[k][lane] / 8 + 1) as i64;
                lane += 1;
            }
            k += 1;
        }
        indices
    }

    /// The `vpermb` indices: any byte of the 64-byte register to any place.
    const fn byte_indices<const SAMPLE: usize>() -> [[u8; 64]; 3] {
        let mut indices = [[0; 64]; 3];
        let mut j = 0;
        while j < 192 {
            let index = source_byte::<SAMPLE>(j);
            assert!(index < 64, "a vpermb index reaches outside the register");
            indices[j / 64][j % 64] = index as u8;
            j += 1;
        }
        indices
    }

    /// 16 source bytes -> 48 output bytes: three `pshufb` of the same register.
    #[target_feature(enable = "ssse3")]
    pub fn ssse3<const SAMPLE: usize>(source: &[u8], target: &mut [u8]) {
        check_lengths::<SAMPLE>(source, target);
        let patterns = const { lane_patterns::<SAMPLE, 16>([[0; 4]; 3]) };
        // SAFETY: 3 x 16 bytes become three 16-byte vectors; any bits are a valid __m128i.
        let patterns = unsafe { std::mem::transmute::<[[u8; 16]; 3], [__m128i; 3]>(patterns) };
        let mut blocks = source.chunks_exact(16);
        let mut pixels = target.chunks_exact_mut(48);
        for (block, pixel) in (&mut blocks).zip(&mut pixels) {
            // SAFETY: `block` is 16 readable bytes (chunks_exact); loadu needs no alignment.
            let samples = unsafe { _mm_loadu_si128(block.as_ptr().cast()) };
            for (k, &pattern) in patterns.iter().enumerate() {
                // SAFETY: bytes 16 k .. 16 k + 16 of the 48-byte `pixel` are writable; storeu needs no alignment.
                unsafe {
                    _mm_storeu_si128(
                        pixel.as_mut_ptr().add(16 * k).cast(),
                        _mm_shuffle_epi8(samples, pattern),
                    )
                };
            }
        }
        scalar::<SAMPLE>(blocks.remainder(), pixels.into_remainder());
    }

    /// 32 source bytes -> 96 output bytes. `vpshufb` shuffles within each
    /// 128-bit lane only, so output vector `k` shuffles a 16-byte window of
    /// the source at byte 8 k, loaded into both lanes: each 32-byte output
    /// vector reads at most 12 consecutive source bytes, all inside it.
    #[target_feature(enable = "avx2")]
    pub fn avx2<const SAMPLE: usize>(source: &[u8], target: &mut [u8]) {
        check_lengths::<SAMPLE>(source, target);
        let patterns = const { lane_patterns::<SAMPLE, 32>([[0; 4], [8; 4], [16; 4]]) };
        // SAFETY: 3 x 32 bytes become three 32-byte vectors; any bits are a valid __m256i.
        let patterns = unsafe { std::mem::transmute::<[[u8; 32]; 3], [__m256i; 3]>(patterns) };
        let mut blocks = source.chunks_exact(32);
        let mut pixels = target.chunks_exact_mut(96);
        for (block, pixel) in (&mut blocks).zip(&mut pixels) {
            for (k, &pattern) in patterns.iter().enumerate() {
                // SAFETY: bytes 8 k .. 8 k + 16 (k <= 2) of the 32-byte `block` are readable; loadu needs no alignment.
                let window = _mm256_broadcastsi128_si256(unsafe { _mm_loadu_si128(block.as_ptr().add(8 * k).cast()) });
                // SAFETY: bytes 32 k .. 32 k + 32 of the 96-byte `pixel` are writable; storeu needs no alignment.
                unsafe {
                    _mm256_storeu_si256(
                        pixel.as_mut_ptr().add(32 * k).cast(),
                        _mm256_shuffle_epi8(window, pattern),
                    )
                };
            }
        }
        scalar::<SAMPLE>(blocks.remainder(), pixels.into_remainder());
    }

    /// 64 source bytes -> 192 output bytes, without VBMI's byte permute:
    /// `vpermq` first gives each 128-bit lane of output vector `k` the two
    /// source quadwords it reads from, then the in-lane `vpshufb` places bytes.
    #[target_feature(enable = "avx512bw")]
    pub fn avx512bw<const SAMPLE: usize>(source: &[u8], target: &mut [u8]) {
        check_lengths::<SAMPLE>(source, target);
        let quadwords = const { quadword_indices::<SAMPLE>() };
        let patterns = const { lane_patterns::<SAMPLE, 64>(quadword_starts::<SAMPLE>()) };
        // SAFETY: 3 x 64 bytes become three 64-byte vectors; any bits are a valid __m512i.
        let quadwords = unsafe { std::mem::transmute::<[[i64; 8]; 3], [__m512i; 3]>(quadwords) };
        // SAFETY: as above.
        let patterns = unsafe { std::mem::transmute::<[[u8; 64]; 3], [__m512i; 3]>(patterns) };
        let mut blocks = source.chunks_exact(64);
        let mut pixels = target.chunks_exact_mut(192);
        for (block, pixel) in (&mut blocks).zip(&mut pixels) {
            // SAFETY: `block` is 64 readable bytes (chunks_exact); loadu needs no alignment.
            let samples = unsafe { _mm512_loadu_si512(block.as_ptr().cast()) };
            for (k, (&quadword, &pattern)) in quadwords.iter().zip(&patterns).enumerate() {
                let lanes = _mm512_permutexvar_epi64(quadword, samples);
                // SAFETY: bytes 64 k .. 64 k + 64 of the 192-byte `pixel` are writable; storeu needs no alignment.
                unsafe {
                    _mm512_storeu_si512(
                        pixel.as_mut_ptr().add(64 * k).cast(),
                        _mm512_shuffle_epi8(lanes, pattern),
                    )
                };
            }
        }
        scalar::<SAMPLE>(blocks.remainder(), pixels.into_remainder());
    }

    /// 64 source bytes -> 192 output bytes, one `vpermb` (any byte of the
    /// register to any position) per output vector.
    #[target_feature(enable = "avx512bw,avx512vbmi")]
    pub fn avx512vbmi<const SAMPLE: usize>(source: &[u8], target: &mut [u8]) {
        check_lengths::<SAMPLE>(source, target);
        let permutes = const { byte_indices::<SAMPLE>() };
        // SAFETY: 3 x 64 bytes become three 64-byte vectors; any bits are a valid __m512i.
        let permutes = unsafe { std::mem::transmute::<[[u8; 64]; 3], [__m512i; 3]>(permutes) };
        let mut blocks = source.chunks_exact(64);
        let mut pixels = target.chunks_exact_mut(192);
        for (block, pixel) in (&mut blocks).zip(&mut pixels) {
            // SAFETY: `block` is 64 readable bytes (chunks_exact); loadu needs no alignment.
            let samples = unsafe { _mm512_loadu_si512(block.as_ptr().cast()) };
            for (k, &permute) in permutes.iter().enumerate() {
                // SAFETY: bytes 64 k .. 64 k + 64 of the 192-byte `pixel` are writable; storeu needs no alignment.
                unsafe {
                    _mm512_storeu_si512(
                        pixel.as_mut_ptr().add(64 * k).cast(),
                        _mm512_permutexvar_epi8(permute, samples),
                    )
                };
            }
        }
        scalar::<SAMPLE>(blocks.remainder(), pixels.into_remainder());
    }
}

#[cfg(target_arch = "aarch64")]
mod arm {
    use std::arch::aarch64::*;

    use super::{check_lengths, scalar};

    /// 16 samples -> 48 bytes: `vst3q_u8` interleaves three registers, here
    /// three copies of the same one.
    #[target_feature(enable = "neon")]
    pub fn neon_u8(source: &[u8], target: &mut [u8]) {
        check_lengths::<1>(source, target);
        let mut blocks = source.chunks_exact(16);
        let mut pixels = target.chunks_exact_mut(48);
        for (block, pixel) in (&mut blocks).zip(&mut pixels) {
            // SAFETY: `block` is 16 readable bytes (chunks_exact); u8 has no alignment to keep.
            let samples = unsafe { vld1q_u8(block.as_ptr()) };
            // SAFETY: `pixel` is 48 writable bytes (chunks_exact).
            unsafe { vst3q_u8(pixel.as_mut_ptr(), uint8x16x3_t(samples, samples, samples)) };
        }
        scalar::<1>(blocks.remainder(), pixels.into_remainder());
    }

    /// 8 samples -> 48 bytes, as `neon_u8` with 16-bit lanes.
    #[target_feature(enable = "neon")]
    pub fn neon_u16(source: &[u8], target: &mut [u8]) {
        check_lengths::<2>(source, target);
        // The u16 loads and stores below need 2-byte alignment; the bytes are
        // those of [u16] slices, so this holds, and every block keeps it.
        assert!(
            source.as_ptr().cast::<u16>().is_aligned() && target.as_ptr().cast::<u16>().is_aligned(),
            "16-bit samples must be 2-byte aligned"
        );
        let mut blocks = source.chunks_exact(16);
        let mut pixels = target.chunks_exact_mut(48);
        for (block, pixel) in (&mut blocks).zip(&mut pixels) {
            // SAFETY: `block` is 16 readable bytes (chunks_exact) at a 2-byte aligned address (asserted above).
            let samples = unsafe { vld1q_u16(block.as_ptr().cast()) };
            // SAFETY: `pixel` is 48 writable bytes (chunks_exact), 2-byte aligned (asserted above).
            unsafe { vst3q_u16(pixel.as_mut_ptr().cast(), uint16x8x3_t(samples, samples, samples)) };
        }
        scalar::<2>(blocks.remainder(), pixels.into_remainder());
    }
}
