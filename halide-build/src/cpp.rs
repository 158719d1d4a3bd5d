//! C++ generators (`.cpp`, `.cc`, `.cxx`): compiled into a generator program
//! against the pip wheel's own `Halide.h`, `libHalide` and `libHalide_GenGen.a`
//! (GenGen's `main`), then run with the same flags as a Python generator.
//! So C++ needs nothing beyond what Python generators need, plus a C++17
//! compiler (`CXX`, default `c++`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether `file` is a C++ generator (by extension).
pub(crate) fn is_cpp(file: &Path) -> bool {
    file.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ["cpp", "cc", "cxx"].contains(&ext))
}

/// Prints the wheel's folder (`include/`, `lib64/` or `lib/`).
const WHEEL_PROBE: &str = "import halide, os; print(os.path.dirname(halide.__file__))";

/// Compiles `source` into `program` (a generator executable).
pub(crate) fn compile(python: &str, cxx: &str, source: &Path, program: &Path) -> Result<(), String> {
    let output = Command::new(python)
        .args(["-c", WHEEL_PROBE])
        .output()
        .map_err(|error| format!("could not run `{python}`: {error}"))?;
    let wheel = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    let include = wheel.join("include");
    let lib = ["lib64", "lib"]
        .iter()
        .map(|dir| wheel.join(dir))
        .find(|dir| dir.join("libHalide_GenGen.a").is_file())
        .ok_or_else(|| {
            format!(
                "the halide wheel at {} has no libHalide_GenGen.a (in lib64/ or lib/) to build C++ generators with",
                wheel.display()
            )
        })?;
    let mut command = Command::new(cxx);
    command
        // libHalide is built without RTTI; generators must match it.
        .args(["-std=c++17", "-fno-rtti"])
        .arg(source)
        .arg(lib.join("libHalide_GenGen.a"))
        .arg(format!("-I{}", include.display()))
        .arg(format!("-L{}", lib.display()))
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .args(["-lHalide", "-lpthread", "-ldl", "-o"])
        .arg(program);
    crate::python::run(
        &mut command,
        &format!("could not run the C++ compiler `{cxx}`; set CXX to a C++17 compiler"),
    )
}
