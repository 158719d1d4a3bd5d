//! A pipeline's signature: read from Halide's `<f>.function_info.h` at build
//! time, checked for what the safe crate can call, and written to / read from
//! the snapshot file.

use std::fmt;

/// The kind of one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Scalar,
    Input,
    Output,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Scalar => "scalar",
            Kind::Input => "input",
            Kind::Output => "output",
        }
    }
}

/// One argument after `user_context`, in argv order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Argument {
    pub name: String,
    pub kind: Kind,
    /// The Rust type of a scalar or of a buffer's elements: `u8`, `f32`, `bool`...
    pub rust_type: &'static str,
    /// Buffer rank (0 for scalars).
    pub dimensions: usize,
}

/// The highest rank `Buffer`/`BufferMut` accept (ndarray's highest fixed rank).
const MAX_RANK: usize = 6;
/// The most arguments `halide_pipelines::custom::call` takes.
const MAX_ARGUMENTS: usize = 32;

/// Why a signature cannot become a Rust function; the caller adds the
/// generator and pipeline.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unsupported {
    pub argument: String,
    pub detail: String,
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "argument `{}`: {}", self.argument, self.detail)
    }
}

/// Parses `<f>.function_info.h`: one line per argument, in argv order, like
/// `{"weight", ::HalideFunctionInfo::InputScalar, 0, halide_type_t{halide_type_float, 32, 1}},`.
/// The first must be Halide's `__user_context`, which is not returned.
pub(crate) fn parse_function_info(header: &str) -> Result<Vec<Argument>, Unsupported> {
    let mut arguments = Vec::new();
    let mut saw_user_context = false;
    for line in header.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("{\"") else {
            continue;
        };
        let (name, rest) = rest.split_once('"').ok_or_else(|| malformed(line))?;
        // A multi-target build renames some parameters of its dispatch wrapper
        // (`output` -> `output$3`); `<f>_metadata()` keeps the generator's name.
        let name = match name.rsplit_once('$') {
            Some((base, suffix)) if !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()) => base,
            _ => name,
        };
        // `, ::HalideFunctionInfo::InputScalar, 0, halide_type_t{halide_type_float, 32, 1}},`
        let fields: Vec<&str> = rest
            .split([',', '{', '}'])
            .map(str::trim)
            .filter(|field| !field.is_empty())
            .collect();
        let [kind, dimensions, "halide_type_t", code, bits, lanes] = fields[..] else {
            return Err(malformed(line));
        };
        if !saw_user_context {
            if name != "__user_context" {
                break; // reported below
            }
            saw_user_context = true;
            continue;
        }
        let unsupported = |detail: String| Unsupported {
            argument: name.to_owned(),
            detail,
        };
        let kind = match kind.trim_start_matches("::HalideFunctionInfo::") {
            "InputScalar" => Kind::Scalar,
            "InputBuffer" => Kind::Input,
            "OutputBuffer" => Kind::Output,
            other => return Err(unsupported(format!("unknown argument kind `{other}`"))),
        };
        let dimensions: usize = dimensions.parse().map_err(|_| malformed(line))?;
        if dimensions > MAX_RANK {
            return Err(unsupported(format!(
                "{dimensions} dimensions; Buffer/BufferMut take at most {MAX_RANK}"
            )));
        }
        if lanes != "1" {
            return Err(unsupported(format!(
                "vector type with {lanes} lanes; use scalar element types"
            )));
        }
        let rust_type = rust_type(code, bits, kind).ok_or_else(|| {
            unsupported(format!(
                "type {code} of {bits} bits is not supported for {} arguments; use bool (scalars only), \
                 u8..u64, i8..i64, f32 or f64 (no handles, float16 or bfloat16)",
                kind.name()
            ))
        })?;
        arguments.push(Argument {
            name: name.to_owned(),
            kind,
            rust_type,
            dimensions,
        });
    }
    if !saw_user_context {
        return Err(Unsupported {
            argument: "__user_context".into(),
            detail: "not the first argument: the pipeline was not built with the `user_context` target feature".into(),
        });
    }
    check(&arguments)?;
    Ok(arguments)
}

fn malformed(line: &str) -> Unsupported {
    Unsupported {
        argument: "?".into(),
        detail: format!("cannot read this line of Halide's function_info header: `{line}`"),
    }
}

/// Halide's type code and bits -> the Rust type (buffers do not take `bool`).
fn rust_type(code: &str, bits: &str, kind: Kind) -> Option<&'static str> {
    Some(match (code.trim_start_matches("halide_type_"), bits) {
        ("uint", "1") if kind == Kind::Scalar => "bool",
        ("uint", "8") => "u8",
        ("uint", "16") => "u16",
        ("uint", "32") => "u32",
        ("uint", "64") => "u64",
        ("int", "8") => "i8",
        ("int", "16") => "i16",
        ("int", "32") => "i32",
        ("int", "64") => "i64",
        ("float", "32") => "f32",
        ("float", "64") => "f64",
        _ => return None,
    })
}

/// Checks what a Rust function needs of the names: valid, distinct
/// identifiers (a Tuple output, for example, arrives as several buffers).
pub(crate) fn check(arguments: &[Argument]) -> Result<(), Unsupported> {
    if arguments.len() > MAX_ARGUMENTS {
        return Err(Unsupported {
            argument: arguments[MAX_ARGUMENTS].name.clone(),
            detail: format!(
                "the pipeline has {} arguments; at most {MAX_ARGUMENTS} are supported",
                arguments.len()
            ),
        });
    }
    for (index, argument) in arguments.iter().enumerate() {
        let name = &argument.name;
        let identifier = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !["_", "self", "Self", "super", "crate"].contains(&name.as_str());
        if !identifier {
            return Err(Unsupported {
                argument: name.clone(),
                detail: "not a valid Rust parameter name; rename it in the generator \
                         (Tuple outputs are not supported: use one OutputBuffer per value)"
                    .into(),
            });
        }
        if arguments[..index].iter().any(|other| &other.name == name) {
            return Err(Unsupported {
                argument: name.clone(),
                detail: "appears twice (a Tuple output?); use one OutputBuffer per value".into(),
            });
        }
    }
    if !arguments.iter().any(|argument| argument.kind == Kind::Output) {
        return Err(Unsupported {
            argument: "(outputs)".into(),
            detail: "the pipeline has no output buffer".into(),
        });
    }
    Ok(())
}

/// The snapshot form of one argument: `name kind type dimensions`.
pub(crate) fn to_line(argument: &Argument) -> String {
    format!(
        "{} {} {} {}",
        argument.name,
        argument.kind.name(),
        argument.rust_type,
        argument.dimensions
    )
}

/// Reads [`to_line`]'s form back.
pub(crate) fn from_line(line: &str) -> Option<Argument> {
    let [name, kind, rust_type, dimensions] = line.split_whitespace().collect::<Vec<_>>()[..] else {
        return None;
    };
    let kind = [Kind::Scalar, Kind::Input, Kind::Output]
        .into_iter()
        .find(|k| k.name() == kind)?;
    let rust_type = [
        "bool", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "f32", "f64",
    ]
    .into_iter()
    .find(|t| *t == rust_type)?;
    Some(Argument {
        name: name.to_owned(),
        kind,
        rust_type,
        dimensions: dimensions.parse().ok()?,
    })
}

/// A function info header as Halide 21 writes it (a multi-target build's).
#[cfg(test)]
pub(crate) const SAMPLE_FUNCTION_INFO: &str = r#"
inline constexpr std::array<::HalideFunctionInfo::ArgumentInfo, 6> pfx_mix_argument_info() {
 return {{
  {"__user_context", ::HalideFunctionInfo::InputScalar, 0, halide_type_t{halide_type_handle, 64, 1}},
  {"a", ::HalideFunctionInfo::InputBuffer, 2, halide_type_t{halide_type_uint, 8, 1}},
  {"w", ::HalideFunctionInfo::InputScalar, 0, halide_type_t{halide_type_float, 32, 1}},
  {"b", ::HalideFunctionInfo::InputScalar, 0, halide_type_t{halide_type_uint, 1, 1}},
  {"r", ::HalideFunctionInfo::InputScalar, 0, halide_type_t{halide_type_int, 32, 1}},
  {"out$3", ::HalideFunctionInfo::OutputBuffer, 2, halide_type_t{halide_type_uint, 8, 1}},
 }};
}"#;

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = SAMPLE_FUNCTION_INFO;

    #[test]
    fn reads_a_real_function_info_header() {
        let arguments = parse_function_info(HEADER).unwrap();
        let lines: Vec<String> = arguments.iter().map(to_line).collect();
        assert_eq!(
            lines,
            [
                "a input u8 2",
                "w scalar f32 0",
                "b scalar bool 0",
                "r scalar i32 0",
                "out output u8 2"
            ]
        );
        for argument in &arguments {
            assert_eq!(from_line(&to_line(argument)).as_ref(), Some(argument));
        }
    }

    #[test]
    fn unsupported_arguments_are_named() {
        let handle = HEADER.replace("halide_type_float, 32", "halide_type_handle, 64");
        let error = parse_function_info(&handle).unwrap_err();
        assert_eq!(error.argument, "w");
        assert!(error.detail.contains("handle"), "{error}");

        let no_context = HEADER.replace("__user_context", "ctx");
        assert!(
            parse_function_info(&no_context)
                .unwrap_err()
                .detail
                .contains("user_context")
        );

        let twice = HEADER.replace("\"a\"", "\"out\"");
        assert!(parse_function_info(&twice).unwrap_err().detail.contains("twice"));

        // What Halide 21 writes for `hl.OutputBuffer([hl.UInt(8), hl.Float(32)], 2)`.
        let tuple = HEADER.replace(
            "{\"out$3\", ::HalideFunctionInfo::OutputBuffer, 2, halide_type_t{halide_type_uint, 8, 1}},",
            "{\"out.0\", ::HalideFunctionInfo::OutputBuffer, 2, halide_type_t{halide_type_uint, 8, 1}},\n\
             {\"out.1\", ::HalideFunctionInfo::OutputBuffer, 2, halide_type_t{halide_type_float, 32, 1}},",
        );
        let error = parse_function_info(&tuple).unwrap_err();
        assert_eq!(error.argument, "out.0");
        assert!(error.detail.contains("Tuple outputs are not supported"), "{error}");

        let rank = HEADER.replace("InputBuffer, 2", "InputBuffer, 7");
        assert!(parse_function_info(&rank).unwrap_err().detail.contains("at most 6"));

        let bool_buffer = HEADER.replace(
            "InputBuffer, 2, halide_type_t{halide_type_uint, 8",
            "InputBuffer, 2, halide_type_t{halide_type_uint, 1",
        );
        assert_eq!(parse_function_info(&bool_buffer).unwrap_err().argument, "a");
    }
}
