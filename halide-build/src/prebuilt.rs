//! Prebuilt sets: a library crate's pipelines built once by its author, for
//! the targets they choose, into a folder of the crate
//! (`<dir>/<rust target>/`), so that crates depending on it build with no
//! Python and no Halide.
//!
//! Each target's folder holds the archives, Halide's function info headers
//! (the signatures) and a manifest: the Halide release, the Halide target
//! string, every pipeline's generator, parameters and C symbol, and every
//! source file Python loaded while building them, with a hash of its
//! contents. A build uses the set only while the manifest it would write now
//! is the manifest in the folder, line for line: any edited generator or
//! helper module, another parameter, target, symbol or Halide release makes
//! the set stale, and the first differing line says why.
//!
//! The hash (64-bit FNV-1a over the text with `\r\n` read as `\n`, so a
//! Windows checkout's line endings do not count as an edit) detects edits,
//! not tampering: the archives are the crate author's code either way.

use std::path::{Path, PathBuf};

/// The manifest's name inside each target's folder.
pub(crate) const MANIFEST: &str = "halide-build.manifest";

/// What a target's set is built from, apart from the source files.
pub(crate) struct Description<'a> {
    /// Cargo's target as the table names it (the folder's name).
    pub rust_target: &'a str,
    /// The Halide target string the archives are compiled for.
    pub halide_target: &'a str,
    pub pipelines: Vec<PipelineLine>,
}

/// One pipeline of a set.
pub(crate) struct PipelineLine {
    pub symbol: String,
    pub generator: String,
    /// The generator file, relative to the crate's folder, `/`-separated.
    pub file: String,
    pub params: Vec<(String, String)>,
}

/// The folder of `rust_target`'s set inside the crate's prebuilt folder.
pub(crate) fn target_dir(prebuilt: &Path, rust_target: &str) -> PathBuf {
    prebuilt.join(rust_target)
}

/// `path` relative to `root`, `/`-separated (the manifest's spelling on every
/// platform); `None` if it is outside `root`.
pub(crate) fn relative(root: &Path, path: &Path) -> Option<String> {
    let rest = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rest
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// 64-bit FNV-1a of `bytes`, skipping each `\r` that precedes `\n`.
pub(crate) fn content_hash(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, &byte) in bytes.iter().enumerate() {
        if byte == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            continue;
        }
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The manifest for `description` built from `sources` (relative path and
/// content hash, any order).
pub(crate) fn render(description: &Description<'_>, sources: &[(String, u64)]) -> String {
    let mut text = String::from(
        "# Written by halide-build when publishing (HALIDE_BUILD_PUBLISH=1 cargo build): the pipelines in\n\
         # this folder and what they were built from. Builds use these archives, with no Python, only\n\
         # while every line below still holds; otherwise they rebuild with Python or say what changed.\n",
    );
    text.push_str(&format!("format 1\nhalide {}\n", crate::HALIDE_VERSION));
    text.push_str(&format!("rust-target {}\n", description.rust_target));
    text.push_str(&format!("halide-target {}\n", description.halide_target));
    let mut pipelines: Vec<&PipelineLine> = description.pipelines.iter().collect();
    pipelines.sort_by(|a, b| a.symbol.cmp(&b.symbol));
    for p in pipelines {
        text.push_str(&format!("pipeline {} {} {:?}", p.symbol, p.generator, p.file));
        for (key, value) in &p.params {
            text.push_str(&format!(" {:?}", format!("{key}={value}")));
        }
        text.push('\n');
    }
    let mut sources = sources.to_vec();
    sources.sort();
    sources.dedup();
    for (path, hash) in sources {
        text.push_str(&format!("source {path:?} {hash:016x}\n"));
    }
    text
}

/// The source files a manifest records (relative paths).
fn recorded_sources(manifest: &str) -> Vec<String> {
    manifest
        .lines()
        .filter_map(|line| line.strip_prefix("source \""))
        .filter_map(|rest| rest.rsplit_once("\" "))
        .map(|(path, _)| path.replace("\\\"", "\"").replace("\\\\", "\\"))
        .collect()
}

/// A usable set: its folder and the source files it was built from.
pub(crate) struct Valid {
    pub dir: PathBuf,
    pub sources: Vec<PathBuf>,
}

/// Whether the set in `dir` is what `description` and the current sources
/// would build; `Err` says why not, for a user who has to act on it.
pub(crate) fn check(dir: &Path, manifest_dir: &Path, description: &Description<'_>) -> Result<Valid, String> {
    let manifest_path = dir.join(MANIFEST);
    let recorded = std::fs::read_to_string(&manifest_path).map_err(|_| {
        format!(
            "there is no set for {} ({} does not exist)",
            description.rust_target,
            manifest_path.display()
        )
    })?;
    let mut sources = Vec::new();
    let mut current = Vec::new();
    for path in recorded_sources(&recorded) {
        let file = manifest_dir.join(&path);
        let bytes = std::fs::read(&file).map_err(|_| {
            format!(
                "{path}, a file its generators import, is missing from the crate (is it in the package's `include`?)"
            )
        })?;
        current.push((path, content_hash(&bytes)));
        sources.push(file);
    }
    let expected = render(description, &current);
    if let Some((old, new)) = first_difference(&recorded, &expected) {
        return Err(match (old, new) {
            (Some(old), Some(new)) if old.starts_with("source ") && new.starts_with("source ") => {
                let name = new.split('"').nth(1).unwrap_or(new);
                format!("{name} changed since the set was written")
            }
            (Some(old), Some(new)) => format!("the set was built for `{old}`, this build needs `{new}`"),
            (Some(old), None) => format!("the set has `{old}`, which this build does not ask for"),
            (None, Some(new)) => format!("the set lacks `{new}`"),
            (None, None) => unreachable!("first_difference found a difference"),
        });
    }
    for pipeline in &description.pipelines {
        for file in [
            archive_name(description.halide_target, &pipeline.symbol),
            info_name(&pipeline.symbol),
        ] {
            if !dir.join(&file).is_file() {
                return Err(format!("{} is missing", dir.join(file).display()));
            }
        }
    }
    Ok(Valid {
        dir: dir.to_path_buf(),
        sources,
    })
}

/// The first line (ignoring comments) where two manifests differ.
fn first_difference<'a>(old: &'a str, new: &'a str) -> Option<(Option<&'a str>, Option<&'a str>)> {
    let lines = |text: &'a str| text.lines().filter(|line| !line.starts_with('#'));
    let (mut old, mut new) = (lines(old), lines(new));
    loop {
        match (old.next(), new.next()) {
            (None, None) => return None,
            (a, b) if a == b => continue,
            (a, b) => return Some((a, b)),
        }
    }
}

/// Halide names archives `<name>.a`, or `<name>.lib` for Windows targets.
pub(crate) fn archive_name(halide_target: &str, symbol: &str) -> String {
    let extension = if halide_target.contains("-windows") { "lib" } else { "a" };
    format!("{symbol}.{extension}")
}

/// Halide's function info header of a pipeline.
pub(crate) fn info_name(symbol: &str) -> String {
    format!("{symbol}.function_info.h")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn description() -> Description<'static> {
        Description {
            rust_target: "x86_64-unknown-linux-gnu",
            halide_target: "x86-64-linux-no_runtime-user_context",
            pipelines: vec![PipelineLine {
                symbol: "my_filters_v1_scale".into(),
                generator: "scale".into(),
                file: "halide/scale.py".into(),
                params: vec![("factor".into(), "2".into())],
            }],
        }
    }

    /// A crate folder with a generator, a helper and a complete set.
    fn crate_with_a_set(name: &str) -> (PathBuf, PathBuf) {
        let root = std::env::temp_dir().join(format!("halide-build-prebuilt-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dir = target_dir(&root.join("halide-prebuilt"), "x86_64-unknown-linux-gnu");
        std::fs::create_dir_all(root.join("halide")).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(root.join("halide/scale.py"), "import common\n").unwrap();
        std::fs::write(root.join("halide/common.py"), "K = 1\n").unwrap();
        std::fs::write(dir.join("my_filters_v1_scale.a"), "!<arch>\n").unwrap();
        std::fs::write(dir.join("my_filters_v1_scale.function_info.h"), "").unwrap();
        let sources: Vec<(String, u64)> = ["halide/scale.py", "halide/common.py"]
            .iter()
            .map(|p| (p.to_string(), content_hash(&std::fs::read(root.join(p)).unwrap())))
            .collect();
        std::fs::write(dir.join(MANIFEST), render(&description(), &sources)).unwrap();
        (root, dir)
    }

    #[test]
    fn a_fresh_set_is_used_with_its_sources() {
        let (root, dir) = crate_with_a_set("fresh");
        let valid = check(&dir, &root, &description()).unwrap();
        assert_eq!(valid.sources.len(), 2);
        assert!(valid.sources.contains(&root.join("halide/common.py")));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn an_edited_helper_makes_it_stale_and_says_which() {
        let (root, dir) = crate_with_a_set("edited");
        std::fs::write(root.join("halide/common.py"), "K = 2\n").unwrap();
        let reason = check(&dir, &root, &description()).err().unwrap();
        assert_eq!(reason, "halide/common.py changed since the set was written");
        // Line endings alone are not an edit.
        std::fs::write(root.join("halide/common.py"), "K = 1\r\n").unwrap();
        assert!(check(&dir, &root, &description()).is_ok());
        std::fs::remove_file(root.join("halide/common.py")).unwrap();
        let reason = check(&dir, &root, &description()).err().unwrap();
        assert!(
            reason.contains("halide/common.py, a file its generators import, is missing"),
            "{reason}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn another_parameter_target_or_pipeline_makes_it_stale() {
        let (root, dir) = crate_with_a_set("changed");
        let mut other = description();
        other.pipelines[0].params[0].1 = "3".into();
        let reason = check(&dir, &root, &other).err().unwrap();
        assert!(
            reason.contains("\"factor=3\"") && reason.contains("\"factor=2\""),
            "{reason}"
        );
        let mut other = description();
        other.halide_target = "x86-64-linux-avx2-no_runtime-user_context";
        let reason = check(&dir, &root, &other).err().unwrap();
        assert!(reason.contains("halide-target x86-64-linux-avx2"), "{reason}");
        let mut other = description();
        other.pipelines[0].symbol = "my_filters_v2_scale".into();
        assert!(check(&dir, &root, &other).is_err());
        let reason = check(
            &dir,
            &root,
            &Description {
                rust_target: "aarch64-unknown-linux-gnu",
                ..description()
            },
        )
        .err()
        .unwrap();
        assert!(reason.contains("rust-target"), "{reason}");
        std::fs::remove_file(dir.join("my_filters_v1_scale.a")).unwrap();
        let reason = check(&dir, &root, &description()).err().unwrap();
        assert!(reason.contains("my_filters_v1_scale.a is missing"), "{reason}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn no_set_for_the_target() {
        let root = std::env::temp_dir().join(format!("halide-build-prebuilt-none-{}", std::process::id()));
        let reason = check(&root.join("x86_64-unknown-linux-gnu"), &root, &description())
            .err()
            .unwrap();
        assert!(
            reason.starts_with("there is no set for x86_64-unknown-linux-gnu"),
            "{reason}"
        );
    }

    #[test]
    fn fnv1a_of_the_published_test_vectors() {
        // From the FNV reference (Fowler, Noll, Vo): FNV-1a 64 of "" and "a".
        assert_eq!(content_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(content_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(content_hash(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
