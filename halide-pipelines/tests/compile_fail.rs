//! What must not compile: each file of `tests/ui/` fails with the error in its
//! first line, and rustc's message is the one in its `.stderr` (trybuild, on
//! stable). `TRYBUILD=overwrite cargo test --test compile_fail` refreshes the
//! messages after a compiler upgrade; review the diff.

#[test]
fn misuse_does_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
