//! The signature snapshot beside each generator (`<generator>.halide-signatures`):
//! the signatures of its pipelines, written by every build that ran Python,
//! committed by the user, read instead of running Python when `DOCS_RS` is set
//! (docs.rs has no Python and links nothing).
//!
//! Written only when its contents change: a build script must not modify the
//! package's sources in a `cargo package` verification build, and an unchanged
//! snapshot is not touched.

use std::path::{Path, PathBuf};

use crate::signature::{self, Argument};

/// One pipeline of a snapshot.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub function: String,
    pub generator: String,
    pub symbol: String,
    pub arguments: Vec<Argument>,
}

/// Where the snapshot of `generator_file` lives.
pub(crate) fn path(generator_file: &Path) -> PathBuf {
    let mut name = generator_file.file_name().unwrap_or_default().to_os_string();
    name.push(".halide-signatures");
    generator_file.with_file_name(name)
}

/// The snapshot text for `entries` (sorted by function, so the bytes do not
/// depend on the order of the build script's calls).
pub(crate) fn render(generator_file_name: &str, entries: &[&Entry]) -> String {
    let mut entries = entries.to_vec();
    entries.sort_by(|a, b| a.function.cmp(&b.function));
    let mut text = format!(
        "# Signatures of the Halide pipelines built from {generator_file_name}, written by halide-build.\n\
         # Commit this file: builds with DOCS_RS set (docs.rs) read it instead of running Python.\n\
         # Format: `pipeline <rust function> <generator> <C symbol>`, then `<name> <kind> <type> <dimensions>`\n\
         # per argument in the generator's order.\n"
    );
    for entry in entries {
        text.push_str(&format!(
            "pipeline {} {} {}\n",
            entry.function, entry.generator, entry.symbol
        ));
        for argument in &entry.arguments {
            text.push_str(&signature::to_line(argument));
            text.push('\n');
        }
    }
    text
}

/// Reads [`render`]'s text; `Err` names the line it cannot read.
pub(crate) fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut entries: Vec<Entry> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || format!("line {}: cannot read `{line}`", number + 1);
        if let Some(rest) = line.strip_prefix("pipeline ") {
            let [function, generator, symbol] = rest.split_whitespace().collect::<Vec<_>>()[..] else {
                return Err(bad());
            };
            entries.push(Entry {
                function: function.into(),
                generator: generator.into(),
                symbol: symbol.into(),
                arguments: Vec::new(),
            });
        } else {
            let argument = signature::from_line(line).ok_or_else(bad)?;
            entries.last_mut().ok_or_else(bad)?.arguments.push(argument);
        }
    }
    Ok(entries)
}

/// Writes `text` to `path` unless it already holds exactly that.
pub(crate) fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let entry = Entry {
            function: "blur_u8".into(),
            generator: "blur".into(),
            symbol: "my_crate_blur_u8".into(),
            arguments: ["input input u8 2", "radius scalar i32 0", "output output u8 2"]
                .iter()
                .map(|line| signature::from_line(line).unwrap())
                .collect(),
        };
        let text = render("blur.py", &[&entry]);
        assert_eq!(parse(&text).unwrap(), [entry]);
        assert!(parse("input input u8 2\n").unwrap_err().contains("line 1"));
        assert_eq!(
            path(Path::new("halide/blur.py")),
            Path::new("halide/blur.py.halide-signatures")
        );
    }
}
