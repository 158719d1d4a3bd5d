//! Cargo's `TARGET` -> the Halide target string a user's pipeline is built for.
//!
//! The table is `targets.toml`, which generators/regenerate.py also reads for
//! the shipped pipelines; `HALIDE_BUILD_TARGET` overrides it. Every entry gets the two features the safe
//! crate relies on: `no_runtime` (halide-runtime-sys links the one runtime)
//! and `user_context` (errors are routed to the call that caused them).

use crate::Error;

const TABLE: &str = include_str!("../targets.toml");

/// Features every user pipeline is built with.
pub(crate) const FORCED_FEATURES: [&str; 2] = ["no_runtime", "user_context"];

/// The Halide target string (comma-separated for runtime dispatch) for
/// `rust_target`, or for the `HALIDE_BUILD_TARGET` override when given.
pub(crate) fn halide_target(rust_target: &str, hl_target: Option<&str>) -> Result<String, Error> {
    let entries: Vec<String> = match hl_target {
        Some(over) => over.split(',').map(|t| t.trim().to_owned()).collect(),
        None => parse(TABLE)
            .into_iter()
            .find(|(rust, _)| *rust == table_key(rust_target))
            .map(|(_, halide)| halide)
            .ok_or_else(|| Error::UnsupportedTarget {
                rust_target: rust_target.to_owned(),
                known: parse(TABLE).into_iter().map(|(rust, _)| rust).collect(),
            })?,
    };
    let unchecked = entries.iter().filter(|t| is_unchecked(t)).count();
    if unchecked != 0 && unchecked != entries.len() {
        // The archive's metadata names only the last entry's target, which is
        // what halide-pipelines checks at run time: a variant without checks
        // hidden behind a checked last entry would run unnoticed.
        return Err(Error::Usage(format!(
            "the Halide target list `{}` has `no_asserts` in some entries but not all: safe calls need \
             Halide's bounds checks in every variant; remove `no_asserts`",
            entries.join(",")
        )));
    }
    if let Some(feature) = entries
        .iter()
        .flat_map(|t| t.split('-'))
        .find(|f| DEVICE_FEATURES.contains(f))
    {
        return Err(Error::Usage(format!(
            "the Halide target asks for the GPU/device feature `{feature}`: pipelines called through halide-pipelines \
             run on the CPU only (buffers have no device side); remove it from `Build::target` or HALIDE_BUILD_TARGET"
        )));
    }
    Ok(entries
        .iter()
        .map(|t| with_forced_features(t))
        .collect::<Vec<_>>()
        .join(","))
}

/// Whether a Halide target (or a comma-separated list) turns off Halide's
/// assertions, the bounds checks safe calls rely on.
pub(crate) fn is_unchecked(target: &str) -> bool {
    target.split([',', '-']).any(|feature| feature == "no_asserts")
}

/// The table's entry for `rust_target`: its own, except that `-linux-musl`
/// uses the `-linux-gnu` entry, as the prebuilt archives do
/// (halide-runtime-sys's `target_map.rs`): Halide's Linux objects call only
/// functions that musl's libc has too, and halide-runtime-sys supplies the one
/// glibc-only name; and `-pc-windows-msvc` the `-pc-windows-gnu` one.
pub(crate) fn table_key(rust_target: &str) -> String {
    if rust_target == "x86_64-pc-windows-msvc" {
        // Halide's Windows objects are MSVC COFF whichever toolchain links them.
        return "x86_64-pc-windows-gnu".to_owned();
    }
    match rust_target.strip_suffix("-unknown-linux-musl") {
        Some(arch @ ("x86_64" | "aarch64")) => format!("{arch}-unknown-linux-gnu"),
        _ => rust_target.to_owned(),
    }
}

/// The Rust targets of the table, in its order.
pub(crate) fn rust_targets() -> Vec<String> {
    parse(TABLE).into_iter().map(|(rust, _)| rust).collect()
}

/// Halide 21 target features that move work to a device: the safe API passes
/// host-only buffers, so these cannot work.
const DEVICE_FEATURES: [&str; 8] = [
    "cuda",
    "opencl",
    "metal",
    "d3d12compute",
    "vulkan",
    "webgpu",
    "openglcompute",
    "hvx",
];

/// `host-trace_stores` -> `host-trace_stores-no_runtime-user_context`, without
/// repeating a feature already spelled out.
fn with_forced_features(target: &str) -> String {
    let mut parts: Vec<&str> = target.split('-').collect();
    for feature in FORCED_FEATURES {
        if !parts.contains(&feature) {
            parts.push(feature);
        }
    }
    parts.join("-")
}

/// The `[targets.<rust target>]` tables of a TOML file: each table's name and
/// its `pipelines` list, in file order. A hand parser for the one shape these
/// tables have (quoted strings, a list possibly over several lines), so this
/// crate needs no TOML dependency; other tables and keys are skipped.
pub(crate) fn parse(text: &str) -> Vec<(String, Vec<String>)> {
    let mut tables: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_targets = false;
    let mut in_list = false;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.starts_with('[') && !in_list {
            let name = line.trim_matches(|c| c == '[' || c == ']');
            in_targets = name.starts_with("targets.");
            if in_targets {
                tables.push((name["targets.".len()..].to_owned(), Vec::new()));
            }
            continue;
        }
        if !in_targets {
            continue;
        }
        let rest = if in_list {
            line
        } else if let Some(value) = line.strip_prefix("pipelines").map(str::trim_start) {
            match value.strip_prefix('=') {
                Some(value) => {
                    in_list = true;
                    value.trim()
                }
                None => continue,
            }
        } else {
            continue;
        };
        let list = &mut tables.last_mut().expect("inside a targets table").1;
        list.extend(rest.split('"').skip(1).step_by(2).map(str::to_owned));
        if rest.contains(']') {
            in_list = false;
        }
    }
    tables
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_x86_64_gets_the_dispatch_list_best_first() {
        let target = halide_target("x86_64-unknown-linux-gnu", None).unwrap();
        let entries: Vec<&str> = target.split(',').collect();
        assert_eq!(entries.len(), 5);
        assert!(entries[0].contains("avx512_cannonlake"));
        assert!(entries[1].contains("avx512_skylake") && !entries[1].contains("avx512_cannonlake"));
        assert_eq!(entries[4], "x86-64-linux-no_runtime-user_context");
        assert!(entries.iter().all(|e| e.ends_with("-no_runtime-user_context")));
    }

    #[test]
    fn other_tier_one_targets() {
        assert_eq!(
            halide_target("aarch64-unknown-linux-gnu", None).unwrap(),
            "arm-64-linux-no_runtime-user_context"
        );
        assert_eq!(
            halide_target("aarch64-apple-darwin", None).unwrap(),
            "arm-64-osx-no_runtime-user_context"
        );
        assert!(
            halide_target("x86_64-apple-darwin", None)
                .unwrap()
                .starts_with("x86-64-osx-avx-")
        );
    }

    #[test]
    fn musl_targets_build_for_the_linux_lists() {
        for arch in ["x86_64", "aarch64"] {
            assert_eq!(
                halide_target(&format!("{arch}-unknown-linux-musl"), None).unwrap(),
                halide_target(&format!("{arch}-unknown-linux-gnu"), None).unwrap()
            );
        }
        assert!(halide_target("x86_64-unknown-linux-muslx", None).is_err());
        assert!(halide_target("riscv64gc-unknown-linux-musl", None).is_err());
    }

    #[test]
    fn both_windows_toolchains_build_for_the_windows_list() {
        let gnu = halide_target("x86_64-pc-windows-gnu", None).unwrap();
        assert!(
            gnu.split(',').all(|target| target.starts_with("x86-64-windows")),
            "{gnu}"
        );
        assert_eq!(halide_target("x86_64-pc-windows-msvc", None).unwrap(), gnu);
        assert!(halide_target("aarch64-pc-windows-msvc", None).is_err());
    }

    #[test]
    fn lists_that_disagree_on_halides_checks_are_refused() {
        let error = halide_target(
            "x86_64-unknown-linux-gnu",
            Some("x86-64-linux-avx2-no_asserts,x86-64-linux"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("no_asserts") && error.contains("some entries"),
            "{error}"
        );
        let uniform = halide_target("x86_64-unknown-linux-gnu", Some("host-no_asserts")).unwrap();
        assert!(is_unchecked(&uniform), "{uniform}");
        assert!(!is_unchecked(&halide_target("x86_64-unknown-linux-gnu", None).unwrap()));
    }

    #[test]
    fn hl_target_overrides_and_keeps_the_forced_features() {
        assert_eq!(
            halide_target("x86_64-unknown-linux-gnu", Some("host-trace_stores")).unwrap(),
            "host-trace_stores-no_runtime-user_context"
        );
        assert_eq!(
            halide_target("anything", Some("host-user_context,x86-64-linux")).unwrap(),
            "host-user_context-no_runtime,x86-64-linux-no_runtime-user_context"
        );
    }

    #[test]
    fn device_features_are_refused() {
        let error = halide_target("x86_64-unknown-linux-gnu", Some("host-cuda"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("`cuda`") && error.contains("CPU only"), "{error}");
    }

    #[test]
    fn unknown_targets_name_the_override() {
        let error = halide_target("riscv64gc-unknown-linux-gnu", None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("riscv64gc-unknown-linux-gnu") && error.contains("HALIDE_BUILD_TARGET"),
            "{error}"
        );
    }

    /// Halide tries a dispatch list in order without checking it: each entry
    /// must have every feature of the next and more, the last none (the same
    /// rule generators/regenerate.py enforces for the shipped archives).
    #[test]
    fn dispatch_lists_go_from_most_specific_to_the_baseline() {
        let features = |target: &str| -> std::collections::BTreeSet<String> {
            target.split('-').skip(3).map(str::to_owned).collect()
        };
        let tables = parse(TABLE);
        assert_eq!(tables.len(), 5);
        for (rust_target, list) in tables {
            assert!(
                features(list.last().unwrap()).is_empty(),
                "{rust_target}: last is not the baseline"
            );
            for pair in list.windows(2) {
                let (better, fallback) = (features(&pair[0]), features(&pair[1]));
                assert!(
                    better.is_superset(&fallback) && better.len() > fallback.len(),
                    "{rust_target}: {} must have every feature of {} and more",
                    pair[0],
                    pair[1]
                );
            }
        }
    }

    /// One table: the manifest of the shipped pipelines must not grow a copy
    /// (regenerate.py reads this file; checked when built inside the repository).
    #[test]
    fn the_manifest_has_no_copy_of_the_table() {
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../generators/pipelines.toml");
        let Ok(manifest) = std::fs::read_to_string(manifest) else {
            return; // a packaged crate has no manifest beside it
        };
        assert!(
            parse(&manifest).is_empty(),
            "generators/pipelines.toml has [targets.*] tables: edit halide-build/targets.toml instead"
        );
    }
}
