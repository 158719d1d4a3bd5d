//! Links the Halide runtime: the prebuilt archive for `TARGET` (chosen by
//! architecture, OS and C library: `src/target_map.rs`), or one built from source
//! by the Python generators (see the crate README).
//!
//! Metadata for dependents (`links = "halide_runtime"`), read as `DEP_HALIDE_RUNTIME_*`:
//! - `INCLUDE`: folder holding `HalideRuntime.h`
//! - `HALIDE_VERSION`: the Halide release the runtime comes from
//! - `PREBUILT_TARGET`: the prebuilt target (the manifest's name, and the name of the
//!   per-target crate of archives) for `TARGET`, e.g. `x86_64-unknown-linux-gnu` for
//!   `x86_64-unknown-linux-musl`; unset when there is none (only possible from source
//!   with `HALIDE_PIPELINES_SYS_TARGET`)
//! - `PREBUILT_DIR`: the folder of that per-target crate (`halide-pipelines-prebuilt-<target>`,
//!   a dependency of this crate for that target only), with `runtime/` and `pipelines/`
//! - `FROM_SOURCE`: set when building from source; the Halide target override or `manifest`
//! - `GENERATORS`, `PYTHON`: where the generators are and which Python runs them

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

// Also compiled into the library under `#[cfg(test)]`, for its unit tests.
mod target_map {
    include!("src/target_map.rs");
}
use target_map::{PREBUILT_TARGETS, SUPPORTED_TARGETS, TargetCfg, check_hl_target, prebuilt_target};

const HALIDE_VERSION: &str = "21.0.0";
const ARCHIVE: &str = "halide_runtime.a";

/// Reads an environment variable and tells cargo to rerun when it changes.
fn env_var(name: &str) -> Option<String> {
    println!("cargo:rerun-if-env-changed={name}");
    env::var(name).ok().filter(|value| !value.is_empty())
}

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let host = env::var("HOST").expect("cargo sets HOST");
    let include = manifest_dir.join("include");
    let cfg = |name: &str| env::var(format!("CARGO_CFG_TARGET_{name}")).unwrap_or_default();
    let (arch, os, target_env, vendor) = (cfg("ARCH"), cfg("OS"), cfg("ENV"), cfg("VENDOR"));
    let (pointer_width, endian, abi) = (cfg("POINTER_WIDTH"), cfg("ENDIAN"), cfg("ABI"));
    let prebuilt_target = prebuilt_target(&TargetCfg {
        arch: &arch,
        os: &os,
        env: &target_env,
        vendor: &vendor,
        pointer_width: &pointer_width,
        endian: &endian,
        abi: &abi,
    });

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/target_map.rs");
    println!("cargo:rerun-if-changed=include");
    println!("cargo:include={}", include.display());
    println!("cargo:halide_version={HALIDE_VERSION}");
    let prebuilt_dir = prebuilt_target.and_then(prebuilt_crate_dir);
    if let Some(prebuilt_target) = prebuilt_target {
        println!("cargo:prebuilt_target={prebuilt_target}");
    }
    if let Some(dir) = &prebuilt_dir {
        println!("cargo:prebuilt_dir={}", dir.display());
    }

    #[cfg(feature = "bindgen")]
    generate_bindings(&include, &out_dir);

    if env_var("DOCS_RS").is_some() {
        return; // docs.rs only needs the bindings; nothing to link.
    }

    let archive_dir = match from_source_request() {
        Some(halide_target) => {
            if let Some(hl_target) = &halide_target
                && let Err(message) = check_hl_target(hl_target, &host, &target, prebuilt_target)
            {
                panic!("{message}");
            }
            // The manifest's targets (without HALIDE_PIPELINES_SYS_TARGET) exist only for the prebuilt folders.
            let manifest_target = match (prebuilt_target, &halide_target) {
                (Some(prebuilt_target), _) => prebuilt_target,
                (None, Some(_)) => target.as_str(), // unused by regenerate.py with --halide-target
                (None, None) => panic!(
                    "the manifest (generators/pipelines.toml) has Halide targets for {SUPPORTED_TARGETS}, \
                     not for `{target}` (arch {arch}, os {os}, env {target_env:?}).\n\
                     Name the Halide target to build for instead: HALIDE_PIPELINES_SYS_TARGET=<halide target> (see \
                     https://halide-lang.org/docs/struct_halide_1_1_target.html)."
                ),
            };
            let generators = generators_dir(&manifest_dir);
            let python = env_var("HALIDE_PIPELINES_SYS_PYTHON").unwrap_or_else(|| "python3".to_owned());
            println!("cargo:from_source={}", halide_target.as_deref().unwrap_or("manifest"));
            println!("cargo:generators={}", generators.display());
            println!("cargo:python={python}");
            let dir = out_dir.join("runtime");
            fresh_dir(&dir);
            run_generators(
                &python,
                &generators,
                manifest_target,
                halide_target.as_deref(),
                "--runtime",
                &dir,
            );
            dir
        }
        None => {
            let Some(prebuilt_target) = prebuilt_target else {
                panic!(
                    "halide-runtime-sys has no prebuilt Halide runtime for the target `{target}` \
                     (arch {arch}, os {os}, env {target_env:?}, vendor {vendor}, {pointer_width}-bit {endian}-endian, \
                     abi {abi:?}).\n\
                     Prebuilt archives serve {SUPPORTED_TARGETS}.\n\
                     Build it from source instead: `pip install halide=={HALIDE_VERSION}`, then set \
                     HALIDE_PIPELINES_SYS_TARGET=<the Halide target of `{target}`> (see \
                     https://halide-lang.org/docs/struct_halide_1_1_target.html)."
                );
            };
            let Some(crate_dir) = prebuilt_dir else {
                panic!(
                    "the crate halide-pipelines-prebuilt-{prebuilt_target}, which holds the archives of \
                     `{target}`, is not among this build's dependencies (DEP_{}_ROOT is unset). \
                     Use the published halide-runtime-sys or a full clone.",
                    prebuilt_links(prebuilt_target).to_uppercase()
                );
            };
            let dir = crate_dir.join("runtime");
            if !dir.join(ARCHIVE).is_file() {
                panic!(
                    "{} is missing: this copy of halide-pipelines-prebuilt-{prebuilt_target} is incomplete \
                     (prebuilt targets: {}). Use the published crate or a full clone, or run \
                     generators/regenerate.py.",
                    dir.join(ARCHIVE).display(),
                    PREBUILT_TARGETS.map(|(rust, _)| rust).join(", ")
                );
            }
            dir
        }
    };
    println!("cargo:rustc-link-search=native={}", archive_dir.display());
    println!("cargo:rustc-link-lib=static:+verbatim={ARCHIVE}");
}

/// The `links` name of the per-target crate of archives for `prebuilt_target`.
fn prebuilt_links(prebuilt_target: &str) -> String {
    format!("halide_pipelines_prebuilt_{prebuilt_target}").replace('-', "_")
}

/// The folder of the per-target crate of archives, which its build script exports as
/// `root` (so cargo gives it to this crate, a direct dependent, as `DEP_<LINKS>_ROOT`).
fn prebuilt_crate_dir(prebuilt_target: &str) -> Option<PathBuf> {
    env_var(&format!("DEP_{}_ROOT", prebuilt_links(prebuilt_target).to_uppercase())).map(PathBuf::from)
}

/// `Some(override)` when the archives must be built from source: `HALIDE_PIPELINES_SYS_TARGET`
/// names the Halide target (as in Halide's own tools), `HALIDE_PIPELINES_SYS_FROM_SOURCE=1`
/// or the `from-source` feature use the manifest's targets for `TARGET`.
fn from_source_request() -> Option<Option<String>> {
    let hl_target = env_var("HALIDE_PIPELINES_SYS_TARGET");
    let requested = hl_target.is_some()
        || env_var("HALIDE_PIPELINES_SYS_FROM_SOURCE").is_some_and(|v| v != "0")
        || env::var_os("CARGO_FEATURE_FROM_SOURCE").is_some();
    requested.then_some(hl_target)
}

/// Empties a from-source output folder before regenerate.py writes into it, so it
/// holds only this build's output. (It matters most for halide-pipelines-sys, which
/// links every `*.a` in its folder: a pipeline since removed must not stay linked.)
fn fresh_dir(dir: &Path) {
    match fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => panic!("could not empty {} before building into it: {error}", dir.display()),
    }
}

/// The `generators/` folder of the repository, or `HALIDE_PIPELINES_SYS_GENERATORS_DIR`.
fn generators_dir(manifest_dir: &Path) -> PathBuf {
    let dir = env_var("HALIDE_PIPELINES_SYS_GENERATORS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("..").join("generators"));
    if !dir.join("regenerate.py").is_file() {
        panic!(
            "building Halide archives from source needs the generators of the halide-pipelines repository, \
             but {} has no regenerate.py. Clone the repository and build from it, or point \
             HALIDE_PIPELINES_SYS_GENERATORS_DIR at its generators/ folder.",
            dir.display()
        );
    }
    println!("cargo:rerun-if-changed={}", dir.display());
    dir
}

fn run_generators(
    python: &str,
    generators: &Path,
    manifest_target: &str,
    halide_target: Option<&str>,
    what: &str,
    dir: &Path,
) {
    let mut command = Command::new(python);
    command
        // A build script writes only into OUT_DIR: no `__pycache__` beside the generators.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(generators.join("regenerate.py"))
        .args(["build", "--rust-target", manifest_target]);
    if let Some(halide_target) = halide_target {
        command.args(["--halide-target", halide_target]);
    }
    command.arg(what).arg(dir);
    let status = command.status().unwrap_or_else(|error| {
        panic!(
            "could not run `{python}` ({error}) to build Halide archives from source. \
             Install Python and `pip install -r {}`, or set HALIDE_PIPELINES_SYS_PYTHON.",
            generators.join("requirements.txt").display()
        )
    });
    if !status.success() {
        panic!(
            "{command:?} failed ({status}); its output is above. `pip install -r generators/requirements.txt` installs what it needs."
        );
    }
}

#[cfg(feature = "bindgen")]
fn generate_bindings(include: &Path, out_dir: &Path) {
    let compiler_include = compiler_include_dir();
    let bindings = bindgen::Builder::default()
        .header(include.join("HalideRuntime.h").to_string_lossy())
        // Parse as C: the C++ declarations of the header are not part of the ABI we call.
        .clang_args(["-x", "c", "-std=c11"])
        .clang_args(compiler_include.iter().map(|dir| format!("-isystem{dir}")))
        .allowlist_file(".*HalideRuntime\\.h")
        // Error codes and type codes stay plain integers: a value a newer runtime adds
        // must never become an invalid Rust enum.
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .derive_default(true)
        .layout_tests(true)
        .use_core()
        .formatter(bindgen::Formatter::Prettyplease)
        .generate()
        .expect("bindgen could not parse HalideRuntime.h (is LIBCLANG_PATH set?)");
    bindings
        .write_to_file(out_dir.join("bindings.rs"))
        .expect("writing bindings.rs to OUT_DIR");
}

/// The C compiler's own header folder (stdbool.h, stddef.h): the libclang wheel lacks it.
#[cfg(feature = "bindgen")]
fn compiler_include_dir() -> Option<String> {
    let compiler = env_var("CC").unwrap_or_else(|| "cc".to_owned());
    let output = Command::new(compiler).arg("-print-file-name=include").output().ok()?;
    let dir = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    Path::new(&dir).is_dir().then_some(dir)
}
