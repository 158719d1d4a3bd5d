//! Command-line values the examples share.

use halide_pipelines::DemosaicAlgorithm;

/// `WIDTHxHEIGHT`, each at least 1.
pub fn parse_size(text: &str) -> Result<(usize, usize), String> {
    let (width, height) = text.split_once('x').ok_or("expected WIDTHxHEIGHT, e.g. 4056x3040")?;
    let number = |s: &str| s.parse::<usize>().map_err(|e| format!("{s:?}: {e}"));
    match (number(width)?, number(height)?) {
        (0, _) | (_, 0) => Err("sizes are at least 1x1".into()),
        size => Ok(size),
    }
}

/// An algorithm by its name, in any case: bilinear, malvar2004, menon2007, mlri.
pub fn parse_algorithm(text: &str) -> Result<DemosaicAlgorithm, String> {
    DemosaicAlgorithm::ALL
        .iter()
        .copied()
        .find(|a| format!("{a:?}").eq_ignore_ascii_case(text))
        .ok_or_else(|| format!("{text:?} is not bilinear, malvar2004, menon2007 or mlri"))
}
