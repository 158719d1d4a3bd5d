//! Links every pipeline archive: the prebuilt ones for `TARGET`, or ones built
//! from source when halide-runtime-sys was asked to build from source. That crate
//! decides the mode and the target's prebuilt archives once (by architecture, OS
//! and C library, so `-linux-musl` uses the `-linux-gnu` ones) and passes them on
//! as `DEP_HALIDE_RUNTIME_FROM_SOURCE`, `DEP_HALIDE_RUNTIME_PREBUILT_TARGET` and
//! `DEP_HALIDE_RUNTIME_PREBUILT_DIR` (the per-target crate's folder; its
//! `pipelines/` holds the archives and headers).
//!
//! Every archive (`*.a`, or `*.lib` on Windows) in the chosen folder is linked:
//! adding a pipeline to the manifest needs no change here.

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Reads an environment variable and tells cargo to rerun when it changes.
fn env_var(name: &str) -> Option<String> {
    println!("cargo:rerun-if-env-changed={name}");
    env::var(name).ok().filter(|value| !value.is_empty())
}

fn main() {
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = env::var("TARGET").expect("cargo sets TARGET");

    println!("cargo:rerun-if-changed=build.rs");
    // The same variables the runtime crate reads: a change must rerun us too.
    for name in [
        "HALIDE_PIPELINES_SYS_TARGET",
        "HALIDE_PIPELINES_SYS_FROM_SOURCE",
        "HALIDE_PIPELINES_SYS_PYTHON",
        "HALIDE_PIPELINES_SYS_GENERATORS_DIR",
    ] {
        env_var(name);
    }

    let docs_rs = env_var("DOCS_RS").is_some();
    // The prebuilt folder, which is also the manifest's name for the target.
    let prebuilt_target = env_var("DEP_HALIDE_RUNTIME_PREBUILT_TARGET");
    let archive_dir = match env_var("DEP_HALIDE_RUNTIME_FROM_SOURCE") {
        Some(halide_target) if !docs_rs => {
            let python =
                env_var("DEP_HALIDE_RUNTIME_PYTHON").expect("halide-runtime-sys exports PYTHON in from-source mode");
            let generators = env_var("DEP_HALIDE_RUNTIME_GENERATORS")
                .expect("halide-runtime-sys exports GENERATORS in from-source mode");
            let dir = out_dir.join("pipelines");
            fresh_dir(&dir);
            let mut command = Command::new(&python);
            command
                // A build script writes only into OUT_DIR: no `__pycache__` beside the generators.
                .env("PYTHONDONTWRITEBYTECODE", "1")
                .arg(Path::new(&generators).join("regenerate.py"))
                // Without a prebuilt folder, halide-runtime-sys only allows an HALIDE_PIPELINES_SYS_TARGET
                // override, which regenerate.py uses instead of the manifest's target.
                .args(["build", "--rust-target", prebuilt_target.as_deref().unwrap_or(&target)]);
            if halide_target != "manifest" {
                command.args(["--halide-target", &halide_target]);
            }
            command.arg("--pipelines").arg(&dir);
            let status = command
                .status()
                .unwrap_or_else(|error| panic!("could not run `{python}`: {error}"));
            if !status.success() {
                panic!("{command:?} failed ({status}); its output is above.");
            }
            dir
        }
        _ => {
            // halide-runtime-sys has already refused a target without prebuilt archives
            // (except on docs.rs, which only reads the headers).
            let prebuilt_dir = env_var("DEP_HALIDE_RUNTIME_PREBUILT_DIR");
            let dir = prebuilt_dir.as_deref().map(|dir| Path::new(dir).join("pipelines"));
            match dir {
                Some(dir) if dir.is_dir() => dir,
                _ if docs_rs => out_dir.join("no-prebuilt-pipelines"),
                _ => panic!(
                    "halide-pipelines-sys found no prebuilt pipelines for the target `{target}` (prebuilt \
                     target {}, folder {}): use the same version of halide-runtime-sys, and published \
                     crates or a full clone (or run generators/regenerate.py).",
                    prebuilt_target.as_deref().unwrap_or("none"),
                    prebuilt_dir.as_deref().unwrap_or("unset")
                ),
            }
        }
    };

    // The headers live beside their archives.
    println!("cargo:include={}", archive_dir.display());
    #[cfg(feature = "bindgen")]
    generate_bindings(&archive_dir, &out_dir);
    if docs_rs {
        return; // docs.rs only needs the bindings; nothing to link.
    }

    println!("cargo:rustc-link-search=native={}", archive_dir.display());
    for archive in archives(&archive_dir) {
        println!("cargo:rustc-link-lib=static:+verbatim={archive}");
    }
}

/// Empties the from-source output folder before regenerate.py writes into it: it
/// writes the manifest's current pipelines only, and every archive here is linked, so
/// an archive of a pipeline since removed from the manifest must not stay.
/// (halide-runtime-sys has the same function: each crate builds on its own.)
fn fresh_dir(dir: &Path) {
    match fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => panic!("could not empty {} before building into it: {error}", dir.display()),
    }
}

/// File names of the archives in `dir`, sorted so the link line is stable: `.a`, or `.lib`
/// where Halide names them so (its Windows targets write COFF archives named `.lib`).
fn archives(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("reading {}: {error}", dir.display()))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".a") || name.ends_with(".lib"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no pipeline archives in {}", dir.display());
    names
}

#[cfg(feature = "bindgen")]
fn generate_bindings(header_dir: &Path, out_dir: &Path) {
    let runtime_include = env::var("DEP_HALIDE_RUNTIME_INCLUDE").expect("halide-runtime-sys exports INCLUDE");
    let mut headers: Vec<PathBuf> = fs::read_dir(header_dir)
        .unwrap_or_else(|error| panic!("reading {}: {error}", header_dir.display()))
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "h"))
        .collect();
    headers.sort();
    // Only the pipelines' own functions: the runtime's types come from
    // halide-runtime-sys, so every crate shares one `halide_buffer_t`.
    let mut builder = bindgen::Builder::default()
        .clang_args(["-x", "c", "-std=c11", &format!("-I{runtime_include}")])
        .allowlist_recursively(false)
        .raw_line("use halide_runtime_sys::{halide_buffer_t, halide_filter_metadata_t};")
        .use_core()
        .formatter(bindgen::Formatter::Prettyplease);
    for header in &headers {
        let function = header
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("header names are UTF-8");
        builder = builder
            .header(header.to_string_lossy())
            .allowlist_function(format!("{function}|{function}_argv|{function}_metadata"));
    }
    builder
        .generate()
        .expect("bindgen could not parse the pipeline headers (is LIBCLANG_PATH set?)")
        .write_to_file(out_dir.join("bindings.rs"))
        .expect("writing bindings.rs to OUT_DIR");
}
