//! The element types a buffer can hold, and their Halide type descriptors.

mod sealed {
    pub trait Sealed {}
}

/// The kind of number a [`HalideType`] describes (Halide's `halide_type_code_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HalideTypeCode {
    /// Signed integers.
    Int,
    /// Unsigned integers (and `bool`, as a 1-bit unsigned integer).
    UInt,
    /// IEEE floating point.
    Float,
    /// An opaque pointer (Halide's `user_context` argument).
    Handle,
    /// bfloat16.
    BFloat,
}

impl HalideTypeCode {
    /// Halide's numeric code (`halide_type_int` = 0 ...).
    pub(crate) const fn raw(self) -> u8 {
        match self {
            HalideTypeCode::Int => halide_runtime_sys::halide_type_int as u8,
            HalideTypeCode::UInt => halide_runtime_sys::halide_type_uint as u8,
            HalideTypeCode::Float => halide_runtime_sys::halide_type_float as u8,
            HalideTypeCode::Handle => halide_runtime_sys::halide_type_handle as u8,
            HalideTypeCode::BFloat => halide_runtime_sys::halide_type_bfloat as u8,
        }
    }
}

/// A Halide scalar or vector type: what a pipeline argument holds.
///
/// This crate's own description of Halide's `halide_type_t`, so the public API
/// does not depend on the `-sys` crates' versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HalideType {
    code: HalideTypeCode,
    bits: u8,
    lanes: u16,
}

impl HalideType {
    /// A scalar type of `bits` bits (one lane).
    #[must_use]
    pub const fn new(code: HalideTypeCode, bits: u8) -> Self {
        HalideType { code, bits, lanes: 1 }
    }

    /// The kind of number.
    #[must_use]
    pub const fn code(self) -> HalideTypeCode {
        self.code
    }

    /// Bits per lane (`1` for `bool`).
    #[must_use]
    pub const fn bits(self) -> u8 {
        self.bits
    }

    /// Vector lanes (`1` for every buffer element and scalar argument).
    #[must_use]
    pub const fn lanes(self) -> u16 {
        self.lanes
    }

    /// The runtime's descriptor.
    pub(crate) const fn to_sys(self) -> halide_runtime_sys::halide_type_t {
        halide_runtime_sys::halide_type_t {
            code: self.code.raw(),
            bits: self.bits,
            lanes: self.lanes,
        }
    }

    /// Whether the runtime's descriptor `other` is this type.
    pub(crate) const fn is(self, other: &halide_runtime_sys::halide_type_t) -> bool {
        self.code.raw() == other.code && self.bits == other.bits && self.lanes == other.lanes
    }
}

impl std::fmt::Display for HalideType {
    /// Halide's spelling: `uint8`, `int32`, `float32`, `bool`, `handle`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.code {
            HalideTypeCode::UInt if self.bits == 1 => return f.write_str("bool"),
            HalideTypeCode::Int => "int",
            HalideTypeCode::UInt => "uint",
            HalideTypeCode::Float => "float",
            HalideTypeCode::Handle => return f.write_str("handle"),
            HalideTypeCode::BFloat => "bfloat",
        };
        write!(f, "{name}{}", self.bits)?;
        if self.lanes != 1 {
            write!(f, "x{}", self.lanes)?;
        }
        Ok(())
    }
}

/// A Rust type with a Halide equivalent: `u8`, `u16`, `u32`, `u64`, `i8`, `i16`,
/// `i32`, `i64`, `f32`, `f64`.
///
/// Sealed: the mapping to Halide's type must be exact (same size and meaning),
/// so only this crate implements it.
pub trait Element: sealed::Sealed + Copy + Default + PartialEq + std::fmt::Debug + Send + Sync + 'static {
    /// The scalar Halide type of the element.
    const HALIDE_TYPE: HalideType;
}

macro_rules! elements {
    ($($rust:ty => $code:ident,)*) => {$(
        impl sealed::Sealed for $rust {}
        impl Element for $rust {
            const HALIDE_TYPE: HalideType = HalideType::new(HalideTypeCode::$code, (8 * size_of::<$rust>()) as u8);
        }
    )*};
}

elements! {
    u8 => UInt,
    u16 => UInt,
    u32 => UInt,
    u64 => UInt,
    i8 => Int,
    i16 => Int,
    i32 => Int,
    i64 => Int,
    f32 => Float,
    f64 => Float,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // A cast, not `from`: MSVC's bindings type Halide's enums as `i32`.
    #[allow(clippy::unnecessary_cast)]
    fn codes_are_the_runtimes() {
        use halide_runtime_sys as sys;
        let pairs = [
            (HalideTypeCode::Int, sys::halide_type_int),
            (HalideTypeCode::UInt, sys::halide_type_uint),
            (HalideTypeCode::Float, sys::halide_type_float),
            (HalideTypeCode::Handle, sys::halide_type_handle),
            (HalideTypeCode::BFloat, sys::halide_type_bfloat),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(u32::from(ours.raw()), theirs as u32, "{ours:?}");
        }
        let sys = f32::HALIDE_TYPE.to_sys();
        assert_eq!((sys.code, sys.bits, sys.lanes), (sys::halide_type_float as u8, 32, 1));
        assert!(u16::HALIDE_TYPE.is(&u16::HALIDE_TYPE.to_sys()));
        assert!(!i16::HALIDE_TYPE.is(&u16::HALIDE_TYPE.to_sys()));
    }

    #[test]
    fn types_print_as_halide_spells_them() {
        assert_eq!(u8::HALIDE_TYPE.to_string(), "uint8");
        assert_eq!(i64::HALIDE_TYPE.to_string(), "int64");
        assert_eq!(f32::HALIDE_TYPE.to_string(), "float32");
        assert_eq!(HalideType::new(HalideTypeCode::UInt, 1).to_string(), "bool");
    }
}
