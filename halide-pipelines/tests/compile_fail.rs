//! What must not compile: each file of `tests/ui/` fails with the error in its
//! first line, and rustc's message is the one in its `.stderr` (trybuild, on
//! stable). `TRYBUILD=overwrite cargo test --test compile_fail` refreshes the
//! messages after a compiler upgrade; review the diff.
//!
//! Run where the messages were written: on the host, x86-64 Linux with glibc.
//! Cross-compiled test binaries (musl, aarch64 under qemu, Windows under wine)
//! cannot run cargo, and other toolchains word their messages differently.

#[test]
#[cfg_attr(
    not(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu")),
    ignore = "compile-fail checks run on the x86-64 Linux host only"
)]
fn misuse_does_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
