//! Halide has no MinGW target: its `x86-64-windows` archives are compiled for the MSVC
//! toolchain (COFF, LLVM's `x86_64-pc-windows-msvc`). Linked by MinGW's `ld` into an
//! `x86_64-pc-windows-gnu` binary, they call one MSVC runtime symbol that MinGW's
//! libraries do not define, `__chkstk` (the stack probe before a frame larger than a
//! page). MinGW's libgcc has the same routine as `___chkstk_ms`: on x86-64 both take the
//! frame size in RAX, touch each page, and preserve every register but the flags and leave
//! RSP alone (LLVM emits one or the other for the same code). `__chkstk` jumps to it.
//! (`_fltused`, the other MSVC name the objects carry, is a marker no relocation uses:
//! `ld` leaves it undefined without complaint.)
//!
//! It lives in this crate, beside the runtime archive: rustc puts the archive's objects and
//! this crate's code in one rlib, which `ld` rescans until nothing more resolves, and
//! every pipeline archive of halide-pipelines-sys comes before it on the link line.

core::arch::global_asm!(".globl __chkstk", "__chkstk:", "jmp ___chkstk_ms");
