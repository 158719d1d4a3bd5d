//! The one error type of the crate: Halide's error codes with the message Halide
//! produced for the failing call, and the wrapper's own checks.

/// Which argument of a pipeline call a check is about, as the pipeline names it
/// (`"input"`, `"output"`); `"view"` for a view converted alone with
/// `Buffer::try_from` / `BufferMut::try_from`, before it is any argument.
pub type ArgumentName = &'static str;

macro_rules! halide_errors {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, )*) => {
        /// Everything a call can report.
        ///
        /// Variants that mirror a Halide `halide_error_code_t` carry the message
        /// Halide's runtime produced *for that call* (possibly several lines, for
        /// example one per failing worker thread). The wrapper's own checks have
        /// their own variants and name the argument, the axis and the numbers.
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
            /// An axis's extent does not fit Halide's `i32` extents.
            #[error("argument `{argument}`, axis {axis}: extent {extent} exceeds Halide's maximum of {max}", max = i32::MAX)]
            ExtentTooLarge {
                /// The argument.
                argument: ArgumentName,
                /// The ndarray axis.
                axis: usize,
                /// The view's extent on that axis.
                extent: usize,
            },
            /// An axis's stride (in elements) does not fit Halide's `i32` strides.
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
            /// An argument's shape is outside what the operation accepts.
            #[error("argument `{argument}`, axis {axis}: extent {actual}, expected {expected}")]
            BadShape {
                /// The argument.
                argument: ArgumentName,
                /// The ndarray axis.
                axis: usize,
                /// The view's extent.
                actual: usize,
                /// What the operation accepts, in words ("3", "at least 2", "equal to the input's 480").
                expected: String,
            },
            /// A non-buffer parameter is out of its domain (a white level not
            /// above the black levels, a NaN gain, ...).
            #[error("parameter `{parameter}`: {problem}")]
            BadParameter {
                /// The parameter, as its setter is named (`white_level`,
                /// `white_balance[1]`, `color_matrix[2][0]`).
                parameter: String,
                /// What is wrong and what is expected, in words.
                problem: String,
            },
            /// The linked pipeline archive does not have the signature this crate
            /// was written for (a stale or mismatched archive).
            #[error("pipeline `{pipeline}` does not match this crate: {detail}")]
            PipelineMismatch {
                /// The pipeline's function name.
                pipeline: &'static str,
                /// What differs.
                detail: String,
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
    Generic = -1,
    /// -2: a `Func::bound` was smaller than the region used.
    ExplicitBoundsTooSmall = -2,
    /// -3: a buffer's element type does not match the pipeline's.
    BadType = -3,
    /// -4: the pipeline would access a buffer outside its bounds (an input does not cover what the output needs).
    AccessOutOfBounds = -4,
    /// -5: a buffer spans more than 2 GB.
    BufferAllocationTooLarge = -5,
    /// -6: a buffer's extents multiply to more than 2^31 - 1.
    BufferExtentsTooLarge = -6,
    /// -7: constraints on a buffer shrank it below the region accessed.
    ConstraintsMakeRequiredRegionSmaller = -7,
    /// -8: a constraint on a buffer's size or stride was not met.
    ConstraintViolated = -8,
    /// -9: a scalar argument is below its minimum.
    ParamTooSmall = -9,
    /// -10: a scalar argument is above its maximum.
    ParamTooLarge = -10,
    /// -11: an allocation failed.
    OutOfMemory = -11,
    /// -12: a buffer argument was null.
    BufferArgumentIsNull = -12,
    /// -13: `debug_to_file` failed.
    DebugToFileFailed = -13,
    /// -14: copying from device to host failed.
    CopyToHostFailed = -14,
    /// -15: copying from host to device failed.
    CopyToDeviceFailed = -15,
    /// -16: a device allocation failed.
    DeviceMallocFailed = -16,
    /// -17: synchronizing with a device failed.
    DeviceSyncFailed = -17,
    /// -18: freeing a device allocation failed.
    DeviceFreeFailed = -18,
    /// -19: a buffer has a device handle but no device interface.
    NoDeviceInterface = -19,
    /// -20: unimplemented on this platform.
    Unimplemented = -20,
    /// -21: a runtime symbol could not be loaded.
    SymbolNotFound = -21,
    /// -22: a bug in the Halide compiler.
    InternalError = -22,
    /// -23: launching a GPU kernel failed.
    DeviceRunFailed = -23,
    /// -24: a host pointer violates its declared alignment.
    UnalignedHostPtr = -24,
    /// -25: `fold_storage` on a dimension not accessed monotonically.
    BadFold = -25,
    /// -26: a `fold_storage` factor too small.
    FoldFactorTooSmall = -26,
    /// -27: a `require()` condition failed.
    RequirementFailed = -27,
    /// -28: a buffer has a negative extent.
    BufferExtentsNegative = -28,
    /// -29: a GPU backend API call failed.
    GpuDeviceError = -29,
    /// -30: recording trace packets failed.
    TraceFailed = -30,
    /// -31: a `specialize_fail()` branch was selected.
    SpecializeFail = -31,
    /// -32: wrapping a native device handle failed.
    DeviceWrapNativeFailed = -32,
    /// -33: detaching a native device handle failed.
    DeviceDetachNativeFailed = -33,
    /// -34: a buffer's host pointer is null while the pipeline needs it.
    HostIsNull = -34,
    /// -35: a folded buffer region wraps around the fold in an extern stage.
    BadExternFold = -35,
    /// -36: a device interface without a device handle.
    DeviceInterfaceNoDevice = -36,
    /// -37: both host and device are marked dirty.
    HostAndDeviceDirty = -37,
    /// -38: a null buffer passed to a runtime routine.
    BufferIsNull = -38,
    /// -39: a device buffer copy failed.
    DeviceBufferCopyFailed = -39,
    /// -40: the device interface cannot crop.
    DeviceCropUnsupported = -40,
    /// -41: cropping or slicing failed.
    DeviceCropFailed = -41,
    /// -42: a device allocation exists on another device interface.
    IncompatibleDeviceInterface = -42,
    /// -43: a buffer's rank does not match the pipeline's.
    BadDimensions = -43,
    /// -44: a device-dirty buffer passed to a CPU-only pipeline.
    DeviceDirtyWithNoDeviceSupport = -44,
    /// -45: a storage bound is too small.
    StorageBoundTooSmall = -45,
    /// -46: a split factor is not positive.
    SplitFactorNotPositive = -46,
    /// -47: the vector scale does not match the pipeline's.
    VscaleInvalid = -47,
    /// -48: the pipeline cannot be profiled.
    CannotProfilePipeline = -48,
}
