//! The local files a generator imports (Python modules beside it, or a C++
//! generator's `#include "..."` files), so cargo reruns the build script when
//! any of them changes (and only then).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `generator` and every `.py` file (or package folder) beside it that it
/// imports, directly or through another such file. Imports are read
/// line by line (`import a, b as c`, `from a.b import c`, `from . import a`);
/// names that are not files beside it (`halide`, `numpy`) are ignored.
pub(crate) fn local_files(generator: &Path) -> BTreeSet<PathBuf> {
    let dir = generator.parent().unwrap_or(Path::new("."));
    let mut found = BTreeSet::new();
    let mut pending = vec![generator.to_path_buf()];
    while let Some(file) = pending.pop() {
        if !found.insert(file.clone()) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if file.extension().is_none_or(|ext| ext != "py") {
            let here = file.parent().unwrap_or(Path::new("."));
            pending.extend(
                included_files(&text)
                    .map(|name| here.join(name))
                    .filter(|f| f.is_file()),
            );
            continue;
        }
        for module in imported_modules(&text) {
            let module_file = dir.join(format!("{module}.py"));
            let package = dir.join(&module);
            if module_file.is_file() {
                pending.push(module_file);
            } else if package.is_dir() {
                // A package: cargo watches a folder's whole contents.
                found.insert(package);
            }
        }
    }
    found
}

/// The quoted `#include "..."` names of a C or C++ source (`<...>` ones are
/// system or Halide headers).
fn included_files(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|line| {
        let rest = line
            .trim()
            .strip_prefix('#')?
            .trim_start()
            .strip_prefix("include")?
            .trim();
        rest.strip_prefix('"')?.split('"').next()
    })
}

/// The top-level module names a Python source imports.
fn imported_modules(text: &str) -> Vec<String> {
    let mut modules = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("import ") {
            for item in rest.split(',') {
                modules.extend(top_level(item.split_whitespace().next().unwrap_or("")));
            }
        } else if let Some(rest) = line.strip_prefix("from ") {
            let mut words = rest.split_whitespace();
            let source = words.next().unwrap_or("");
            if source.chars().all(|c| c == '.') {
                // `from . import a, b`: each name is a module beside it.
                let names = rest.split_once(" import ").map_or("", |(_, names)| names);
                for item in names.trim_matches(|c| c == '(' || c == ')').split(',') {
                    modules.extend(top_level(item.split_whitespace().next().unwrap_or("")));
                }
            } else {
                modules.extend(top_level(source.trim_start_matches('.')));
            }
        }
    }
    modules
}

fn top_level(dotted: &str) -> Option<String> {
    let name = dotted.split('.').next()?;
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_of_import() {
        let text = "import halide as hl\nimport common, os.path\nfrom helpers.sub import x\nfrom . import a, b as c\n  from .near import y\n# import no\n";
        assert_eq!(
            imported_modules(text),
            ["halide", "common", "os", "helpers", "a", "b", "near"]
        );
    }

    #[test]
    fn follows_quoted_includes_of_cpp_generators() {
        let dir = std::env::temp_dir().join(format!("halide-build-includes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("gen.cpp"),
            "#include \"Halide.h\"\n#include <vector>\n# include \"common.h\"\n",
        )
        .unwrap();
        std::fs::write(dir.join("common.h"), "#include \"gen.cpp\"\n").unwrap();
        let files = local_files(&dir.join("gen.cpp"));
        let names: Vec<_> = files.iter().map(|f| f.file_name().unwrap().to_str().unwrap()).collect();
        assert_eq!(names, ["common.h", "gen.cpp"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn follows_local_files_only() {
        let dir = std::env::temp_dir().join(format!("halide-build-imports-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("gen.py"), "import halide as hl\nimport common\n").unwrap();
        std::fs::write(dir.join("common.py"), "from helpers import f\n").unwrap();
        std::fs::write(dir.join("helpers.py"), "import gen\n").unwrap();
        let files = local_files(&dir.join("gen.py"));
        let names: Vec<_> = files.iter().map(|f| f.file_name().unwrap().to_str().unwrap()).collect();
        assert_eq!(names, ["common.py", "gen.py", "helpers.py"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
