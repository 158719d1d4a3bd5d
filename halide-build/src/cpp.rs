//! C++ generators (`.cpp`, `.cc`, `.cxx`): compiled into a generator program
//! against the pip wheel's own `Halide.h`, `libHalide` and `libHalide_GenGen.a`
//! (GenGen's `main`), then run with the same flags as a Python generator.
//! So C++ needs nothing beyond what Python generators need, plus a C++17
//! compiler for the machine the build runs on (the generator is a host tool):
//! `HALIDE_BUILD_CXX`, else `HOST_CXX`, else `CXX` when not cross-compiling,
//! else `c++`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::python::Python;

/// Whether `file` is a C++ generator (by extension).
pub(crate) fn is_cpp(file: &Path) -> bool {
    file.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ["cpp", "cc", "cxx"].contains(&ext))
}

/// Prints the wheel's folder (`include/`, `lib64/` or `lib/`).
const WHEEL_PROBE: &str = "import halide, os; print(os.path.dirname(halide.__file__))";

/// Compiles `source` into `program` (a generator executable).
pub(crate) fn compile(python: &Python, cxx: &str, source: &Path, program: &Path) -> Result<(), String> {
    let output = python
        .command()
        .args(["-c", WHEEL_PROBE])
        .output()
        .map_err(|error| format!("could not run `{}`: {error}", python.display()))?;
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
        &format!(
            "could not run the C++ compiler `{cxx}`: install a C++17 compiler (g++ or clang++) or name one \
             with HALIDE_BUILD_CXX (C++ generators run on the build machine, so it compiles for that machine)"
        ),
    )
}

/// The compiler for C++ generators, from the build's environment (`env`
/// reads a variable and registers it as a rerun trigger): generators run on
/// the build machine, so a cross build's `CXX` (the target's compiler) is not
/// used.
pub(crate) fn host_compiler(env: impl Fn(&str) -> Option<String>, cross: bool) -> String {
    env("HALIDE_BUILD_CXX")
        .or_else(|| env("HOST_CXX"))
        .or_else(|| if cross { None } else { env("CXX") })
        .unwrap_or_else(|| "c++".to_owned())
}

#[cfg(test)]
mod tests {
    use super::host_compiler;

    #[test]
    fn a_cross_build_compiles_generators_for_the_host() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
        };
        let target_cxx = env(&[("CXX", "aarch64-linux-gnu-g++")]);
        assert_eq!(host_compiler(target_cxx, true), "c++");
        assert_eq!(host_compiler(target_cxx, false), "aarch64-linux-gnu-g++");
        let both = env(&[("CXX", "aarch64-linux-gnu-g++"), ("HOST_CXX", "clang++")]);
        assert_eq!(host_compiler(both, true), "clang++");
        let own = env(&[("HOST_CXX", "clang++"), ("HALIDE_BUILD_CXX", "g++-13")]);
        assert_eq!(host_compiler(own, true), "g++-13");
    }
}
