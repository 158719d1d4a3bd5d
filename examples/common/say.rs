//! Printing for the examples' results.

/// `println!` that does not panic when stdout is closed early (`tiles | head -1`):
/// the rest of the output is dropped, as a shell pipeline expects.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
