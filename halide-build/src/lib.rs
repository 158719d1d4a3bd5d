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
//!   `python3` or `python`; it must import `halide` [`HALIDE_VERSION`] (the
//!   release of the runtime halide-runtime-sys links);
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
//! - tells cargo to rerun only when a generator, a `.py` file beside it that
//!   it imports, `HALIDE_BUILD_PYTHON`, `HALIDE_BUILD_TARGET` or `DOCS_RS` changes;
//! - writes `<generator>.halide-signatures` beside each generator: commit it.
//!   With `DOCS_RS` set, no Python runs: the code is generated from that
//!   snapshot and nothing is linked, which is what docs.rs needs.

#![warn(missing_docs)]

mod codegen;
mod cpp;
mod error;
mod imports;
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
    /// `python3` / `python`.
    #[must_use]
    pub fn python(mut self, python: &str) -> Self {
        self.python = Some(python.to_owned());
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
        let context = Context {
            manifest_dir: cargo("CARGO_MANIFEST_DIR")?.into(),
            out_dir: cargo("OUT_DIR")?.into(),
            rust_target: cargo("TARGET")?,
            package: package.clone(),
            version: cargo("CARGO_PKG_VERSION")?,
            halide_python: self.python.clone().or_else(|| setting("HALIDE_BUILD_PYTHON")),
            hl_target: self.target.clone().or_else(|| setting("HALIDE_BUILD_TARGET")),
            docs_rs: env("DOCS_RS").is_some(),
            cxx: if self.generators.iter().any(|g| cpp::is_cpp(&g.file)) {
                env("CXX")
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
        for generator in &self.generators {
            let file = context.manifest_dir.join(&generator.file);
            for watched in imports::local_files(&file) {
                directives.push(format!("rerun-if-changed={}", watched.display()));
            }
        }

        let built = if context.docs_rs {
            from_snapshots(context, &requests, &mut directives)?
        } else {
            let built = run_generators(context, &requests, &mut directives)?;
            write_snapshots(&built)?;
            built
        };
        let emits: Vec<codegen::Emit<'_>> = built
            .iter()
            .map(|b| codegen::Emit {
                function: &b.request.function,
                symbol: &b.symbol,
                origin: format!("`{}` of `{}`", b.request.generator, b.request.file_name),
                arguments: &b.arguments,
            })
            .collect();
        let path = context.out_dir.join(GENERATED_FILE);
        std::fs::write(&path, codegen::file(&emits)).map_err(|error| Error::Io { path, error })?;
        Ok(directives)
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
    /// The C++ compiler for C++ generators (`CXX`).
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
    symbol: String,
    arguments: Vec<signature::Argument>,
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

/// Runs every generator (in parallel: each is a Python process compiling
/// several CPU variants), parses the signatures and adds the link directives.
fn run_generators<'r>(
    context: &Context,
    requests: &'r [Resolved],
    directives: &mut Vec<String>,
) -> Result<Vec<Built<'r>>, Error> {
    let python = python::find(context.halide_python.as_deref())?;
    let target = targets::halide_target(&context.rust_target, context.hl_target.as_deref())?;
    if targets::is_unchecked(&target) {
        directives.push(format!(
            "warning=halide-build: the Halide target `{target}` has `no_asserts`: the generated functions \
             will refuse every call (Error::UncheckedArchive), since safe calls rely on Halide's bounds checks"
        ));
    }
    // At most `jobs` Python processes at once (cargo's NUM_JOBS): each holds
    // an LLVM compiling several CPU variants.
    // Each C++ generator file is compiled once, into a program of its own.
    let mut programs: BTreeMap<&Path, PathBuf> = BTreeMap::new();
    for request in requests.iter().filter(|r| cpp::is_cpp(&r.file)) {
        if programs.contains_key(request.file.as_path()) {
            continue;
        }
        let dir = context.out_dir.join("halide-build").join("generators");
        std::fs::create_dir_all(&dir).map_err(|error| Error::Io {
            path: dir.clone(),
            error,
        })?;
        let program = dir.join(format!("{}-{}", request.symbol, programs.len()));
        let cxx = context.cxx.as_deref().unwrap_or("c++");
        cpp::compile(&python, cxx, &request.file, &program).map_err(|output| Error::Generator {
            file: request.file.clone(),
            generator: request.generator.clone(),
            function: request.function.clone(),
            output,
        })?;
        programs.insert(&request.file, program);
    }
    let mut results: Vec<Result<Built<'r>, Error>> = Vec::new();
    for batch in requests.chunks(context.jobs.max(1)) {
        std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .iter()
                .map(|request| {
                    let program: Vec<&std::ffi::OsStr> = match programs.get(request.file.as_path()) {
                        Some(program) => vec![program.as_os_str()],
                        None => vec![python.as_ref(), request.file.as_os_str()],
                    };
                    let target = &target;
                    scope.spawn(move || build_one(context, request, &program, target))
                })
                .collect();
            results.extend(
                handles
                    .into_iter()
                    .map(|handle| handle.join().expect("a generator thread panicked")),
            );
        });
    }
    let built = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    // Halide names archives `<name>.a`, or `<name>.lib` for Windows targets.
    let extension = if target.contains("-windows") { "lib" } else { "a" };
    for b in &built {
        let dir = pipeline_dir(context, &b.symbol);
        directives.push(format!("rustc-link-search=native={}", dir.display()));
        directives.push(format!("rustc-link-lib=static:+verbatim={}.{extension}", b.symbol));
    }
    Ok(built)
}

fn pipeline_dir(context: &Context, symbol: &str) -> PathBuf {
    context.out_dir.join("halide-build").join(symbol)
}

fn build_one<'r>(
    context: &Context,
    request: &'r Resolved,
    program: &[&std::ffi::OsStr],
    target: &str,
) -> Result<Built<'r>, Error> {
    let dir = pipeline_dir(context, &request.symbol);
    // Start empty: files of an earlier run must never stand in for this one's.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|error| Error::Io {
        path: dir.clone(),
        error,
    })?;
    python::run_generator(
        program,
        &request.generator,
        &request.symbol,
        target,
        &request.params,
        &dir,
    )
    .map_err(|output| Error::Generator {
        file: request.file.clone(),
        generator: request.generator.clone(),
        function: request.function.clone(),
        output,
    })?;
    let info = dir.join(format!("{}.function_info.h", request.symbol));
    let header = std::fs::read_to_string(&info).map_err(|error| Error::Generator {
        file: request.file.clone(),
        generator: request.generator.clone(),
        function: request.function.clone(),
        output: format!(
            "it exited successfully but wrote no {} ({error}): does the file end with \
             `if __name__ == \"__main__\": hl.main()`?",
            info.display()
        ),
    })?;
    let arguments = signature::parse_function_info(&header).map_err(|unsupported| Error::Unsupported {
        file: request.file.clone(),
        generator: request.generator.clone(),
        function: request.function.clone(),
        detail: unsupported.to_string(),
    })?;
    Ok(Built {
        request,
        symbol: request.symbol.clone(),
        arguments,
    })
}

/// Writes each generator file's snapshot (only if its contents changed).
fn write_snapshots(built: &[Built<'_>]) -> Result<(), Error> {
    let mut by_file: BTreeMap<&Path, Vec<snapshot::Entry>> = BTreeMap::new();
    for b in built {
        by_file.entry(&b.request.file).or_default().push(snapshot::Entry {
            function: b.request.function.clone(),
            generator: b.request.generator.clone(),
            symbol: b.symbol.clone(),
            arguments: b.arguments.clone(),
        });
    }
    for (file, entries) in by_file {
        let path = snapshot::path(file);
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let text = snapshot::render(&name, &entries.iter().collect::<Vec<_>>());
        snapshot::write_if_changed(&path, &text).map_err(|error| Error::Io { path, error })?;
    }
    Ok(())
}

/// `DOCS_RS` builds: every signature from the committed snapshots, no Python,
/// nothing linked.
fn from_snapshots<'r>(
    _context: &Context,
    requests: &'r [Resolved],
    directives: &mut Vec<String>,
) -> Result<Vec<Built<'r>>, Error> {
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
            symbol: request.symbol.clone(),
            arguments: entry.arguments,
        });
    }
    Ok(built)
}

#[cfg(test)]
mod tests;
