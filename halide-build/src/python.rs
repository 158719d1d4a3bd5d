//! Finding the Python that has Halide, and running a generator with it.

use std::path::Path;
use std::process::Command;

use crate::Error;

/// The Halide release halide-runtime-sys links: generated pipelines must come
/// from the same one (the runtime ABI and the metadata layout follow it).
pub const HALIDE_VERSION: &str = "21.0.0";

/// Prints the installed `halide` package's version (fails without it).
const VERSION_PROBE: &str = "import halide, importlib.metadata; print(importlib.metadata.version('halide'))";

/// The Python the build was given (`Build::python`, `HALIDE_BUILD_PYTHON`), else
/// the first of `python3` and `python` (Windows installs only the latter) that
/// imports `halide`, which must be [`HALIDE_VERSION`].
pub(crate) fn find(halide_python: Option<&str>) -> Result<String, Error> {
    let candidates: Vec<&str> = match halide_python {
        Some(python) => vec![python],
        None => vec!["python3", "python"],
    };
    let mut tried = Vec::new();
    for python in candidates {
        match Command::new(python).args(["-c", VERSION_PROBE]).output() {
            Ok(output) if output.status.success() => {
                let installed = String::from_utf8_lossy(&output.stdout).trim().to_owned();
                if installed != HALIDE_VERSION {
                    return Err(Error::HalideVersion {
                        python: python.to_owned(),
                        installed,
                    });
                }
                return Ok(python.to_owned());
            }
            Ok(output) => {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let last = stderr.lines().last().unwrap_or("").trim();
                tried.push(format!("`{python}`: {last}"));
            }
            Err(error) => tried.push(format!("`{python}`: {error}")),
        }
    }
    Err(Error::HalideNotFound { tried })
}

/// Runs a generator (`program`: Python and the generator file, or a compiled
/// C++ generator) with `-g ... -o .` inside `dir`: Halide derives the header's
/// include guard from the output path, so `-o .` keeps the files' bytes
/// independent of where the build happens.
pub(crate) fn run_generator(
    program: &[&std::ffi::OsStr],
    generator: &str,
    symbol: &str,
    target: &str,
    params: &[(String, String)],
    dir: &Path,
) -> Result<(), String> {
    let mut command = Command::new(program[0]);
    command
        .args(&program[1..])
        .args(["-g", generator, "-f", symbol, "-n", symbol])
        .args(["-e", "static_library,c_header,function_info_header", "-o", "."])
        .arg(format!("target={target}"))
        .args(params.iter().map(|(key, value)| format!("{key}={value}")))
        .current_dir(dir);
    let not_started = format!("could not run `{}`", program[0].display());
    run(&mut command, &not_started)
}

/// Runs `command` to completion: `Ok` if it succeeded, else a message with
/// the command line, its exit status and everything it printed (a failing
/// generator's Python traceback, a compiler's errors). `not_started` opens the
/// message when the program could not be started at all.
pub(crate) fn run(command: &mut Command, not_started: &str) -> Result<(), String> {
    let output = command.output().map_err(|error| format!("{not_started} ({error})"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

#[cfg(test)]
mod tests {
    /// Users' pipelines must come from the Halide release the shipped runtime
    /// comes from: the manifest's pin (when built inside the repository).
    #[test]
    fn pinned_to_the_manifests_halide() {
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../generators/pipelines.toml");
        let Ok(manifest) = std::fs::read_to_string(manifest) else {
            return; // a packaged crate has no manifest beside it
        };
        let pin = format!("halide_version = \"{}\"", super::HALIDE_VERSION);
        assert!(
            manifest.lines().any(|line| line.trim() == pin),
            "generators/pipelines.toml does not pin {pin}"
        );
        assert!(env!("CARGO_PKG_VERSION").ends_with(&format!("+halide.{}", super::HALIDE_VERSION)));
    }
}
