//! The one error type of the crate: Halide's error codes with the message Halide
//! produced for the failing call, and the wrapper's own checks.

/// Which argument of a pipeline call a check is about, as the pipeline names it
/// (`"input"`, `"output"`); `"view"` for a view converted alone with
/// `Buffer::try_from` / `BufferMut::try_from`, before it is any argument.
pub type ArgumentName = &'static str;

/// What class of failure an [`Error`] is: was it the caller's arguments, the
/// machine, or the build?
///
/// ```
/// # use halide_pipelines::{demosaic, CfaPattern, DemosaicAlgorithm, ErrorKind};
/// let raw = ndarray::Array2::<u8>::zeros((4, 4));
/// let mut rgb = ndarray::Array3::<u8>::zeros((4, 5, 3)); // one column too many
/// let error = demosaic(&raw, &mut rgb, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear).unwrap_err();
/// assert_eq!(error.kind(), ErrorKind::InvalidArgument);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A buffer or parameter the caller passed is not acceptable: a shape, a
    /// stride, a value out of range. Found by this crate's checks or by
    /// Halide's (an input smaller than the region the output needs, a scalar
    /// outside its declared range, a wrong element type or rank).
    InvalidArgument,
    /// Memory ran out, on the host or on a device.
    OutOfMemory,
    /// A device (GPU) runtime failed: no driver, no device, a failed copy,
    /// synchronisation or kernel launch.
    Device,
    /// The operation is not implemented on this platform.
    Unsupported,
    /// The linked archive is not one this code may call: its signature differs
    /// from the wrapper's (a stale archive), or it was built without Halide's
    /// checks. A build problem, not a problem of the call's values.
    PipelineMismatch,
    /// Any other failure Halide's runtime reported.
    Pipeline,
}

/// What a [`Error::BadShape`] expected of an axis's extent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExpectedExtent {
    /// Exactly this extent (the 3 channels of an RGB output).
    Exactly(usize),
    /// At least this extent (2 for a Bayer mosaic's sides).
    AtLeast(usize),
    /// The region of a frame an output covers must end inside the frame:
    /// at most `frame - origin` (`demosaic_region`).
    InsideFrame {
        /// Where the region starts on this axis.
        origin: usize,
        /// The frame's extent on this axis (the input's).
        frame: usize,
    },
    /// Half another argument's extent on an axis, rounded down (`demosaic_half`).
    HalfOf {
        /// The other argument.
        argument: ArgumentName,
        /// Its ndarray axis.
        axis: usize,
        /// Its extent there.
        extent: usize,
    },
    /// The same extent as another argument's axis.
    SameAs {
        /// The other argument.
        argument: ArgumentName,
        /// Its ndarray axis.
        axis: usize,
        /// Its extent there.
        extent: usize,
    },
}

impl std::fmt::Display for ExpectedExtent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedExtent::Exactly(extent) => write!(f, "{extent}"),
            ExpectedExtent::AtLeast(extent) => write!(f, "at least {extent}"),
            ExpectedExtent::InsideFrame { origin, frame } => write!(
                f,
                "at most {} (a region starting at {origin} in a frame of {frame})",
                frame.saturating_sub(*origin)
            ),
            ExpectedExtent::HalfOf { argument, axis, extent } => {
                write!(
                    f,
                    "{}, half the extent {extent} of `{argument}` on axis {axis}",
                    extent / 2
                )
            }
            ExpectedExtent::SameAs { argument, axis, extent } => {
                write!(f, "{extent}, the extent of `{argument}` on axis {axis}")
            }
        }
    }
}

/// A non-buffer parameter of a call (the fields of
/// [`RawParams`](crate::RawParams)), as [`Error::BadParameter`] names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Parameter {
    /// The white level.
    WhiteLevel,
    /// The black level of one CFA site (0..4, in the pattern's order).
    BlackLevel(usize),
    /// The white-balance gain of one channel (0 = R, 1 = G, 2 = B).
    WhiteBalance(usize),
    /// One entry of the colour matrix: row, column.
    ColorMatrix(usize, usize),
}

impl std::fmt::Display for Parameter {
    /// The setter's name with the index: `white_level`, `white_balance[1]`,
    /// `color_matrix[2][0]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Parameter::WhiteLevel => f.write_str("white_level"),
            Parameter::BlackLevel(site) => write!(f, "black_levels[{site}]"),
            Parameter::WhiteBalance(channel) => write!(f, "white_balance[{channel}]"),
            Parameter::ColorMatrix(row, column) => write!(f, "color_matrix[{row}][{column}]"),
        }
    }
}

macro_rules! halide_errors {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal => $kind:ident, )*) => {
        /// Everything a call can report.
        ///
        /// Variants that mirror a Halide `halide_error_code_t` carry the message
        /// Halide's runtime produced *for that call* (possibly several lines, for
        /// example one per failing worker thread). The wrapper's own checks have
        /// their own variants and name the argument, the axis and the numbers.
        /// [`Error::kind`] sorts them all into a few [`ErrorKind`]s;
        /// [`Error::code`] and [`Error::halide_message`] give Halide's code and
        /// message where Halide reported the error.
        ///
        /// The rustdoc module [`bad_inputs`](crate::bad_inputs) lists which
        /// inputs produce which variant.
        ///
        /// Axes in this crate's checks are **ndarray axes** (0 = outermost, as in
        /// `shape()[0]`); Halide's messages count Halide dimensions, where
        /// dimension 0 is ndarray's last axis.
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[non_exhaustive]
        pub enum Error {
            $(
                $(#[$doc])*
                #[error("Halide error {}: {message}", $code)]
                $variant {
                    /// The message Halide's runtime reported.
                    message: String,
                },
            )*
            /// A Halide error code this version of the crate does not know (a newer runtime).
            #[error("Halide error {code}: {message}")]
            Unknown {
                /// The raw `halide_error_code_t`.
                code: i32,
                /// The message Halide's runtime reported.
                message: String,
            },
            /// An axis's extent does not fit Halide's `i32` extents: when a view
            /// is described to Halide (a pipeline call or `Buffer::try_from`).
            #[error("argument `{argument}`, axis {axis}: extent {extent} exceeds Halide's maximum of {max}", max = i32::MAX)]
            ExtentTooLarge {
                /// The argument.
                argument: ArgumentName,
                /// The ndarray axis.
                axis: usize,
                /// The view's extent on that axis.
                extent: usize,
            },
            /// An axis's stride (in elements) does not fit Halide's `i32` strides:
            /// when a view is described to Halide.
            #[error("argument `{argument}`, axis {axis}: stride {stride} elements is outside Halide's range {min}..={max}", min = i32::MIN, max = i32::MAX)]
            StrideOutOfRange {
                /// The argument.
                argument: ArgumentName,
                /// The ndarray axis.
                axis: usize,
                /// The view's stride on that axis, in elements.
                stride: isize,
            },
            /// The memory a view spans is more than Halide addresses (2^31 - 1 bytes).
            #[error("argument `{argument}`: the view spans {bytes} bytes, more than Halide's limit of {max} bytes", max = i32::MAX)]
            SpanTooLarge {
                /// The argument.
                argument: ArgumentName,
                /// Bytes from the lowest to the highest addressed element, inclusive.
                bytes: u128,
            },
            /// The view has more elements than Halide allows in one buffer
            /// (2^31 - 1), even if they share memory (a broadcast view).
            #[error("argument `{argument}`: the view has {elements} elements, more than Halide's limit of {max} per buffer", max = i32::MAX)]
            TooManyElements {
                /// The argument.
                argument: ArgumentName,
                /// The product of the view's extents (saturating at `u128::MAX`).
                elements: u128,
            },
            /// An output view in which several elements share one memory location
            /// (stride 0 on an axis longer than 1): the result would depend on write order.
            #[error("argument `{argument}`, axis {axis}: an output must not alias itself, but its stride is 0 over an extent of {extent}")]
            AliasedOutput {
                /// The argument.
                argument: ArgumentName,
                /// The ndarray axis.
                axis: usize,
                /// The extent of that axis.
                extent: usize,
            },
            /// An input has an empty axis while the output has elements to compute.
            #[error("argument `{argument}`, axis {axis}: the input is empty but the output `{output}` is not")]
            EmptyInput {
                /// The input.
                argument: ArgumentName,
                /// The ndarray axis with extent 0.
                axis: usize,
                /// The output that needs it.
                output: ArgumentName,
            },
            /// An argument's shape is outside what the operation accepts: checked
            /// by each pipeline before the call (a mosaic smaller than 2×2, an
            /// output whose size differs from the input's, not 3 channels).
            #[error("argument `{argument}`, axis {axis}: extent {actual}, expected {expected}")]
            BadShape {
                /// The argument.
                argument: ArgumentName,
                /// The ndarray axis.
                axis: usize,
                /// The view's extent.
                actual: usize,
                /// What the operation accepts.
                expected: ExpectedExtent,
            },
            /// A packed frame's description does not fit its bytes or its
            /// format ([`PackedFrame`](crate::PackedFrame)): a slice too short
            /// for its rows, a row stride below the row's size, a zero width
            /// or height, a width the Bayer pattern cannot use.
            #[error("packed frame, `{field}`: {problem}")]
            BadPackedFrame {
                /// What is wrong: `bytes`, `width`, `height` or `row_stride`.
                field: &'static str,
                /// What it is and what is expected, with the numbers.
                problem: String,
            },
            /// A non-buffer parameter is out of its domain (a white level not
            /// above the black levels, a NaN gain, ...): checked before the call.
            #[error("parameter `{parameter}`: {problem}")]
            BadParameter {
                /// The parameter (its `Display` is the setter's name:
                /// `white_level`, `white_balance[1]`, `color_matrix[2][0]`).
                parameter: Parameter,
                /// What is wrong and what is expected, in words.
                problem: String,
            },
            /// The linked pipeline archive does not have the signature this crate
            /// was written for (a stale or mismatched archive): found at the
            /// pipeline's first call, and returned by every call after it.
            #[error("pipeline `{pipeline}` does not match this crate: {detail}")]
            PipelineMismatch {
                /// The pipeline's function name.
                pipeline: &'static str,
                /// What differs.
                detail: String,
            },
            /// The linked archive was compiled without Halide's checks (its
            /// target has `no_asserts`), so a call with
            /// an input too small for its output would read or write out of
            /// bounds. Safe code never calls such an archive: found at the
            /// pipeline's first call, and returned by every call after it.
            /// Rebuild it without those features.
            #[error("pipeline `{pipeline}` was compiled without Halide's checks (target `{target}`): \
                     safe calls need them; rebuild it without `no_asserts`")]
            UncheckedArchive {
                /// The pipeline's function name.
                pipeline: &'static str,
                /// The Halide target string in the archive's metadata.
                target: String,
            },
        }

        impl Error {
            /// Builds the variant for a nonzero code Halide returned, with the
            /// message its error handler received.
            pub(crate) fn from_halide(code: i32, message: String) -> Self {
                match code {
                    $( $code => Error::$variant { message }, )*
                    _ => Error::Unknown { code, message },
                }
            }

            /// What class of failure this is.
            pub fn kind(&self) -> ErrorKind {
                match self {
                    $( Error::$variant { .. } => ErrorKind::$kind, )*
                    Error::Unknown { .. } => ErrorKind::Pipeline,
                    Error::ExtentTooLarge { .. }
                    | Error::StrideOutOfRange { .. }
                    | Error::SpanTooLarge { .. }
                    | Error::TooManyElements { .. }
                    | Error::AliasedOutput { .. }
                    | Error::EmptyInput { .. }
                    | Error::BadShape { .. }
                    | Error::BadPackedFrame { .. }
                    | Error::BadParameter { .. } => ErrorKind::InvalidArgument,
                    Error::PipelineMismatch { .. } | Error::UncheckedArchive { .. } => ErrorKind::PipelineMismatch,
                }
            }

            /// The raw Halide error code (negative) for errors Halide reported;
            /// `None` for the wrapper's own checks.
            pub fn code(&self) -> Option<i32> {
                match self {
                    $( Error::$variant { .. } => Some($code), )*
                    Error::Unknown { code, .. } => Some(*code),
                    _ => None,
                }
            }

            /// This error with its `argument` set to `name`, if it names one.
            ///
            /// A view converted alone is called "view" in its errors; when a
            /// pipeline converts it, the pipeline says which argument it is.
            pub(crate) fn for_argument(mut self, name: ArgumentName) -> Self {
                match &mut self {
                    Error::ExtentTooLarge { argument, .. }
                    | Error::StrideOutOfRange { argument, .. }
                    | Error::SpanTooLarge { argument, .. }
                    | Error::TooManyElements { argument, .. }
                    | Error::AliasedOutput { argument, .. }
                    | Error::EmptyInput { argument, .. }
                    | Error::BadShape { argument, .. } => *argument = name,
                    _ => {}
                }
                self
            }

            /// The message Halide's runtime reported, for errors Halide reported.
            pub fn halide_message(&self) -> Option<&str> {
                match self {
                    $( Error::$variant { message } => Some(message), )*
                    Error::Unknown { message, .. } => Some(message),
                    _ => None,
                }
            }
        }
    };
}

halide_errors! {
    /// -1: an uncategorized error.
    Generic = -1 => Pipeline,
    /// -2: a `Func::bound` was smaller than the region used.
    ExplicitBoundsTooSmall = -2 => Pipeline,
    /// -3: a buffer's element type does not match the pipeline's.
    BadType = -3 => InvalidArgument,
    /// -4: the pipeline would access a buffer outside its bounds (an input does not cover what the output needs).
    AccessOutOfBounds = -4 => InvalidArgument,
    /// -5: a buffer spans more than 2 GB.
    BufferAllocationTooLarge = -5 => OutOfMemory,
    /// -6: a buffer's extents multiply to more than 2^31 - 1.
    BufferExtentsTooLarge = -6 => InvalidArgument,
    /// -7: constraints on a buffer shrank it below the region accessed.
    ConstraintsMakeRequiredRegionSmaller = -7 => InvalidArgument,
    /// -8: a constraint on a buffer's size or stride was not met.
    ConstraintViolated = -8 => InvalidArgument,
    /// -9: a scalar argument is below its minimum.
    ParamTooSmall = -9 => InvalidArgument,
    /// -10: a scalar argument is above its maximum.
    ParamTooLarge = -10 => InvalidArgument,
    /// -11: an allocation failed.
    OutOfMemory = -11 => OutOfMemory,
    /// -12: a buffer argument was null.
    BufferArgumentIsNull = -12 => InvalidArgument,
    /// -13: `debug_to_file` failed.
    DebugToFileFailed = -13 => Pipeline,
    /// -14: copying from device to host failed.
    CopyToHostFailed = -14 => Device,
    /// -15: copying from host to device failed.
    CopyToDeviceFailed = -15 => Device,
    /// -16: a device allocation failed.
    DeviceMallocFailed = -16 => OutOfMemory,
    /// -17: synchronizing with a device failed.
    DeviceSyncFailed = -17 => Device,
    /// -18: freeing a device allocation failed.
    DeviceFreeFailed = -18 => Device,
    /// -19: a buffer has a device handle but no device interface.
    NoDeviceInterface = -19 => Device,
    /// -20: unimplemented on this platform.
    Unimplemented = -20 => Unsupported,
    /// -21: a runtime symbol could not be loaded.
    SymbolNotFound = -21 => Device,
    /// -22: a bug in the Halide compiler.
    InternalError = -22 => Pipeline,
    /// -23: launching a GPU kernel failed.
    DeviceRunFailed = -23 => Device,
    /// -24: a host pointer violates its declared alignment.
    UnalignedHostPtr = -24 => InvalidArgument,
    /// -25: `fold_storage` on a dimension not accessed monotonically.
    BadFold = -25 => Pipeline,
    /// -26: a `fold_storage` factor too small.
    FoldFactorTooSmall = -26 => Pipeline,
    /// -27: a `require()` condition failed.
    RequirementFailed = -27 => InvalidArgument,
    /// -28: a buffer has a negative extent.
    BufferExtentsNegative = -28 => InvalidArgument,
    /// -29: a GPU backend API call failed.
    GpuDeviceError = -29 => Device,
    /// -30: recording trace packets failed.
    TraceFailed = -30 => Pipeline,
    /// -31: a `specialize_fail()` branch was selected.
    SpecializeFail = -31 => InvalidArgument,
    /// -32: wrapping a native device handle failed.
    DeviceWrapNativeFailed = -32 => Device,
    /// -33: detaching a native device handle failed.
    DeviceDetachNativeFailed = -33 => Device,
    /// -34: a buffer's host pointer is null while the pipeline needs it.
    HostIsNull = -34 => InvalidArgument,
    /// -35: a folded buffer region wraps around the fold in an extern stage.
    BadExternFold = -35 => Pipeline,
    /// -36: a device interface without a device handle.
    DeviceInterfaceNoDevice = -36 => Device,
    /// -37: both host and device are marked dirty.
    HostAndDeviceDirty = -37 => InvalidArgument,
    /// -38: a null buffer passed to a runtime routine.
    BufferIsNull = -38 => InvalidArgument,
    /// -39: a device buffer copy failed.
    DeviceBufferCopyFailed = -39 => Device,
    /// -40: the device interface cannot crop.
    DeviceCropUnsupported = -40 => Unsupported,
    /// -41: cropping or slicing failed.
    DeviceCropFailed = -41 => Device,
    /// -42: a device allocation exists on another device interface.
    IncompatibleDeviceInterface = -42 => Device,
    /// -43: a buffer's rank does not match the pipeline's.
    BadDimensions = -43 => InvalidArgument,
    /// -44: a device-dirty buffer passed to a CPU-only pipeline.
    DeviceDirtyWithNoDeviceSupport = -44 => InvalidArgument,
    /// -45: a storage bound is too small.
    StorageBoundTooSmall = -45 => Pipeline,
    /// -46: a split factor is not positive.
    SplitFactorNotPositive = -46 => Pipeline,
    /// -47: the vector scale does not match the pipeline's.
    VscaleInvalid = -47 => Unsupported,
    /// -48: the pipeline cannot be profiled.
    CannotProfilePipeline = -48 => Pipeline,
}
