//! Finding the Python that has Halide, and running a generator with it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Error;

/// The Halide release halide-runtime-sys links: generated pipelines must come
/// from the same one (the runtime ABI and the metadata layout follow it).
pub const HALIDE_VERSION: &str = "21.0.0";

/// Prints the installed `halide` package's version (fails without it).
const VERSION_PROBE: &str = "import halide, importlib.metadata; print(importlib.metadata.version('halide'))";

/// A Python interpreter: the program and the arguments that select it
/// (`py -3` on Windows).
#[derive(Debug, Clone)]
pub(crate) struct Python {
    pub program: Vec<String>,
}

impl Python {
    /// A command running this Python. It writes no `__pycache__` beside the
    /// user's modules: a build script writes only into `OUT_DIR`.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.program[0]);
        command.args(&self.program[1..]).env("PYTHONDONTWRITEBYTECODE", "1");
        command
    }

    /// How the user would type it, for messages.
    pub fn display(&self) -> String {
        self.program.join(" ")
    }
}

/// The Pythons tried when the build names none: `python3` (Unix), `python`
/// (what Windows' installer and most virtual environments provide) and, on
/// Windows, the `py -3` launcher.
fn default_candidates() -> Vec<Vec<String>> {
    let mut candidates = vec![vec!["python3".to_owned()], vec!["python".to_owned()]];
    if cfg!(windows) {
        candidates.push(vec!["py".to_owned(), "-3".to_owned()]);
    }
    candidates
}

/// The Python the build was given (`Build::python`, `HALIDE_BUILD_PYTHON`), else
/// the first default candidate that imports `halide`, which must be
/// [`HALIDE_VERSION`].
pub(crate) fn find(halide_python: Option<&str>) -> Result<Python, Error> {
    let candidates = match halide_python {
        Some(python) => vec![vec![python.to_owned()]],
        None => default_candidates(),
    };
    let mut tried = Vec::new();
    for program in candidates {
        let python = Python { program };
        match python.command().args(["-c", VERSION_PROBE]).output() {
            Ok(output) if output.status.success() => {
                let installed = String::from_utf8_lossy(&output.stdout).trim().to_owned();
                if installed != HALIDE_VERSION {
                    return Err(Error::HalideVersion {
                        python: python.display(),
                        installed,
                    });
                }
                return Ok(python);
            }
            Ok(output) => {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let last = stderr.lines().last().unwrap_or("").trim();
                tried.push(format!("`{}`: {last}", python.display()));
            }
            Err(error) => tried.push(format!("`{}`: {error}", python.display())),
        }
    }
    Err(Error::HalideNotFound { tried })
}

/// Runs a Python generator file the way `python generator.py ARGS` does, then
/// writes the file of every module it imported from outside Python's own
/// folders (the standard library, installed packages), one per line, to the
/// file named by its first argument: what cargo must watch is what Python really
/// loaded, not what a reader of `import` lines guesses. The list is written
/// when the generator calls `hl.main()` (before Halide compiles anything) and
/// again on the way out, so imports made later are included where Python
/// exits normally.
pub(crate) const GENERATOR_WRAPPER: &str = r#"# Written by halide-build: runs a Halide generator as `python GENERATOR ARGS`
# would, and lists the files of the modules it imported (cargo reruns the build
# when one of the crate's own changes).
import os
import runpy
import sys

modules_file, generator = sys.argv[1], os.path.abspath(sys.argv[2])
sys.argv = [generator] + sys.argv[3:]
sys.path[0] = os.path.dirname(generator)


def installed_roots():
    """Python's own folders: the standard library and installed packages."""
    import site
    import sysconfig

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots.update(sysconfig.get_paths().values())
    try:
        roots.update(site.getsitepackages())
        roots.add(site.getusersitepackages())
    except AttributeError:  # an old virtualenv's `site`
        pass
    return [os.path.realpath(root) for root in roots if root]


def write_modules():
    roots = installed_roots()
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path or not os.path.isfile(path):
            continue
        path = os.path.realpath(path)
        if path == os.path.realpath(__file__):
            continue
        if any(os.path.commonpath([path, root]) == root for root in roots if os.path.splitdrive(path)[0] == os.path.splitdrive(root)[0]):
            continue
        files.add(path)
    with open(modules_file, "w", encoding="utf-8") as out:
        out.write("".join(f + "\n" for f in sorted(files)))


import halide

_main = halide.main


def main(*args, **kwargs):
    write_modules()
    return _main(*args, **kwargs)


halide.main = main
try:
    runpy.run_path(generator, run_name="__main__")
finally:
    write_modules()
"#;

/// How to start one generator: a Python generator through the wrapper, or a
/// compiled C++ generator program.
pub(crate) enum Program<'a> {
    /// Python, the wrapper script's path and the generator file.
    Python {
        python: &'a Python,
        wrapper: &'a Path,
        generator: &'a Path,
    },
    /// A compiled C++ generator.
    Compiled(&'a Path),
}

/// The file where the wrapper lists a run's modules.
pub(crate) fn modules_file(dir: &Path) -> PathBuf {
    dir.join("imported-modules.txt")
}

/// Runs a generator with `-g ... -o .` inside `dir`: Halide derives the
/// header's include guard from the output path, so `-o .` keeps the files'
/// bytes independent of where the build happens.
pub(crate) fn run_generator(
    program: &Program<'_>,
    generator: &str,
    symbol: &str,
    target: &str,
    params: &[(String, String)],
    dir: &Path,
) -> Result<(), String> {
    let (mut command, shown) = match program {
        Program::Python {
            python,
            wrapper,
            generator,
        } => {
            let mut command = python.command();
            command.arg(wrapper).arg(modules_file(dir)).arg(generator);
            (command, python.display())
        }
        Program::Compiled(path) => (Command::new(path), path.display().to_string()),
    };
    command
        .args(["-g", generator, "-f", symbol, "-n", symbol])
        .args(["-e", "static_library,c_header,function_info_header", "-o", "."])
        .arg(format!("target={target}"))
        .args(params.iter().map(|(key, value)| format!("{key}={value}")))
        .current_dir(dir);
    run(&mut command, &format!("could not run `{shown}`"))
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

    #[test]
    fn windows_also_tries_the_py_launcher() {
        let candidates = super::default_candidates();
        assert_eq!(candidates[0], ["python3"]);
        assert_eq!(
            candidates.iter().any(|c| c == &["py", "-3"]),
            cfg!(windows),
            "{candidates:?}"
        );
    }
}
