//! Compile your own Halide generators (Python) into typed, safe Rust
//! functions that run through [`halide-pipelines`](https://docs.rs/halide-pipelines).
//!
//! ```no_run
//! // build.rs (with `halide-build` in [build-dependencies] and
//! // `halide-pipelines` in [dependencies]), in its `fn main`:
//! halide_build::Build::new()
//!     .generator("halide/blur.py")   // a Python file with @hl.generator classes
//!     .pipeline("blur", "blur_u8")   // generator name -> Rust function (and C symbol base)
//!     .param("input.type", "uint8")  // generator params of the pipeline added last
//!     .compile()
//!     .unwrap();
//! ```
//! and anywhere in the crate `halide_pipelines::include_pipelines!();`, which
//! defines, with the generator's argument names and order,
//! `pub fn blur_u8(input: &impl InputBuffer<u8, 2>, radius: i32, output: &mut impl OutputBuffer<u8, 2>) -> Result<(), Error>`:
//! arrays, views and `Buffer`s, as the shipped pipelines take them.
//!
//! What [`Build::compile`] does:
//! - finds Python: [`Build::python`], else `HALIDE_BUILD_PYTHON_<PACKAGE>` (the
//!   package's name in upper case, `-` as `_`), else `HALIDE_BUILD_PYTHON`, else
//!   `python3`, `python` or (on Windows) `py -3`; it must import `halide`
//!   [`HALIDE_VERSION`] (the release of the runtime halide-runtime-sys links).
//!   C++ generators are compiled for the build machine with
//!   `HALIDE_BUILD_CXX`, else `HOST_CXX`, else (not cross-compiling) `CXX`,
//!   else `c++`;
//! - builds each pipeline for Cargo's `TARGET` (`targets.toml`: on x86-64 one
//!   archive with AVX-512, AVX2, SSE4.1 and baseline variants picked at run
//!   time), or for [`Build::target`], `HALIDE_BUILD_TARGET_<PACKAGE>` or
//!   `HALIDE_BUILD_TARGET`, always adding `no_runtime` and `user_context`. Only
//!   these `HALIDE_BUILD_*` variables configure it: Halide's own `HL_TARGET`
//!   changes nothing, here or in the `-sys` crates;
//! - names the C symbols `<package>_v<compatible version>_<function>`, so two
//!   crates', or two semver-incompatible versions of one crate's, pipelines of
//!   the same name link into one binary and each runs its own;
//! - reads each signature from Halide's function info header and writes
//!   `OUT_DIR/halide_pipelines.rs`, and links the archives;
//! - tells cargo to rerun only when a file the generator loaded changes (Python
//!   is asked, after running it, which modules it imported: every one outside
//!   Python's own folders; for C++ generators their quoted `#include`s), or
//!   one of the `HALIDE_BUILD_*` variables above, `HALIDE_BUILD_PUBLISH` or
//!   `DOCS_RS`;
//! - writes nothing outside `OUT_DIR` (Python runs with
//!   `PYTHONDONTWRITEBYTECODE`), unless asked to publish.
//!
//! # Publishing a library crate: prebuilt sets
//!
//! A crate on crates.io should not make every user install Python and Halide.
//! Its author builds the archives once, for the targets they choose, into a
//! folder of the crate that is packaged with it:
//!
//! ```no_run
//! halide_build::Build::new()
//!     .generator("halide/blur.py")
//!     .pipeline("blur", "blur_u8")
//!     .prebuilt("halide-prebuilt")  // <crate>/halide-prebuilt/<rust target>/
//!     .compile()
//!     .unwrap();
//! ```
//! 1. `HALIDE_BUILD_PUBLISH=1 cargo build` (with Python and Halide) builds a
//!    set for each of [`Build::prebuilt_targets`] (default: every target of
//!    `targets.toml`) and writes the signature snapshots;
//! 2. commit `halide-prebuilt/` and the `.halide-signatures` files, and keep
//!    them and the generators in the package (`include`);
//! 3. `cargo publish`: builds of the crate, `cargo package`'s verification
//!    and docs.rs included, link the set and run no Python.
//!
//! A set is used only while it matches the generator sources (a content hash
//! of every file Python loaded), the parameters, the C symbols (so the crate's
//! version), the Halide target and the Halide release, as its manifest
//! records. Otherwise, with Python at hand the pipelines are built as usual
//! with a warning; without it the build fails naming what changed and the
//! command that refreshes the set. crates.io takes crates up to 10 MB: an
//! x86-64 set holds five CPU variants per pipeline (about 0.5 MB for a small
//! filter), an aarch64 one a single variant; a larger collection can ship
//! each target's folder as a crate of its own, as halide-pipelines does.
//!
//! # docs.rs
//!
//! With `DOCS_RS` set no Python runs and nothing is linked: the functions are
//! generated from the `<generator>.halide-signatures` snapshot beside each
//! generator, which publishing writes (commit it). An ordinary build warns
//! when a committed snapshot no longer matches.

#![warn(missing_docs)]

mod codegen;
mod cpp;
mod error;
mod imports;
mod prebuilt;
mod python;
mod signature;
mod snapshot;
mod targets;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use error::Error;
pub use python::HALIDE_VERSION;

/// The name of the generated file in `OUT_DIR`, included by
/// `halide_pipelines::include_pipelines!()`.
pub const GENERATED_FILE: &str = "halide_pipelines.rs";

/// A set of pipelines to build from generator files; see the [crate] docs.
#[derive(Debug, Default, Clone)]
pub struct Build {
    generators: Vec<Generator>,
    /// The Halide target of this crate's pipelines, if the builder sets one.
    target: Option<String>,
    /// The Python to run the generators with, if the builder names one.
    python: Option<String>,
    /// The crate's folder of prebuilt sets, if it publishes them.
    prebuilt: Option<PathBuf>,
    /// The Rust targets to publish sets for (default: the whole table).
    prebuilt_targets: Option<Vec<String>>,
    /// The first misuse of the builder, reported by `compile` (the builder
    /// methods chain, so they cannot return it).
    misuse: Option<String>,
}

#[derive(Debug, Clone)]
struct Generator {
    file: PathBuf,
    pipelines: Vec<PipelineRequest>,
}

#[derive(Debug, Clone)]
struct PipelineRequest {
    generator: String,
    function: String,
    params: Vec<(String, String)>,
}

impl Build {
    /// An empty build.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a Python file holding one or more `@hl.generator` classes; a
    /// relative path is relative to the crate's folder. The pipelines added
    /// next come from it.
    pub fn generator(mut self, path: impl AsRef<Path>) -> Self {
        self.generators.push(Generator {
            file: path.as_ref().to_path_buf(),
            pipelines: Vec::new(),
        });
        self
    }

    /// Builds the generator named `generator` (its `@hl.generator(name=...)`)
    /// of the file added last as the Rust function `function`.
    pub fn pipeline(mut self, generator: &str, function: &str) -> Self {
        match self.generators.last_mut() {
            Some(file) => file.pipelines.push(PipelineRequest {
                generator: generator.to_owned(),
                function: function.to_owned(),
                params: Vec::new(),
            }),
            None => self.misuse(format!(
                "`.pipeline(\"{generator}\", \"{function}\")` comes before any `.generator(path)`; \
                 add the generator file first"
            )),
        }
        self
    }

    /// Sets a generator parameter (`GeneratorParam`, or a type or rank such as
    /// `input.type=uint8`) of the pipeline added last.
    pub fn param(mut self, key: &str, value: &str) -> Self {
        match self.generators.last_mut().and_then(|file| file.pipelines.last_mut()) {
            Some(pipeline) => pipeline.params.push((key.to_owned(), value.to_owned())),
            None => self.misuse(format!(
                "`.param(\"{key}\", \"{value}\")` comes before any `.pipeline(generator, function)`; \
                 parameters belong to the pipeline added last"
            )),
        }
        self
    }

    /// Builds this crate's pipelines for the Halide target `target` (one target
    /// string, or a comma-separated list for run-time dispatch, best first)
    /// instead of the table's CPU variants for cargo's `TARGET`. It overrides
    /// `HALIDE_BUILD_TARGET_<PACKAGE>` and `HALIDE_BUILD_TARGET`. `no_runtime`
    /// and `user_context` are always added.
    ///
    /// A target with `no_asserts` builds, with a warning, but every call of its
    /// functions returns `Error::UncheckedArchive` (the safe functions rely on
    /// Halide's bounds checks); a list whose entries disagree on it is an error.
    #[must_use]
    pub fn target(mut self, target: &str) -> Self {
        self.target = Some(target.to_owned());
        self
    }

    /// Runs the generators with this Python (it must import `halide` 21.0.0)
    /// instead of `HALIDE_BUILD_PYTHON_<PACKAGE>`, `HALIDE_BUILD_PYTHON` or
    /// `python3` / `python` / `py -3`.
    #[must_use]
    pub fn python(mut self, python: &str) -> Self {
        self.python = Some(python.to_owned());
        self
    }

    /// Uses the pipelines prebuilt into `dir` (relative to the crate's folder)
    /// when they are current, so that builds of crates depending on this one
    /// need no Python: the publisher's workflow for a library crate.
    ///
    /// `HALIDE_BUILD_PUBLISH=1 cargo build` (with Python and Halide) fills
    /// `dir/<rust target>/` for each of [`Build::prebuilt_targets`] and
    /// writes the signature snapshots; commit the folder (keep it in the
    /// package). Other builds link a target's set, with no Python, while it
    /// matches the generator sources, parameters, symbols, Halide target and
    /// Halide release; otherwise they rebuild with Python (with a warning) or,
    /// without Python, fail naming what changed and the command that
    /// refreshes the set.
    #[must_use]
    pub fn prebuilt(mut self, dir: impl AsRef<Path>) -> Self {
        self.prebuilt = Some(dir.as_ref().to_path_buf());
        self
    }

    /// The Rust targets `HALIDE_BUILD_PUBLISH` builds [`Build::prebuilt`]
    /// sets for (names of halide-build's `targets.toml`: x86_64 and aarch64
    /// Linux and macOS, x86_64 Windows, whose set serves both of its
    /// toolchains, as the Linux ones serve musl). Default: all of them.
    #[must_use]
    pub fn prebuilt_targets(mut self, targets: &[&str]) -> Self {
        self.prebuilt_targets = Some(targets.iter().map(|t| (*t).to_owned()).collect());
        self
    }

    fn misuse(&mut self, detail: String) {
        self.misuse.get_or_insert(detail);
    }

    /// Builds every pipeline, writes `OUT_DIR/halide_pipelines.rs` and tells
    /// cargo what to link and when to rerun. Call it from a build script.
    pub fn compile(self) -> Result<(), Error> {
        let env = |name: &str| {
            println!("cargo:rerun-if-env-changed={name}");
            std::env::var(name).ok().filter(|value| !value.is_empty())
        };
        let cargo = |name: &str| {
            std::env::var(name)
                .map_err(|_| Error::Usage(format!("{name} is not set: call compile() from a build script")))
        };
        let package = cargo("CARGO_PKG_NAME")?;
        // `HALIDE_BUILD_TARGET_MY_FILTERS` for the package `my-filters` only,
        // then `HALIDE_BUILD_TARGET` for every crate using halide-build.
        let setting = |name: &str| {
            let own = format!("{name}_{}", package.to_ascii_uppercase().replace(['-', '.'], "_"));
            env(&own).or_else(|| env(name))
        };
        let rust_target = cargo("TARGET")?;
        let cross = std::env::var("HOST").is_ok_and(|host| host != rust_target);
        let context = Context {
            manifest_dir: cargo("CARGO_MANIFEST_DIR")?.into(),
            out_dir: cargo("OUT_DIR")?.into(),
            rust_target,
            package: package.clone(),
            version: cargo("CARGO_PKG_VERSION")?,
            halide_python: self.python.clone().or_else(|| setting("HALIDE_BUILD_PYTHON")),
            hl_target: self.target.clone().or_else(|| setting("HALIDE_BUILD_TARGET")),
            docs_rs: env("DOCS_RS").is_some(),
            publish: setting("HALIDE_BUILD_PUBLISH").is_some_and(|value| value != "0"),
            cxx: if self.generators.iter().any(|g| cpp::is_cpp(&g.file)) {
                Some(cpp::host_compiler(env, cross))
            } else {
                None
            },
            jobs: std::env::var("NUM_JOBS")
                .ok()
                .and_then(|jobs| jobs.parse().ok())
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
        };
        for directive in self.compile_in(&context)? {
            println!("cargo:{directive}");
        }
        Ok(())
    }

    /// [`Build::compile`] with its environment spelled out; returns the cargo
    /// directives (without `cargo:`) instead of printing them.
    fn compile_in(self, context: &Context) -> Result<Vec<String>, Error> {
        if let Some(detail) = self.misuse {
            return Err(Error::Usage(detail));
        }
        let requests = self.resolve(context)?;
        let mut directives: Vec<String> = Vec::new();
        let built = if context.docs_rs {
            from_snapshots(&requests, &mut directives)?
        } else {
            if context.publish {
                self.publish(context, &requests, &mut directives)?;
            }
            let built = self.build_or_reuse(context, &requests, &mut directives)?;
            warn_about_stale_snapshots(&built, &mut directives);
            built
        };
        let mut watched: Vec<&Path> = built
            .iter()
            .flat_map(|b| b.sources.iter().map(PathBuf::as_path))
            .collect();
        watched.sort();
        watched.dedup();
        for file in watched {
            directives.push(format!("rerun-if-changed={}", file.display()));
        }
        let emits: Vec<codegen::Emit<'_>> = built
            .iter()
            .map(|b| codegen::Emit {
                function: &b.request.function,
                symbol: &b.request.symbol,
                origin: format!("`{}` of `{}`", b.request.generator, b.request.file_name),
                arguments: &b.arguments,
            })
            .collect();
        let path = context.out_dir.join(GENERATED_FILE);
        std::fs::write(&path, codegen::file(&emits)).map_err(|error| Error::Io { path, error })?;
        Ok(directives)
    }

    /// The pipelines for cargo's target: the prebuilt set when it is current,
    /// else built with Python into `OUT_DIR`; adds the link directives.
    fn build_or_reuse<'r>(
        &self,
        context: &Context,
        requests: &'r [Resolved],
        directives: &mut Vec<String>,
    ) -> Result<Vec<Built<'r>>, Error> {
        let halide_target = targets::halide_target(&context.rust_target, context.hl_target.as_deref())?;
        let mut stale = None;
        if let Some(prebuilt) = &self.prebuilt {
            let key = targets::table_key(&context.rust_target);
            let dir = prebuilt::target_dir(&context.manifest_dir.join(prebuilt), &key);
            let description = describe(context, requests, &key, &halide_target);
            match prebuilt::check(&dir, &context.manifest_dir, &description) {
                Ok(valid) => return use_prebuilt(requests, &halide_target, valid, directives),
                Err(reason) => stale = Some((dir, reason)),
            }
        }
        let python = match (python::find(context.halide_python.as_deref()), stale) {
            (Ok(python), None) => python,
            (Ok(python), Some((dir, reason))) => {
                directives.push(format!(
                    "warning=halide-build: not using the prebuilt pipelines in {}: {reason}; built them with \
                     Python instead. Refresh the set with `HALIDE_BUILD_PUBLISH=1 cargo build` and commit it.",
                    dir.display()
                ));
                python
            }
            (Err(error), None) => return Err(error),
            (Err(error), Some((dir, reason))) => {
                return Err(Error::PrebuiltUnusable {
                    dir,
                    reason,
                    rust_target: context.rust_target.clone(),
                    no_python: error.to_string(),
                });
            }
        };
        if targets::is_unchecked(&halide_target) {
            directives.push(format!(
                "warning=halide-build: the Halide target `{halide_target}` has `no_asserts`: the generated functions \
                 will refuse every call (Error::UncheckedArchive), since safe calls rely on Halide's bounds checks"
            ));
        }
        let base = context.out_dir.join("halide-build");
        let built = run_generators(context, &python, requests, &halide_target, &base)?;
        for b in &built {
            link(directives, &b.dir, &halide_target, &b.request.symbol);
        }
        Ok(built)
    }

    /// `HALIDE_BUILD_PUBLISH`: builds the prebuilt set of each target and the
    /// signature snapshots, into the crate's folder (asked for explicitly:
    /// no other build writes outside `OUT_DIR`).
    fn publish(&self, context: &Context, requests: &[Resolved], directives: &mut Vec<String>) -> Result<(), Error> {
        let rust_targets = match (&self.prebuilt, &self.prebuilt_targets) {
            (None, _) => Vec::new(),
            (Some(_), Some(list)) => list.clone(),
            (Some(_), None) => targets::rust_targets(),
        };
        if context.hl_target.is_some() && rust_targets.len() > 1 {
            return Err(Error::Usage(format!(
                "publishing prebuilt sets for {} targets with one Halide target override (`.target(..)` or \
                 HALIDE_BUILD_TARGET = `{}`) would build them all alike: name one target in \
                 `.prebuilt_targets(..)` or unset the override",
                rust_targets.len(),
                context.hl_target.as_deref().unwrap_or_default()
            )));
        }
        let known = targets::rust_targets();
        let mut halide_targets = Vec::new();
        for rust_target in &rust_targets {
            if !known.contains(rust_target) {
                return Err(Error::Usage(format!(
                    "`.prebuilt_targets(..)` names `{rust_target}`, which is not a target of halide-build's table \
                     (known: {})",
                    known.join(", ")
                )));
            }
            let halide_target = targets::halide_target(rust_target, context.hl_target.as_deref())?;
            if targets::is_unchecked(&halide_target) {
                return Err(Error::Usage(format!(
                    "refusing to publish archives built with `no_asserts` (`{halide_target}`): every call of them \
                     would be refused"
                )));
            }
            halide_targets.push(halide_target);
        }
        let python = python::find(context.halide_python.as_deref())?;
        let mut snapshot_from = None;
        for (rust_target, halide_target) in rust_targets.iter().zip(&halide_targets) {
            let base = context.out_dir.join("halide-build").join("publish").join(rust_target);
            let built = run_generators(context, &python, requests, halide_target, &base)?;
            let mut sources = Vec::new();
            for file in built.iter().flat_map(|b| &b.sources) {
                let path = prebuilt::relative(&context.manifest_dir, file).ok_or_else(|| {
                    Error::Usage(format!(
                        "a generator imports {}, outside the crate's folder {}: a published crate would not \
                         contain it; move it into the crate",
                        file.display(),
                        context.manifest_dir.display()
                    ))
                })?;
                let bytes = std::fs::read(file).map_err(io(file))?;
                sources.push((path, prebuilt::content_hash(&bytes)));
            }
            let prebuilt = self.prebuilt.as_ref().expect("targets only with a prebuilt folder");
            let dir = prebuilt::target_dir(&context.manifest_dir.join(prebuilt), rust_target);
            let description = describe(context, requests, rust_target, halide_target);
            write_set(&dir, &built, halide_target, &description, &sources)?;
            directives.push(format!(
                "warning=halide-build: published {} pipeline(s) for {rust_target} into {}",
                built.len(),
                dir.display()
            ));
            snapshot_from = Some(built);
        }
        // The snapshots (what docs.rs reads): the signatures are the same for
        // every target, so a published set's serve; else a build for cargo's target.
        let built = match snapshot_from {
            Some(built) => built,
            None => {
                let halide_target = targets::halide_target(&context.rust_target, context.hl_target.as_deref())?;
                let base = context.out_dir.join("halide-build").join("publish").join("snapshot");
                run_generators(context, &python, requests, &halide_target, &base)?
            }
        };
        write_snapshots(&built)
    }

    /// Checks the requests and gives each its generator file and C symbol.
    fn resolve(&self, context: &Context) -> Result<Vec<Resolved>, Error> {
        if self.generators.is_empty() {
            return Err(Error::Usage(
                "no generator: add `.generator(\"path/to/gen.py\").pipeline(\"generator\", \"function\")`".into(),
            ));
        }
        let mut symbols: BTreeMap<String, String> = BTreeMap::new();
        let mut resolved = Vec::new();
        for generator in &self.generators {
            let file = context.manifest_dir.join(&generator.file);
            if !file.is_file() {
                return Err(Error::Usage(format!(
                    "the generator file {} does not exist (relative paths start at the crate's folder, {})",
                    file.display(),
                    context.manifest_dir.display()
                )));
            }
            if generator.pipelines.is_empty() {
                return Err(Error::Usage(format!(
                    "no pipeline for {}: add `.pipeline(\"generator name\", \"rust_function\")` after it",
                    generator.file.display()
                )));
            }
            for pipeline in &generator.pipelines {
                if !is_identifier(&pipeline.function) {
                    return Err(Error::Usage(format!(
                        "`{}` is not a Rust function name: use letters, digits and `_`, not starting with a digit",
                        pipeline.function
                    )));
                }
                let symbol = symbol(&context.package, &context.version, &pipeline.function);
                if let Some(previous) = symbols.insert(symbol.clone(), pipeline.function.clone()) {
                    return Err(Error::Usage(format!(
                        "two pipelines named `{previous}`: each needs its own function name"
                    )));
                }
                resolved.push(Resolved {
                    file: file.clone(),
                    file_name: generator.file.display().to_string(),
                    generator: pipeline.generator.clone(),
                    function: pipeline.function.clone(),
                    params: pipeline.params.clone(),
                    symbol,
                });
            }
        }
        Ok(resolved)
    }
}

/// What [`Build::compile`] reads from its environment.
struct Context {
    manifest_dir: PathBuf,
    out_dir: PathBuf,
    rust_target: String,
    package: String,
    /// The package's version: its semver-compatible part goes into the symbols.
    version: String,
    halide_python: Option<String>,
    hl_target: Option<String>,
    docs_rs: bool,
    /// `HALIDE_BUILD_PUBLISH`: write the prebuilt sets and signature snapshots.
    publish: bool,
    /// The C++ compiler for C++ generators (host tools).
    cxx: Option<String>,
    /// How many generators may run at once.
    jobs: usize,
}

/// One requested pipeline with its file and C symbol.
struct Resolved {
    file: PathBuf,
    file_name: String,
    generator: String,
    function: String,
    params: Vec<(String, String)>,
    symbol: String,
}

/// A pipeline ready for code generation.
struct Built<'r> {
    request: &'r Resolved,
    /// The folder holding its archive and function info header.
    dir: PathBuf,
    arguments: Vec<signature::Argument>,
    /// The crate's files it was built from: cargo reruns the build script
    /// when one changes.
    sources: Vec<PathBuf>,
}

fn is_identifier(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `<package>_v<compatible version>_<function>`, lowercased, anything but
/// letters and digits as `_`: a valid C identifier, unique per crate and per
/// semver-compatible version in a binary. Cargo links two semver-incompatible
/// versions of one crate side by side; with the version in their symbols each
/// runs its own archive (without it the linker silently picks one). The
/// compatible part: the major version (`v2`), below 1.0 the minor (`v0_3`),
/// below 0.1 the patch (`v0_0_7`), as cargo's `^` requirements count them.
fn symbol(package: &str, version: &str, function: &str) -> String {
    let mut numbers = version
        .split(['.', '-', '+'])
        .map(|part| part.parse::<u64>().unwrap_or(0));
    let (major, minor, patch) = (
        numbers.next().unwrap_or(0),
        numbers.next().unwrap_or(0),
        numbers.next().unwrap_or(0),
    );
    let compatible = match (major, minor) {
        (0, 0) => format!("v0_0_{patch}"),
        (0, minor) => format!("v0_{minor}"),
        (major, _) => format!("v{major}"),
    };
    format!("{package}_{compatible}_{function}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// What a prebuilt set for `rust_target` must have been built from.
fn describe<'a>(
    context: &Context,
    requests: &[Resolved],
    rust_target: &'a str,
    halide_target: &'a str,
) -> prebuilt::Description<'a> {
    prebuilt::Description {
        rust_target,
        halide_target,
        pipelines: requests
            .iter()
            .map(|r| prebuilt::PipelineLine {
                symbol: r.symbol.clone(),
                generator: r.generator.clone(),
                file: prebuilt::relative(&context.manifest_dir, &r.file).unwrap_or_else(|| r.file_name.clone()),
                params: r.params.clone(),
            })
            .collect(),
    }
}

fn link(directives: &mut Vec<String>, dir: &Path, halide_target: &str, symbol: &str) {
    directives.push(format!("rustc-link-search=native={}", dir.display()));
    directives.push(format!(
        "rustc-link-lib=static:+verbatim={}",
        prebuilt::archive_name(halide_target, symbol)
    ));
}

/// Links a current prebuilt set: signatures from its function info headers.
fn use_prebuilt<'r>(
    requests: &'r [Resolved],
    halide_target: &str,
    valid: prebuilt::Valid,
    directives: &mut Vec<String>,
) -> Result<Vec<Built<'r>>, Error> {
    directives.push(format!(
        "rerun-if-changed={}",
        valid.dir.join(prebuilt::MANIFEST).display()
    ));
    let mut built = Vec::new();
    for request in requests {
        let archive = prebuilt::archive_name(halide_target, &request.symbol);
        directives.push(format!("rerun-if-changed={}", valid.dir.join(&archive).display()));
        link(directives, &valid.dir, halide_target, &request.symbol);
        let arguments = read_signature(request, &valid.dir.join(prebuilt::info_name(&request.symbol)))?;
        let mut sources = valid.sources.clone();
        sources.push(request.file.clone());
        built.push(Built {
            request,
            dir: valid.dir.clone(),
            arguments,
            sources,
        });
    }
    Ok(built)
}

/// Replaces the set in `dir` with `built`'s archives and headers, the
/// manifest last (an interrupted publish leaves no usable set behind).
fn write_set(
    dir: &Path,
    built: &[Built<'_>],
    halide_target: &str,
    description: &prebuilt::Description<'_>,
    sources: &[(String, u64)],
) -> Result<(), Error> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for b in built {
        for name in [
            prebuilt::archive_name(halide_target, &b.request.symbol),
            prebuilt::info_name(&b.request.symbol),
        ] {
            std::fs::copy(b.dir.join(&name), dir.join(&name)).map_err(io(&dir.join(&name)))?;
        }
    }
    let manifest = dir.join(prebuilt::MANIFEST);
    std::fs::write(&manifest, prebuilt::render(description, sources)).map_err(io(&manifest))
}

/// `Error::Io` for a failed operation on `path`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |error| Error::Io { path, error }
}

/// Runs every generator for `halide_target` into `base/<symbol>/` (in
/// parallel: each is a Python process compiling several CPU variants) and
/// parses the signatures.
fn run_generators<'r>(
    context: &Context,
    python: &python::Python,
    requests: &'r [Resolved],
    halide_target: &str,
    base: &Path,
) -> Result<Vec<Built<'r>>, Error> {
    std::fs::create_dir_all(base).map_err(io(base))?;
    let wrapper = base.join("run_generator.py");
    std::fs::write(&wrapper, python::GENERATOR_WRAPPER).map_err(io(&wrapper))?;
    // Each C++ generator file is compiled once, into a program of its own.
    let mut programs: BTreeMap<&Path, PathBuf> = BTreeMap::new();
    for request in requests.iter().filter(|r| cpp::is_cpp(&r.file)) {
        if programs.contains_key(request.file.as_path()) {
            continue;
        }
        let dir = base.join("generators");
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let program = dir.join(format!("{}-{}", request.symbol, programs.len()));
        let cxx = context.cxx.as_deref().unwrap_or("c++");
        cpp::compile(python, cxx, &request.file, &program).map_err(|output| Error::Generator {
            file: request.file.clone(),
            generator: request.generator.clone(),
            function: request.function.clone(),
            output,
        })?;
        programs.insert(&request.file, program);
    }
    // At most `jobs` generators at once (cargo's NUM_JOBS): each holds an
    // LLVM compiling several CPU variants.
    let mut results: Vec<Result<Built<'r>, Error>> = Vec::new();
    for batch in requests.chunks(context.jobs.max(1)) {
        std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .iter()
                .map(|request| {
                    let program = match programs.get(request.file.as_path()) {
                        Some(program) => python::Program::Compiled(program),
                        None => python::Program::Python {
                            python,
                            wrapper: &wrapper,
                            generator: &request.file,
                        },
                    };
                    let dir = base.join(&request.symbol);
                    scope.spawn(move || build_one(context, request, &program, halide_target, dir))
                })
                .collect();
            results.extend(
                handles
                    .into_iter()
                    .map(|handle| handle.join().expect("a generator thread panicked")),
            );
        });
    }
    results.into_iter().collect()
}

fn build_one<'r>(
    context: &Context,
    request: &'r Resolved,
    program: &python::Program<'_>,
    halide_target: &str,
    dir: PathBuf,
) -> Result<Built<'r>, Error> {
    // Start empty: files of an earlier run must never stand in for this one's.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    python::run_generator(
        program,
        &request.generator,
        &request.symbol,
        halide_target,
        &request.params,
        &dir,
    )
    .map_err(|output| Error::Generator {
        file: request.file.clone(),
        generator: request.generator.clone(),
        function: request.function.clone(),
        output,
    })?;
    let arguments = read_signature(request, &dir.join(prebuilt::info_name(&request.symbol)))?;
    let sources = match program {
        python::Program::Python { .. } => imported_sources(context, request, &python::modules_file(&dir)),
        python::Program::Compiled(_) => imports::local_files(&request.file).into_iter().collect(),
    };
    Ok(Built {
        request,
        dir,
        arguments,
        sources,
    })
}

/// The generator and the files of the modules it imported (the wrapper's
/// list), except those in the build's output.
fn imported_sources(context: &Context, request: &Resolved, list: &Path) -> Vec<PathBuf> {
    let canonical = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let out_dir = canonical(&context.out_dir);
    let manifest_dir = canonical(&context.manifest_dir);
    let generator = canonical(&request.file);
    let mut sources = vec![request.file.clone()];
    for line in std::fs::read_to_string(list).unwrap_or_default().lines() {
        let file = PathBuf::from(line);
        if file.starts_with(&out_dir) || file == generator {
            continue;
        }
        // Spelled from the crate's folder as cargo gave it, when inside it.
        sources.push(match file.strip_prefix(&manifest_dir) {
            Ok(rest) => context.manifest_dir.join(rest),
            Err(_) => file,
        });
    }
    sources
}

/// A pipeline's signature, from Halide's function info header.
fn read_signature(request: &Resolved, info: &Path) -> Result<Vec<signature::Argument>, Error> {
    let header = std::fs::read_to_string(info).map_err(|error| Error::Generator {
        file: request.file.clone(),
        generator: request.generator.clone(),
        function: request.function.clone(),
        output: format!(
            "it exited successfully but wrote no {} ({error}): does the file end with \
             `if __name__ == \"__main__\": hl.main()`?",
            info.display()
        ),
    })?;
    signature::parse_function_info(&header).map_err(|unsupported| Error::Unsupported {
        file: request.file.clone(),
        generator: request.generator.clone(),
        function: request.function.clone(),
        detail: unsupported.to_string(),
    })
}

/// A committed snapshot that no longer matches the signatures just built
/// would document the wrong functions on docs.rs: say so (a crate without
/// snapshots hears nothing).
fn warn_about_stale_snapshots(built: &[Built<'_>], directives: &mut Vec<String>) {
    for (path, text) in snapshot_texts(built) {
        if std::fs::read_to_string(&path).is_ok_and(|old| old != text) {
            directives.push(format!(
                "warning=halide-build: the signature snapshot {} is out of date (docs.rs reads it): refresh it \
                 with `HALIDE_BUILD_PUBLISH=1 cargo build` and commit it",
                path.display()
            ));
        }
    }
}

/// Each generator file's snapshot path and text.
fn snapshot_texts(built: &[Built<'_>]) -> Vec<(PathBuf, String)> {
    let mut by_file: BTreeMap<&Path, Vec<snapshot::Entry>> = BTreeMap::new();
    for b in built {
        by_file.entry(&b.request.file).or_default().push(snapshot::Entry {
            function: b.request.function.clone(),
            generator: b.request.generator.clone(),
            symbol: b.request.symbol.clone(),
            arguments: b.arguments.clone(),
        });
    }
    by_file
        .into_iter()
        .map(|(file, entries)| {
            let name = file.file_name().unwrap_or_default().to_string_lossy();
            (
                snapshot::path(file),
                snapshot::render(&name, &entries.iter().collect::<Vec<_>>()),
            )
        })
        .collect()
}

/// Writes each generator file's snapshot (only if its contents changed).
fn write_snapshots(built: &[Built<'_>]) -> Result<(), Error> {
    for (path, text) in snapshot_texts(built) {
        snapshot::write_if_changed(&path, &text).map_err(|error| Error::Io { path, error })?;
    }
    Ok(())
}

/// `DOCS_RS` builds: every signature from the committed snapshots, no Python,
/// nothing linked.
fn from_snapshots<'r>(requests: &'r [Resolved], directives: &mut Vec<String>) -> Result<Vec<Built<'r>>, Error> {
    let mut built = Vec::new();
    for request in requests {
        let path = snapshot::path(&request.file);
        directives.push(format!("rerun-if-changed={}", path.display()));
        let text = std::fs::read_to_string(&path).map_err(|error| Error::Snapshot {
            path: path.clone(),
            detail: format!("cannot be read ({error})"),
        })?;
        let entries = snapshot::parse(&text).map_err(|detail| Error::Snapshot {
            path: path.clone(),
            detail,
        })?;
        let entry = entries
            .into_iter()
            .find(|entry| entry.function == request.function && entry.generator == request.generator)
            .ok_or_else(|| Error::Snapshot {
                path: path.clone(),
                detail: format!(
                    "has no pipeline `{}` from generator `{}` (out of date)",
                    request.function, request.generator
                ),
            })?;
        built.push(Built {
            request,
            dir: PathBuf::new(),
            arguments: entry.arguments,
            sources: imports::local_files(&request.file).into_iter().collect(),
        });
    }
    Ok(built)
}

#[cfg(test)]
mod tests;
