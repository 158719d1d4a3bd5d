// Which prebuilt archives a Rust target links, and which from-source requests are
// refused. Pure functions of what cargo tells a build script, so they can be
// unit-tested: build.rs `include!`s this file, and lib.rs compiles it (with its
// tests) under `#[cfg(test)]` only, because a build script cannot host tests.
// halide-pipelines-sys uses the folder chosen here (`DEP_HALIDE_RUNTIME_PREBUILT_TARGET`),
// so the mapping exists once.

/// The prebuilt targets: the per-target crates of archives (`prebuilt/<target>`,
/// `halide-pipelines-prebuilt-<target>`), which are also the keys of
/// `[targets]` in `generators/pipelines.toml`, with the baseline Halide target
/// of each (for error messages).
pub const PREBUILT_TARGETS: [(&str, &str); 5] = [
    ("x86_64-unknown-linux-gnu", "x86-64-linux"),
    ("aarch64-unknown-linux-gnu", "arm-64-linux"),
    ("x86_64-apple-darwin", "x86-64-osx"),
    ("aarch64-apple-darwin", "arm-64-osx"),
    ("x86_64-pc-windows-gnu", "x86-64-windows"),
];

/// The Rust targets the prebuilt archives serve, for error messages.
pub const SUPPORTED_TARGETS: &str = "x86_64-unknown-linux-gnu, x86_64-unknown-linux-musl, \
     aarch64-unknown-linux-gnu, aarch64-unknown-linux-musl, x86_64-apple-darwin, aarch64-apple-darwin, \
     x86_64-pc-windows-gnu, x86_64-pc-windows-msvc \
     (and other triples with the same architecture, OS and C library)";

/// The `CARGO_CFG_TARGET_*` values of the target being built.
pub struct TargetCfg<'a> {
    pub arch: &'a str,
    pub os: &'a str,
    pub env: &'a str,
    pub vendor: &'a str,
    pub pointer_width: &'a str,
    pub endian: &'a str,
    pub abi: &'a str,
}

/// The prebuilt target whose archives `cfg` links, or `None` when there is none.
///
/// Chosen by what the objects depend on, not by the exact triple: Halide's Linux
/// objects call only C, pthread and dl functions that musl's libc has as well
/// (lib.rs supplies the one glibc-only name, `fopen64`), so `-linux-musl` links the
/// same ELF archives as `-linux-gnu`. The objects assume the 64-bit little-endian
/// C ABI of their architecture, so x32, ILP32 and big-endian variants are refused
/// (they report the same arch and OS). Only the `unknown` vendor on Linux: other
/// vendors (unikraft) are not an ordinary Linux user space.
pub fn prebuilt_target(cfg: &TargetCfg) -> Option<&'static str> {
    if cfg.pointer_width != "64" || cfg.endian != "little" || !cfg.abi.is_empty() {
        return None;
    }
    match (cfg.arch, cfg.os, cfg.env, cfg.vendor) {
        ("x86_64", "linux", "gnu" | "musl", "unknown") => Some("x86_64-unknown-linux-gnu"),
        ("aarch64", "linux", "gnu" | "musl", "unknown") => Some("aarch64-unknown-linux-gnu"),
        ("x86_64", "macos", "", "apple") => Some("x86_64-apple-darwin"),
        ("aarch64", "macos", "", "apple") => Some("aarch64-apple-darwin"),
        // Halide's Windows objects are MSVC-flavoured COFF: MSVC's linker takes them, and
        // MinGW's with the one MSVC symbol it lacks, `__chkstk` (lib.rs supplies it).
        ("x86_64", "windows", "gnu" | "msvc", "pc") => Some("x86_64-pc-windows-gnu"),
        _ => None,
    }
}

/// Refuses a `HALIDE_PIPELINES_SYS_TARGET` that names Halide's `host` target (alone, with features,
/// or in a multi-target list) when cargo cross-compiles: `host` is the machine
/// running the build, so the archives would silently be built for it, not for
/// `target`. `prebuilt` is `prebuilt_target` of `target`, for the message.
pub fn check_hl_target(
    hl_target: &str,
    host: &str,
    target: &str,
    prebuilt: Option<&str>,
) -> Result<(), std::string::String> {
    let names_host = hl_target
        .split(',')
        .any(|one| one.trim().split('-').next() == Some("host"));
    if !names_host || host == target {
        return Ok(());
    }
    let example = PREBUILT_TARGETS
        .iter()
        .find(|(rust, _)| Some(*rust) == prebuilt)
        .map(|(_, halide)| std::format!(" (e.g. `{halide}`, its baseline)"))
        .unwrap_or_default();
    Err(std::format!(
        "HALIDE_PIPELINES_SYS_TARGET={hl_target} names Halide's `host` target, the machine running this build ({host}), \
         but cargo is building for {target}: the archives would be compiled for the wrong machine.\n\
         Set HALIDE_PIPELINES_SYS_TARGET to a Halide target for {target}{example}, or unset HALIDE_PIPELINES_SYS_TARGET and set \
         HALIDE_PIPELINES_SYS_FROM_SOURCE=1 to build the manifest's targets for it."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `rustc --print cfg --target <triple>` (Rust 1.95), as cargo passes it.
    fn cfg(triple: &str) -> TargetCfg<'static> {
        let (arch, os, env, vendor, pointer_width, endian, abi) = match triple {
            "x86_64-unknown-linux-gnu" => ("x86_64", "linux", "gnu", "unknown", "64", "little", ""),
            "x86_64-unknown-linux-musl" => ("x86_64", "linux", "musl", "unknown", "64", "little", ""),
            "aarch64-unknown-linux-gnu" => ("aarch64", "linux", "gnu", "unknown", "64", "little", ""),
            "aarch64-unknown-linux-musl" => ("aarch64", "linux", "musl", "unknown", "64", "little", ""),
            "x86_64-apple-darwin" => ("x86_64", "macos", "", "apple", "64", "little", ""),
            "x86_64h-apple-darwin" => ("x86_64", "macos", "", "apple", "64", "little", ""),
            "aarch64-apple-darwin" => ("aarch64", "macos", "", "apple", "64", "little", ""),
            "x86_64-unknown-linux-gnux32" => ("x86_64", "linux", "gnu", "unknown", "32", "little", "x32"),
            "aarch64-unknown-linux-gnu_ilp32" => ("aarch64", "linux", "gnu", "unknown", "32", "little", "ilp32"),
            "aarch64_be-unknown-linux-gnu" => ("aarch64", "linux", "gnu", "unknown", "64", "big", ""),
            "x86_64-unikraft-linux-musl" => ("x86_64", "linux", "musl", "unikraft", "64", "little", ""),
            "aarch64-unknown-linux-ohos" => ("aarch64", "linux", "ohos", "unknown", "64", "little", ""),
            "x86_64-unknown-linux-none" => ("x86_64", "linux", "", "unknown", "64", "little", ""),
            "aarch64-linux-android" => ("aarch64", "android", "", "unknown", "64", "little", ""),
            "aarch64-apple-ios" => ("aarch64", "ios", "", "apple", "64", "little", ""),
            "x86_64-pc-windows-msvc" => ("x86_64", "windows", "msvc", "pc", "64", "little", ""),
            "x86_64-pc-windows-gnu" => ("x86_64", "windows", "gnu", "pc", "64", "little", ""),
            "x86_64-pc-windows-gnullvm" => ("x86_64", "windows", "gnu", "pc", "64", "little", "llvm"),
            "aarch64-pc-windows-msvc" => ("aarch64", "windows", "msvc", "pc", "64", "little", ""),
            "i686-unknown-linux-gnu" => ("x86", "linux", "gnu", "unknown", "32", "little", ""),
            "riscv64gc-unknown-linux-gnu" => ("riscv64", "linux", "gnu", "unknown", "64", "little", ""),
            other => panic!("no cfg written down for {other}"),
        };
        TargetCfg {
            arch,
            os,
            env,
            vendor,
            pointer_width,
            endian,
            abi,
        }
    }

    #[test]
    fn every_prebuilt_target_maps_to_itself() {
        for (rust, _) in PREBUILT_TARGETS {
            assert_eq!(prebuilt_target(&cfg(rust)), Some(rust));
        }
    }

    #[test]
    fn musl_links_the_gnu_archives() {
        assert_eq!(
            prebuilt_target(&cfg("x86_64-unknown-linux-musl")),
            Some("x86_64-unknown-linux-gnu")
        );
        assert_eq!(
            prebuilt_target(&cfg("aarch64-unknown-linux-musl")),
            Some("aarch64-unknown-linux-gnu")
        );
        assert_eq!(
            prebuilt_target(&cfg("x86_64h-apple-darwin")),
            Some("x86_64-apple-darwin")
        );
        assert_eq!(
            prebuilt_target(&cfg("x86_64-pc-windows-msvc")),
            Some("x86_64-pc-windows-gnu")
        );
    }

    #[test]
    fn other_abis_and_systems_have_no_prebuilt_archives() {
        for triple in [
            "x86_64-unknown-linux-gnux32",
            "aarch64-unknown-linux-gnu_ilp32",
            "aarch64_be-unknown-linux-gnu",
            "x86_64-unikraft-linux-musl",
            "aarch64-unknown-linux-ohos",
            "x86_64-unknown-linux-none",
            "aarch64-linux-android",
            "aarch64-apple-ios",
            "x86_64-pc-windows-gnullvm",
            "aarch64-pc-windows-msvc",
            "i686-unknown-linux-gnu",
            "riscv64gc-unknown-linux-gnu",
        ] {
            assert_eq!(prebuilt_target(&cfg(triple)), None, "{triple}");
        }
    }

    #[test]
    fn the_table_is_the_prebuilt_folders() {
        // The per-target crates, in the repository (a published copy of this crate has none beside it).
        let prebuilt = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../prebuilt");
        if !prebuilt.is_dir() {
            return;
        }
        let mut folders: std::vec::Vec<std::string::String> = std::fs::read_dir(&prebuilt)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        folders.sort();
        let mut table: std::vec::Vec<&str> = PREBUILT_TARGETS.iter().map(|(rust, _)| *rust).collect();
        table.sort();
        assert_eq!(folders, table);
        for (rust, _) in PREBUILT_TARGETS {
            assert!(SUPPORTED_TARGETS.contains(rust), "{rust}");
        }
    }

    #[test]
    fn host_is_refused_when_cross_compiling() {
        let host = "x86_64-unknown-linux-gnu";
        for hl_target in [
            "host",
            "host-trace_stores",
            "host-avx2,x86-64-linux",
            "x86-64-linux-avx2, host",
        ] {
            let error = check_hl_target(
                hl_target,
                host,
                "aarch64-unknown-linux-gnu",
                Some("aarch64-unknown-linux-gnu"),
            )
            .unwrap_err();
            assert!(
                error.contains(&std::format!(
                    "HALIDE_PIPELINES_SYS_TARGET={hl_target} names Halide's `host` target"
                )),
                "{error}"
            );
            assert!(error.contains("building for aarch64-unknown-linux-gnu"), "{error}");
            assert!(error.contains("`arm-64-linux`"), "{error}");
        }
        // Another triple of the same machine is still another target (for example a
        // musl binary may be run elsewhere): name the Halide target.
        assert!(check_hl_target("host", host, "x86_64-unknown-linux-musl", Some(host)).is_err());
        // A target without prebuilt archives gets the message without an example.
        assert!(check_hl_target("host", host, "riscv64gc-unknown-linux-gnu", None).is_err());
    }

    #[test]
    fn host_is_fine_natively_and_explicit_targets_always() {
        let host = "x86_64-unknown-linux-gnu";
        let aarch64 = "aarch64-unknown-linux-gnu";
        assert_eq!(check_hl_target("host", host, host, Some(host)), Ok(()));
        assert_eq!(check_hl_target("host-trace_stores", host, host, Some(host)), Ok(()));
        assert_eq!(check_hl_target("arm-64-linux", host, aarch64, Some(aarch64)), Ok(()));
    }
}
