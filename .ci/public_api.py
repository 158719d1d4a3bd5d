#!/usr/bin/env python3
"""No `-sys` type in halide-pipelines' public API.

Reads the crate's rustdoc HTML (stable rustdoc: `cargo doc --no-deps -p halide-pipelines
--all-features`) and looks at what rustdoc renders as code: item declarations, impl and
method headers, struct fields and variants. A name from `halide-runtime-sys` or
`halide-pipelines-sys` there (their crate names, or a bindgen name such as `halide_type_t`)
is a public item whose type a `-sys` version bump would change: a semver break of ours.

Usage: python3 .ci/public_api.py target/doc/halide_pipelines
"""
import html
import pathlib
import re
import sys

# What rustdoc renders as code in an item's page.
CODE = re.compile(
    r'<pre class="rust item-decl">(.*?)</pre>'
    r'|<h[34] class="code-header">(.*?)</h[34]>'
    r'|<span id="(?:structfield|variant)\.[^"]*" class="[^"]*section-header[^"]*">(.*?)</span>\s*(?:<div|<span id=|</section|$)',
    re.S,
)
SYS = re.compile(r"\bhalide_(?:runtime|pipelines)_sys\b|\bhalide_[a-z0-9_]+_t\b")


def offences(doc_dir: pathlib.Path):
    for page in sorted(doc_dir.rglob("*.html")):
        if page.name in ("all.html",) or "/src/" in page.as_posix():
            continue
        text = page.read_text(encoding="utf-8")
        for match in CODE.finditer(text):
            code = html.unescape(re.sub(r"<[^>]+>", "", next(g for g in match.groups() if g is not None)))
            for name in SYS.findall(code):
                yield page.relative_to(doc_dir), name, " ".join(code.split())[:160]


def main() -> int:
    doc_dir = pathlib.Path(sys.argv[1])
    if not (doc_dir / "index.html").is_file():
        print(f"FAIL: no rustdoc output in {doc_dir}")
        return 1
    found = list(offences(doc_dir))
    for page, name, code in found:
        print(f"FAIL: {page}: `{name}` in `{code}`")
    if found:
        print(f"FAIL: {len(found)} public items name a -sys type; wrap it in a type of halide-pipelines")
        return 1
    pages = sum(1 for _ in doc_dir.rglob("*.html"))
    print(f"public API: no -sys type in the {pages} pages of {doc_dir.name}'s documentation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
