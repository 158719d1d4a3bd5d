//! End to end: builds and runs the crates in tests/fixtures with cargo, the
//! way users' crates are built. Needs Python with Halide 21.0.0, named by
//! `HALIDE_BUILD_PYTHON`; without it this test only says it was skipped (the
//! repository's CI runs it with its venv).
//!
//! One test, in order, because every build must see the same `HALIDE_BUILD_PYTHON`
//! (a wrapper that logs each Python run): changing it would rerun the build
//! scripts and hide what the cache test measures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

struct Cargo {
    target_dir: PathBuf,
    python: PathBuf,
    log: PathBuf,
}

impl Cargo {
    fn command(&self, args: &[&str]) -> Command {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .args(args)
            .current_dir(fixtures())
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .env("HALIDE_BUILD_PYTHON", &self.python)
            .env_remove("HALIDE_BUILD_TARGET")
            .env_remove("DOCS_RS");
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("running cargo")
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "cargo {args:?} failed:\n{text}");
        text
    }

    /// The Python runs logged so far.
    fn python_runs(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

#[test]
fn fixture_crates_build_run_and_cache() {
    let Some(real_python) = std::env::var_os("HALIDE_BUILD_PYTHON") else {
        // Straight to stderr: the test harness would hide `eprintln!`.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"skipped: set HALIDE_BUILD_PYTHON to a Python with `pip install halide==21.0.0` to build the fixture crates\n",
        );
        return;
    };
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("halide-build-fixtures");
    std::fs::create_dir_all(&work).unwrap();
    let log = work.join("python-runs.log");
    let python = work.join("python");
    std::fs::write(
        &python,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            Path::new(&real_python).display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let cargo = Cargo {
        target_dir: work.join("target"),
        python,
        log,
    };

    // Every pipeline against values computed in Rust, two crates' `blur` in one binary.
    let text = cargo.ok(&["run", "-p", "fixture-app"]);
    assert!(text.contains("fixture app: all checks passed"), "{text}");

    // Nothing changed: no build script runs Python.
    let before = cargo.python_runs().len();
    cargo.ok(&["build", "-p", "fixture-app"]);
    assert_eq!(
        cargo.python_runs().len(),
        before,
        "a build with nothing changed ran Python"
    );

    // A local module one generator imports changed: only that crate's pipeline is rebuilt.
    let offset = fixtures().join("dup-a/halide/offset.py");
    let text = std::fs::read_to_string(&offset).unwrap();
    std::fs::write(&offset, &text).unwrap(); // same bytes, new mtime
    cargo.ok(&["build", "-p", "fixture-app"]);
    let new: Vec<String> = cargo.python_runs()[before..].to_vec();
    let generator_runs: Vec<&String> = new.iter().filter(|run| run.contains(" -g ")).collect();
    assert_eq!(generator_runs.len(), 1, "{new:?}");
    assert!(generator_runs[0].contains("dup-a/halide/blur.py"), "{new:?}");

    // A header a C++ generator includes changed: only that crate's generator
    // is recompiled (Python runs only to locate the wheel, no Python generator runs).
    let before = cargo.python_runs().len();
    let header = fixtures().join("dup-b/halide/offset.h");
    let text = std::fs::read_to_string(&header).unwrap();
    std::fs::write(&header, &text).unwrap();
    cargo.ok(&["run", "-p", "fixture-app"]);
    let new: Vec<String> = cargo.python_runs()[before..].to_vec();
    assert!(
        new.iter().any(|run| run.contains("os.path.dirname(halide.__file__)")),
        "{new:?}"
    );
    assert!(!new.iter().any(|run| run.contains(" -g ")), "{new:?}");

    // Built with `no_asserts` (the builder's `.target`): a warning at build time,
    // and every call refused before Halide runs.
    let text = cargo.ok(&["run", "-p", "fixture-unchecked"]);
    assert!(text.contains("warning") && text.contains("no_asserts"), "{text}");
    assert!(text.contains("fixture unchecked: all checks passed"), "{text}");

    // A generator that raises: a build error with Python's message, naming the generator.
    let output = cargo.run(&["build", "-p", "fixture-raises"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("kaboom: this generator fails on purpose"), "{stderr}");
    assert!(stderr.contains("generator `bad`"), "{stderr}");

    // docs.rs: no Python at all (HALIDE_BUILD_PYTHON names nothing), the functions
    // come from the committed snapshot and nothing is linked.
    let runs = cargo.python_runs().len();
    let output = cargo
        .command(&["doc", "--no-deps", "-p", "fixture-app"])
        .env("DOCS_RS", "1")
        .env("HALIDE_BUILD_PYTHON", "/nonexistent/python")
        .output()
        .expect("running cargo doc");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cargo doc with DOCS_RS failed:\n{stderr}");
    assert_eq!(cargo.python_runs().len(), runs, "a DOCS_RS build ran Python");
    let docs = cargo.target_dir.join("doc/fixture_app/fn.two_io.html");
    let html = std::fs::read_to_string(&docs).unwrap_or_else(|e| panic!("{}: {e}", docs.display()));
    assert!(html.contains("gain"), "the documented signature names its arguments");
}
