//! `compile_in` with a spelled-out environment: the failures and the DOCS_RS
//! path, none of which needs Halide (the end-to-end builds are in `tests/`).

use super::*;

/// A scratch crate folder with `halide/gen.py`, and an out dir.
fn scratch(name: &str) -> (PathBuf, Context) {
    let root = std::env::temp_dir().join(format!("halide-build-unit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("halide")).unwrap();
    std::fs::create_dir_all(root.join("out")).unwrap();
    std::fs::write(root.join("halide/gen.py"), "import halide as hl\nimport helpers\n").unwrap();
    std::fs::write(root.join("halide/helpers.py"), "").unwrap();
    let context = Context {
        manifest_dir: root.clone(),
        out_dir: root.join("out"),
        rust_target: "x86_64-unknown-linux-gnu".into(),
        package: "my-crate".into(),
        version: "1.4.2".into(),
        halide_python: None,
        hl_target: None,
        docs_rs: false,
        publish: false,
        cxx: None,
        jobs: 2,
    };
    (root, context)
}

fn blur() -> Build {
    Build::new()
        .generator("halide/gen.py")
        .pipeline("blur", "blur_u8")
        .param("input.type", "uint8")
}

#[test]
fn missing_halide_is_one_pip_message() {
    let (root, mut context) = scratch("missing");
    context.halide_python = Some(root.join("no-such-python").display().to_string());
    let error = blur().compile_in(&context).unwrap_err().to_string();
    assert!(error.contains("pip install halide==21.0.0"), "{error}");
    assert!(error.contains("no-such-python"), "{error}");
    assert_eq!(error.matches("pip install").count(), 1, "{error}");
}

#[cfg(unix)]
#[test]
fn another_halide_version_names_both() {
    use std::os::unix::fs::PermissionsExt;
    let (root, mut context) = scratch("version");
    let fake = root.join("python");
    std::fs::write(&fake, "#!/bin/sh\necho 19.0.0\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    context.halide_python = Some(fake.display().to_string());
    let error = blur().compile_in(&context).unwrap_err().to_string();
    assert!(error.contains("19.0.0") && error.contains("halide==21.0.0"), "{error}");
}

#[test]
fn builder_misuse_is_reported_by_compile() {
    let (_root, context) = scratch("misuse");
    let error = Build::new().pipeline("blur", "blur").compile_in(&context).unwrap_err();
    assert!(error.to_string().contains("before any `.generator(path)`"), "{error}");
    let error = Build::new()
        .generator("halide/gen.py")
        .param("a", "b")
        .compile_in(&context)
        .unwrap_err();
    assert!(error.to_string().contains("before any `.pipeline"), "{error}");
    let error = Build::new()
        .generator("halide/gen.py")
        .compile_in(&context)
        .unwrap_err();
    assert!(error.to_string().contains("no pipeline for halide/gen.py"), "{error}");
    let error = Build::new()
        .generator("halide/none.py")
        .pipeline("a", "a")
        .compile_in(&context)
        .unwrap_err();
    assert!(error.to_string().contains("does not exist"), "{error}");
    let error = Build::new()
        .generator("halide/gen.py")
        .pipeline("a", "2a")
        .compile_in(&context)
        .unwrap_err();
    assert!(error.to_string().contains("not a Rust function name"), "{error}");
    let error = blur().pipeline("blur", "blur_u8").compile_in(&context).unwrap_err();
    assert!(error.to_string().contains("two pipelines named `blur_u8`"), "{error}");
}

#[test]
fn symbols_are_prefixed_with_the_package() {
    assert_eq!(symbol("my-crate", "1.4.2", "blur"), "my_crate_v1_blur");
    assert_eq!(symbol("Image.Tools", "2.0.0-beta.1", "Blur_2"), "image_tools_v2_blur_2");
    // Semver-compatible versions share a symbol; incompatible ones do not.
    assert_eq!(symbol("filt", "0.3.9", "scale"), symbol("filt", "0.3.0", "scale"));
    assert_ne!(symbol("filt", "0.3.0", "scale"), symbol("filt", "0.4.0", "scale"));
    assert_eq!(symbol("filt", "0.0.7", "scale"), "filt_v0_0_7_scale");
    assert_ne!(symbol("filt", "1.0.0", "scale"), symbol("filt", "2.0.0", "scale"));
}

#[test]
fn docs_rs_builds_from_the_snapshot_without_python() {
    let (root, mut context) = scratch("docs");
    context.docs_rs = true;
    context.halide_python = Some("/nonexistent/python".into());

    let error = blur().compile_in(&context).unwrap_err().to_string();
    assert!(
        error.contains("gen.py.halide-signatures") && error.contains("commit"),
        "{error}"
    );

    let entry = snapshot::Entry {
        function: "blur_u8".into(),
        generator: "blur".into(),
        symbol: "my_crate_blur_u8".into(),
        arguments: ["input input u8 2", "radius scalar i32 0", "output output u8 2"]
            .iter()
            .map(|line| signature::from_line(line).unwrap())
            .collect(),
    };
    std::fs::write(
        root.join("halide/gen.py.halide-signatures"),
        snapshot::render("gen.py", &[&entry]),
    )
    .unwrap();
    let directives = blur().compile_in(&context).unwrap();
    assert!(
        directives.iter().all(|d| !d.starts_with("rustc-link")),
        "{directives:?}"
    );
    let watched: Vec<&str> = directives
        .iter()
        .filter_map(|d| d.strip_prefix("rerun-if-changed="))
        .collect();
    assert!(watched.iter().any(|w| w.ends_with("gen.py")));
    assert!(watched.iter().any(|w| w.ends_with("helpers.py")));
    let code = std::fs::read_to_string(root.join("out").join(GENERATED_FILE)).unwrap();
    assert!(
        code.contains("pub fn blur_u8(input: &impl ::halide_pipelines::InputBuffer<u8, 2>, radius: i32,"),
        "{code}"
    );

    let error = Build::new()
        .generator("halide/gen.py")
        .pipeline("blur", "other")
        .compile_in(&context)
        .unwrap_err();
    assert!(error.to_string().contains("no pipeline `other`"), "{error}");
    std::fs::remove_dir_all(&root).unwrap();
}

/// A crate that publishes a set for x86_64 Linux (written here by hand: a
/// fake archive, a real function info header, the manifest halide-build
/// would write).
fn crate_with_a_set(name: &str) -> (PathBuf, Context, PathBuf) {
    let (root, context) = scratch(name);
    let dir = root.join("halide-prebuilt/x86_64-unknown-linux-gnu");
    std::fs::create_dir_all(&dir).unwrap();
    let requests = scaled().resolve(&context).unwrap();
    let halide_target = targets::halide_target("x86_64-unknown-linux-gnu", None).unwrap();
    let symbol = &requests[0].symbol;
    std::fs::write(dir.join(format!("{symbol}.a")), "!<arch>\n").unwrap();
    std::fs::write(
        dir.join(format!("{symbol}.function_info.h")),
        signature::SAMPLE_FUNCTION_INFO,
    )
    .unwrap();
    let sources: Vec<(String, u64)> = ["halide/gen.py", "halide/helpers.py"]
        .iter()
        .map(|p| {
            (
                p.to_string(),
                prebuilt::content_hash(&std::fs::read(root.join(p)).unwrap()),
            )
        })
        .collect();
    let description = describe(&context, &requests, "x86_64-unknown-linux-gnu", &halide_target);
    std::fs::write(dir.join(prebuilt::MANIFEST), prebuilt::render(&description, &sources)).unwrap();
    (root, context, dir)
}

fn scaled() -> Build {
    Build::new()
        .generator("halide/gen.py")
        .pipeline("mix", "mix")
        .param("factor", "2")
        .prebuilt("halide-prebuilt")
}

#[test]
fn a_current_prebuilt_set_needs_no_python() {
    let (root, mut context, dir) = crate_with_a_set("prebuilt");
    context.halide_python = Some("/nonexistent/python".into());
    let directives = scaled().compile_in(&context).unwrap();
    assert!(
        directives.contains(&format!("rustc-link-search=native={}", dir.display())),
        "{directives:?}"
    );
    assert!(directives.contains(&"rustc-link-lib=static:+verbatim=my_crate_v1_mix.a".to_owned()));
    // Reruns when a source, the manifest or the archive changes.
    for watched in [
        "halide/gen.py",
        "halide/helpers.py",
        "x86_64-unknown-linux-gnu/halide-build.manifest",
        "my_crate_v1_mix.a",
    ] {
        assert!(
            directives
                .iter()
                .any(|d| d.starts_with("rerun-if-changed=") && d.ends_with(watched)),
            "{watched} not watched: {directives:?}"
        );
    }
    let code = std::fs::read_to_string(root.join("out").join(GENERATED_FILE)).unwrap();
    assert!(
        code.contains("pub fn mix(a: &impl ::halide_pipelines::InputBuffer<u8, 2>, w: f32"),
        "{code}"
    );
    // musl builds use the gnu set, as the shipped archives do.
    context.rust_target = "x86_64-unknown-linux-musl".into();
    assert!(scaled().compile_in(&context).is_ok());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_stale_or_missing_set_without_python_says_what_and_how() {
    let (root, mut context, _dir) = crate_with_a_set("stale");
    context.halide_python = Some("/nonexistent/python".into());
    std::fs::write(root.join("halide/helpers.py"), "GAIN = 3\n").unwrap();
    let error = scaled().compile_in(&context).unwrap_err().to_string();
    for part in [
        "halide/helpers.py changed since the set was written",
        "HALIDE_BUILD_PUBLISH=1 cargo build",
        "pip install halide==21.0.0",
        "/nonexistent/python",
    ] {
        assert!(error.contains(part), "`{part}` not in: {error}");
    }
    let error = scaled()
        .param("offset", "1")
        .compile_in(&context)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("this build needs `pipeline my_crate_v1_mix mix"),
        "{error}"
    );
    context.rust_target = "aarch64-apple-darwin".into();
    let error = scaled().compile_in(&context).unwrap_err().to_string();
    assert!(error.contains("there is no set for aarch64-apple-darwin"), "{error}");
    // The set is never used for another Halide target than the one it was built for.
    context.rust_target = "x86_64-unknown-linux-gnu".into();
    std::fs::write(root.join("halide/helpers.py"), "").unwrap();
    context.hl_target = Some("x86-64-linux-avx2".into());
    let error = scaled().compile_in(&context).unwrap_err().to_string();
    assert!(error.contains("halide-target x86-64-linux-avx2"), "{error}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn publishing_refuses_unknown_targets_and_one_override_for_many() {
    let (root, mut context) = scratch("publish");
    context.publish = true;
    context.halide_python = Some("/nonexistent/python".into());
    // Checked before any Python runs.
    let error = scaled()
        .prebuilt_targets(&["riscv64gc-unknown-linux-gnu"])
        .compile_in(&context)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("names `riscv64gc-unknown-linux-gnu`, which is not a target"),
        "{error}"
    );
    context.hl_target = Some("x86-64-linux-avx2".into());
    let error = scaled().compile_in(&context).unwrap_err();
    assert!(error.to_string().contains("one Halide target override"), "{error}");
    context.hl_target = Some("x86-64-linux-no_asserts".into());
    let error = scaled()
        .prebuilt_targets(&["x86_64-unknown-linux-gnu"])
        .compile_in(&context)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("refusing to publish archives built with `no_asserts`"),
        "{error}"
    );
    // Then it needs Python: a missing one is the pip message.
    context.hl_target = None;
    let error = scaled()
        .prebuilt_targets(&["x86_64-unknown-linux-gnu"])
        .compile_in(&context)
        .unwrap_err();
    assert!(error.to_string().contains("pip install halide==21.0.0"), "{error}");
    std::fs::remove_dir_all(&root).unwrap();
}
