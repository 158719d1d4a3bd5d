//! What can go wrong in a build script, each saying what was expected and
//! how to fix it.

use std::fmt;
use std::path::PathBuf;

use crate::python::HALIDE_VERSION;

/// A `halide-build` failure. `Debug` prints the same text as `Display`, so
/// `.compile().unwrap()` in a build script shows a readable message.
#[non_exhaustive]
pub enum Error {
    /// No Python with the `halide` package was found.
    HalideNotFound {
        /// Each Python tried and why it failed.
        tried: Vec<String>,
    },
    /// The installed `halide` is not the release the runtime comes from.
    HalideVersion {
        /// The Python that has it.
        python: String,
        /// Its version.
        installed: String,
    },
    /// Cargo's `TARGET` has no Halide target in the table.
    UnsupportedTarget {
        /// Cargo's target triple.
        rust_target: String,
        /// The triples the table knows.
        known: Vec<String>,
    },
    /// A generator failed (its Python output is included).
    Generator {
        /// The generator file.
        file: PathBuf,
        /// The generator's name.
        generator: String,
        /// The pipeline being built.
        function: String,
        /// The command and what it printed.
        output: String,
    },
    /// A pipeline has an argument the safe API cannot take.
    Unsupported {
        /// The generator file.
        file: PathBuf,
        /// The generator's name.
        generator: String,
        /// The pipeline.
        function: String,
        /// The argument and why.
        detail: String,
    },
    /// The builder was used wrongly (no pipeline, a parameter before any
    /// pipeline, a name that is not a Rust identifier...).
    Usage(String),
    /// The signature snapshot is missing, unreadable or out of date (`DOCS_RS` builds).
    Snapshot {
        /// The snapshot file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A prebuilt set cannot be used (missing or stale) and no Python with
    /// Halide is there to build the pipelines instead.
    PrebuiltUnusable {
        /// The target's folder of the set.
        dir: PathBuf,
        /// Why the set cannot be used.
        reason: String,
        /// Cargo's target.
        rust_target: String,
        /// Why no Python could build them.
        no_python: String,
    },
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::HalideNotFound { tried } => write!(
                f,
                "halide-build needs Python with Halide {HALIDE_VERSION} to compile your generators, \
                 and found none ({}). Install it with `pip install halide=={HALIDE_VERSION}` \
                 (into python3, or into any Python you name with HALIDE_BUILD_PYTHON=/path/to/python).",
                tried.join("; ")
            ),
            Error::HalideVersion { python, installed } => write!(
                f,
                "`{python}` has halide {installed}, but halide-pipelines links the Halide {HALIDE_VERSION} runtime: \
                 pipelines must come from the same release. Run `{python} -m pip install halide=={HALIDE_VERSION}`, \
                 or set HALIDE_BUILD_PYTHON to a Python that has it."
            ),
            Error::UnsupportedTarget { rust_target, known } => write!(
                f,
                "halide-build has no Halide target for the Rust target `{rust_target}` (known: {}). \
                 Set HALIDE_BUILD_TARGET to the Halide target to build for, e.g. HALIDE_BUILD_TARGET=arm-64-android.",
                known.join(", ")
            ),
            Error::Generator {
                file,
                generator,
                function,
                output,
            } => write!(
                f,
                "the Halide generator `{generator}` in {} failed while building `{function}`; \
                 fix the generator (its Python output follows):\n{output}",
                file.display()
            ),
            Error::Unsupported {
                file,
                generator,
                function,
                detail,
            } => write!(
                f,
                "the Halide generator `{generator}` in {} (pipeline `{function}`) cannot become a safe Rust \
                 function: {detail}",
                file.display()
            ),
            Error::Usage(detail) => write!(f, "halide-build: {detail}"),
            Error::Snapshot { path, detail } => write!(
                f,
                "halide-build: the signature snapshot {} {detail}. Write it with `HALIDE_BUILD_PUBLISH=1 \
                 cargo build` (with Halide installed) and commit it: DOCS_RS builds read it instead of \
                 running Python.",
                path.display()
            ),
            Error::PrebuiltUnusable {
                dir,
                reason,
                rust_target,
                no_python,
            } => write!(
                f,
                "halide-build: the prebuilt pipelines in {} cannot be used for {rust_target}: {reason}. \
                 Without them the generators must run, and: {no_python}\n\
                 If you publish this crate: refresh the set with `HALIDE_BUILD_PUBLISH=1 cargo build` (with \
                 Halide installed) and commit {}. If you use it: install Halide as above, or ask its \
                 authors for a set for {rust_target}.",
                dir.display(),
                dir.display()
            ),
            Error::Io { path, error } => write!(f, "halide-build: {}: {error}", path.display()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}
