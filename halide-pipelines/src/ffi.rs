//! The crate's only `unsafe` code: calling a Halide pipeline and receiving its
//! errors.
//!
//! A call goes through the pipeline's `<name>_argv` entry point, whose argument
//! list is checked once against the archive's own `<name>_metadata()`: names,
//! kinds, element types and ranks. So a stale or mismatched archive is an
//! [`Error::PipelineMismatch`], never a call with the wrong arguments.
//!
//! Errors: every pipeline is built with Halide's `user_context` feature; each
//! call passes the context of a sink it holds for the call
//! ([`crate::hooks::error_sinks`]), where the process-wide error handler puts
//! the call's messages. Halide's default handler would print and abort instead.

use std::ffi::{CStr, c_int, c_void};
use std::marker::PhantomData;
use std::ptr;

use halide_pipelines_sys::ArgumentInfo;
use halide_runtime_sys::{halide_buffer_t, halide_dimension_t, halide_filter_metadata_t, halide_set_num_threads};
use once_cell::sync::OnceCell;

use crate::buffer::{Buffer, BufferMut, RawView};
use crate::custom::Scalar;
use crate::element::{Element, HalideType, HalideTypeCode};
use crate::error::Error;
use crate::hooks::{self, error_sinks::CallSink};

/// ndarray's highest fixed rank; no pipeline argument has more dimensions.
const MAX_RANK: usize = 6;
/// The most arguments (after `user_context`) a built-in pipeline takes (`develop_packed`: 9).
const MAX_ARGS: usize = 9;
/// The most arguments (after `user_context`) a user's pipeline may take
/// (`halide-build` refuses more at build time).
pub(crate) const MAX_CUSTOM_ARGS: usize = 32;

/// `halide_argument_kind_t` values.
const KIND_SCALAR: i32 = 0;
const KIND_INPUT_BUFFER: i32 = 1;
const KIND_OUTPUT_BUFFER: i32 = 2;

/// The argument Halide adds first with the `user_context` feature.
const USER_CONTEXT: &str = "__user_context";

/// The target feature that turns off the checks this crate's safety rests on:
/// Halide's assertions (bounds of every buffer access, constraints on strides,
/// scalar ranges). An archive built with it is refused
/// ([`Error::UncheckedArchive`]).
///
/// `no_bounds_query` is not refused: it only removes the bounds-query mode
/// (a buffer with a null `host`), which this crate never uses (hosts are never
/// null), and Halide compiles every multi-target dispatch wrapper with it (the
/// metadata of a multi-target archive names that wrapper's target).
const UNCHECKED_FEATURE: &str = "no_asserts";

/// What the wrapper expects of one pipeline argument.
#[derive(Debug, Clone, Copy)]
pub struct ArgSpec {
    /// The argument's name in the generator.
    pub name: &'static str,
    kind: i32,
    type_: HalideType,
    dimensions: i32,
}

impl ArgSpec {
    /// An input buffer of element type `T` and rank `dimensions`.
    pub const fn input<T: Element>(name: &'static str, dimensions: i32) -> Self {
        ArgSpec {
            name,
            kind: KIND_INPUT_BUFFER,
            type_: T::HALIDE_TYPE,
            dimensions,
        }
    }
    /// An output buffer of element type `T` and rank `dimensions`.
    pub const fn output<T: Element>(name: &'static str, dimensions: i32) -> Self {
        ArgSpec {
            name,
            kind: KIND_OUTPUT_BUFFER,
            type_: T::HALIDE_TYPE,
            dimensions,
        }
    }
    /// A scalar argument of type `T`.
    pub const fn scalar<T: Scalar>(name: &'static str) -> Self {
        ArgSpec {
            name,
            kind: KIND_SCALAR,
            type_: <T as Scalar>::HALIDE_TYPE,
            dimensions: 0,
        }
    }

    /// The argument's Halide type (a buffer's element type, or the scalar's).
    #[must_use]
    pub const fn halide_type(&self) -> HalideType {
        self.type_
    }

    /// The buffer's rank; 0 for a scalar.
    #[must_use]
    pub const fn dimensions(&self) -> usize {
        self.dimensions as usize
    }
}

/// A pipeline's `<name>_argv` entry point.
pub type ArgvFn = unsafe extern "C" fn(*mut *mut c_void) -> c_int;
/// A pipeline's `<name>_metadata` function.
pub type MetadataFn = unsafe extern "C" fn() -> *const FilterMetadata;

/// `<name>_metadata` as the `-sys` crates declare it.
type SysMetadataFn = unsafe extern "C" fn() -> *const halide_filter_metadata_t;

/// What a pipeline's `<name>_metadata()` points to: Halide's
/// `halide_filter_metadata_t`, opaque here (only this crate reads it), so the
/// public API names no `-sys` type.
#[repr(C)]
pub struct FilterMetadata {
    _opaque: [u8; 0],
    // Neither Send, Sync nor Unpin: it is foreign static data seen through a pointer.
    _marker: PhantomData<(*mut u8, std::marker::PhantomPinned)>,
}

/// One linked pipeline and the signature the wrapper was written for.
pub struct Pipeline {
    /// The pipeline's function name (in errors).
    name: &'static str,
    argv: ArgvFn,
    metadata: SysMetadataFn,
    /// The arguments after `user_context`, in the archive's order.
    args: &'static [ArgSpec],
    /// The result of checking the archive's metadata (signature and target), computed once.
    checked: OnceCell<Result<(), Refusal>>,
}

/// Why the archive's metadata refused a pipeline (cached per pipeline).
#[derive(Debug)]
enum Refusal {
    Mismatch(String),
    Unchecked(String),
}

impl Pipeline {
    /// Describes a linked pipeline: its `<name>_argv` and `<name>_metadata`
    /// entry points and the arguments the caller will pass. Nothing is checked
    /// until the first call, which compares `args` with the metadata and
    /// refuses an archive built without Halide's checks (its target has
    /// `no_asserts`).
    ///
    /// # Safety
    /// `argv` and `metadata` must be the `<name>_argv` and `<name>_metadata`
    /// entry points of **one** Halide pipeline (compiled by Halide, with the
    /// `user_context` feature), and `metadata` must return null or a pointer to
    /// that pipeline's `halide_filter_metadata_t`, valid for the whole program.
    /// Everything else (that `args` are that pipeline's arguments, that its
    /// bounds checks are compiled in) is checked against that metadata at the
    /// first call. The functions' types cannot say which pipeline they belong
    /// to, and a metadata function describing another pipeline than `argv`
    /// would let a call pass Halide buffers of the wrong rank or type: that
    /// pairing is what the caller promises. Code generated by `halide-build`
    /// passes the two symbols Halide wrote for one pipeline.
    ///
    /// # Panics
    /// At compile time (in a `static`'s initializer) if `args` has more than
    /// 32 entries.
    #[must_use]
    pub const unsafe fn new(name: &'static str, argv: ArgvFn, metadata: MetadataFn, args: &'static [ArgSpec]) -> Self {
        // SAFETY: the two function pointer types differ only in the pointee of
        // the returned pointer (`FilterMetadata` is an opaque stand-in for
        // `halide_filter_metadata_t`): same ABI, same calling convention.
        let metadata = unsafe { std::mem::transmute::<MetadataFn, SysMetadataFn>(metadata) };
        Self::from_parts(name, argv, metadata, args)
    }

    /// [`Pipeline::new`] with the runtime's own metadata type.
    const fn from_parts(name: &'static str, argv: ArgvFn, metadata: SysMetadataFn, args: &'static [ArgSpec]) -> Self {
        assert!(args.len() <= MAX_CUSTOM_ARGS, "a pipeline takes at most 32 arguments");
        Pipeline {
            name,
            argv,
            metadata,
            args,
            checked: OnceCell::new(),
        }
    }

    /// [`Pipeline::new`] for a pipeline this crate ships, checked at compile
    /// time (in a `static`'s initializer) against the arguments its generator
    /// declares: `halide_pipelines_sys::<NAME>_ARGUMENTS`, written from Halide's
    /// function info by `generators/regenerate.py`. A generator change that
    /// breaks the wrapper fails the build here, not the first call.
    pub(crate) const fn shipped(
        name: &'static str,
        argv: ArgvFn,
        metadata: SysMetadataFn,
        args: &'static [ArgSpec],
        generated: &'static [ArgumentInfo],
    ) -> Self {
        assert!(
            matches_generated(args, generated),
            "a wrapper's arguments differ from its generator's (halide_pipelines_sys::*_ARGUMENTS): \
             update the wrapper in src/pipelines/ to the generator's signature"
        );
        // The shipped pipelines' wrappers pass `<name>_argv` and
        // `<name>_metadata` of the same `halide-pipelines-sys` pipeline (what
        // `new`'s callers promise), and `generated` is that pipeline's argument
        // list (checked above).
        Self::from_parts(name, argv, metadata, args)
    }

    /// The pipeline's function name, as given to [`Pipeline::new`].
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The arguments after Halide's `user_context`, as given to [`Pipeline::new`].
    #[must_use]
    pub const fn args(&self) -> &'static [ArgSpec] {
        self.args
    }

    #[inline]
    fn check_signature(&self) -> Result<(), Error> {
        let outcome = self.checked.get_or_init(|| {
            // SAFETY: `new`'s caller promised that `metadata` is the pipeline's
            // `<name>_metadata`, generated by Halide: it takes no arguments and
            // returns null or a pointer to static data.
            let metadata = unsafe { (self.metadata)() };
            // SAFETY: the same promise: non-null metadata points to a static
            // `halide_filter_metadata_t` whose strings and argument array live as
            // long as the program.
            unsafe { check_metadata(metadata, self.args) }
        });
        match outcome {
            Ok(()) => Ok(()),
            Err(Refusal::Mismatch(detail)) => Err(Error::PipelineMismatch {
                pipeline: self.name,
                detail: detail.clone(),
            }),
            Err(Refusal::Unchecked(target)) => Err(Error::UncheckedArchive {
                pipeline: self.name,
                target: target.clone(),
            }),
        }
    }
}

/// Whether the wrapper's `args` are, in order, the generator's arguments
/// (names, kinds, types, ranks). A `const fn`, for [`Pipeline::shipped`].
const fn matches_generated(args: &[ArgSpec], generated: &[ArgumentInfo]) -> bool {
    if args.len() != generated.len() {
        return false;
    }
    let mut index = 0;
    while index < args.len() {
        let (wrapper, generator) = (&args[index], &generated[index]);
        let same = same_str(wrapper.name, generator.name)
            && wrapper.kind == generator.kind
            && wrapper.type_.code().raw() == generator.type_code
            && wrapper.type_.bits() == generator.type_bits
            && wrapper.type_.lanes() == generator.type_lanes
            && wrapper.dimensions == generator.dimensions;
        if !same {
            return false;
        }
        index += 1;
    }
    true
}

const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut index = 0;
    while index < a.len() {
        if a[index] != b[index] {
            return false;
        }
        index += 1;
    }
    true
}

/// Whether a Halide target string (`x86-64-linux-avx2-no_asserts-user_context`)
/// names a feature that turns off the checks the safe API relies on.
fn is_unchecked_target(target: &str) -> bool {
    target.split('-').any(|feature| feature == UNCHECKED_FEATURE)
}

/// Checks the archive's metadata: its target keeps Halide's checks, and its
/// arguments are the wrapper's.
///
/// # Safety
/// `metadata` is null or points to a valid, static `halide_filter_metadata_t`.
unsafe fn check_metadata(metadata: *const halide_filter_metadata_t, expected: &[ArgSpec]) -> Result<(), Refusal> {
    // SAFETY: the caller guarantees null or a valid pointer.
    let Some(metadata) = (unsafe { metadata.as_ref() }) else {
        return Err(Refusal::Mismatch("the archive returned no metadata".into()));
    };
    let target = if metadata.target.is_null() {
        String::new()
    } else {
        // SAFETY: a non-null target is a NUL-terminated static string.
        unsafe { CStr::from_ptr(metadata.target) }
            .to_string_lossy()
            .into_owned()
    };
    if is_unchecked_target(&target) {
        return Err(Refusal::Unchecked(target));
    }
    // SAFETY: forwarded from the caller.
    unsafe { compare_arguments(metadata, expected) }.map_err(Refusal::Mismatch)
}

/// Compares the archive's description of its arguments with the wrapper's.
///
/// # Safety
/// `metadata`'s argument array holds `num_arguments` valid entries with static names.
unsafe fn compare_arguments(metadata: &halide_filter_metadata_t, expected: &[ArgSpec]) -> Result<(), String> {
    let count = usize::try_from(metadata.num_arguments).unwrap_or(0);
    if count != expected.len() + 1 || metadata.arguments.is_null() {
        return Err(format!(
            "the archive has {} arguments, the wrapper expects {} (user context first)",
            metadata.num_arguments,
            expected.len() + 1
        ));
    }
    // SAFETY: Halide's metadata holds `num_arguments` entries at `arguments`.
    let actual = unsafe { std::slice::from_raw_parts(metadata.arguments, count) };
    let user_context = ArgSpec {
        name: USER_CONTEXT,
        kind: KIND_SCALAR,
        type_: HalideType::new(HalideTypeCode::Handle, 64),
        dimensions: 0,
    };
    for (position, (have, want)) in actual
        .iter()
        .zip(std::iter::once(&user_context).chain(expected))
        .enumerate()
    {
        let name = if have.name.is_null() {
            String::new()
        } else {
            // SAFETY: non-null argument names are NUL-terminated static strings.
            unsafe { CStr::from_ptr(have.name) }.to_string_lossy().into_owned()
        };
        let type_matches = want.type_.is(&have.type_);
        if name != want.name || have.kind != want.kind || !type_matches || have.dimensions != want.dimensions {
            return Err(format!(
                "argument {position} is `{name}` (kind {}, type code {} bits {} lanes {}, {} dimensions), \
                 the wrapper expects `{}` (kind {}, type code {} bits {} lanes {}, {} dimensions); \
                 rebuild the archives (generators/regenerate.py) or use matching crate versions",
                have.kind,
                have.type_.code,
                have.type_.bits,
                have.type_.lanes,
                have.dimensions,
                want.name,
                want.kind,
                want.type_.code().raw(),
                want.type_.bits(),
                want.type_.lanes(),
                want.dimensions
            ));
        }
    }
    Ok(())
}

/// One argument of a call, borrowing what it describes for `'c`.
pub(crate) enum Arg<'c> {
    Buffer(BufferArg<'c>),
    I32(i32),
    /// A scalar of any type: its Halide type and its bytes, in native order at
    /// the start of the slot (see `custom::Scalar::slot`).
    Scalar(HalideType, u64),
}

/// A checked buffer description borrowed for the call.
pub(crate) struct BufferArg<'c> {
    host: *mut u8,
    type_: HalideType,
    dims: &'c [halide_dimension_t],
    /// Halide's min coordinate per dimension (Halide order): 0, except for an
    /// output that is a region of a larger frame.
    min: [i32; MAX_RANK],
    kind: i32,
    _borrow: PhantomData<&'c mut ()>,
}

impl<'c> BufferArg<'c> {
    fn new<T: Element, const N: usize>(raw: &'c RawView<T, N>, kind: i32) -> Self {
        const { assert!(N <= MAX_RANK) };
        BufferArg {
            host: raw.host.as_ptr().cast(),
            type_: T::HALIDE_TYPE,
            dims: &raw.dims,
            min: [0; MAX_RANK],
            kind,
            _borrow: PhantomData,
        }
    }
}

impl<'a, T: Element, const N: usize> Buffer<'a, T, N> {
    /// This buffer as a call's input: Halide only reads through it.
    pub(crate) fn arg(&self) -> Arg<'_> {
        Arg::Buffer(BufferArg::new(&self.raw, KIND_INPUT_BUFFER))
    }
}

impl<'a, T: Element, const N: usize> BufferMut<'a, T, N> {
    /// This buffer as a call's output; the `&mut` keeps it exclusive for the call.
    pub(crate) fn arg(&mut self) -> Arg<'_> {
        Arg::Buffer(BufferArg::new(&self.raw, KIND_OUTPUT_BUFFER))
    }

    /// This buffer as a call's output covering the region of a larger frame
    /// that starts at `origin` (ndarray order): Halide sees the same memory
    /// with min coordinates `origin`, so the pipeline computes exactly that
    /// region of the frame. The caller checked that the region lies inside the
    /// frame (so each coordinate fits in `i32`, as the frame's extents do).
    pub(crate) fn region_arg(&mut self, origin: [usize; N]) -> Arg<'_> {
        let mut buffer = BufferArg::new(&self.raw, KIND_OUTPUT_BUFFER);
        for (axis, &start) in origin.iter().enumerate() {
            buffer.min[N - 1 - axis] = i32::try_from(start).expect("a region's origin lies inside an i32-sized frame");
        }
        Arg::Buffer(buffer)
    }
}

/// Runs `pipeline` with `args` (the arguments after `user_context`, in order).
///
/// The Halide descriptors live on the stack, sized by the argument count, so
/// a call allocates nothing and initializes only what it passes.
pub(crate) fn call<const A: usize>(pipeline: &Pipeline, args: [Arg<'_>; A]) -> Result<(), Error> {
    const { assert!(A <= MAX_ARGS) };
    call_with_argv::<A, { MAX_ARGS + 1 }>(pipeline, args)
}

/// [`call`] for up to `ARGV - 1` arguments: the `argv` array is `ARGV` long,
/// so the built-in wrappers keep their short one and users' pipelines
/// (`custom::call`) get room for [`MAX_CUSTOM_ARGS`].
pub(crate) fn call_with_argv<const A: usize, const ARGV: usize>(
    pipeline: &Pipeline,
    args: [Arg<'_>; A],
) -> Result<(), Error> {
    const { assert!(A < ARGV) };
    hooks::install();
    pipeline.check_signature()?;
    assert_eq!(
        args.len(),
        pipeline.args.len(),
        "wrapper of `{}` passes the wrong number of arguments",
        pipeline.name
    );

    let sink = CallSink::take();
    sink.set_thread_limit(hooks::parallel::current_limit());
    let user_context = sink.user_context();
    let mut buffers = [halide_buffer_t::default(); A];
    let mut dims = [[halide_dimension_t::default(); MAX_RANK]; A];
    // One 8-byte slot per argument: room and alignment for every scalar type.
    let mut scalars = [0u64; A];
    let mut argv = [ptr::null_mut::<c_void>(); ARGV];
    argv[0] = ptr::from_ref(&user_context).cast_mut().cast();

    for (index, (arg, spec)) in args.iter().zip(pipeline.args).enumerate() {
        match arg {
            Arg::Buffer(buffer) => {
                assert!(
                    buffer.kind == spec.kind && buffer.dims.len() as i32 == spec.dimensions,
                    "wrapper of `{}` passes the wrong kind of buffer as `{}`",
                    pipeline.name,
                    spec.name
                );
                // The metadata check covered `spec`; the buffer must be what the
                // spec says, or Halide would read its bytes as another type.
                assert!(
                    buffer.type_ == spec.type_,
                    "wrapper of `{}` passes a buffer of {} as `{}`, declared {}",
                    pipeline.name,
                    buffer.type_,
                    spec.name,
                    spec.type_
                );
                // A copy of the dimensions: `halide_buffer_t::dim` is a `*mut`.
                dims[index][..buffer.dims.len()].copy_from_slice(buffer.dims);
                for (dim, &min) in dims[index].iter_mut().zip(&buffer.min) {
                    dim.min = min;
                }
                buffers[index] = halide_buffer_t {
                    host: buffer.host,
                    type_: buffer.type_.to_sys(),
                    dimensions: buffer.dims.len() as i32,
                    dim: dims[index].as_mut_ptr(),
                    ..halide_buffer_t::default()
                };
                argv[index + 1] = ptr::from_mut(&mut buffers[index]).cast();
            }
            &Arg::I32(value) => {
                assert!(
                    spec.kind == KIND_SCALAR && spec.type_ == <i32 as Element>::HALIDE_TYPE,
                    "wrapper of `{}` passes an `i32` scalar as `{}`",
                    pipeline.name,
                    spec.name
                );
                scalars[index] = value.slot();
                argv[index + 1] = ptr::from_mut(&mut scalars[index]).cast();
            }
            &Arg::Scalar(type_, slot) => {
                assert!(
                    spec.kind == KIND_SCALAR && type_ == spec.type_,
                    "wrapper of `{}` passes a scalar of another type as `{}`",
                    pipeline.name,
                    spec.name
                );
                scalars[index] = slot;
                argv[index + 1] = ptr::from_mut(&mut scalars[index]).cast();
            }
        }
    }

    // SAFETY: the signature was checked against the archive's metadata above, so
    // `argv` holds, in order, a pointer to the user context and, per argument, a
    // `halide_buffer_t *` (for buffers; a nonzero `min` only renumbers the
    // coordinates of the same elements: Halide addresses element `i` of a
    // dimension at `host + (i - min) * stride`, so the memory reached is the
    // view's own) or a pointer to an 8-byte aligned slot
    // that starts with the scalar's bytes in its declared type. Each
    // buffer describes memory borrowed for the call (`Arg<'c>`): inputs are only
    // read, outputs are exclusive borrows; extents, strides and byte spans were
    // checked to fit Halide's 32-bit indexing; host pointers are never null (a
    // null host would turn the call into a bounds query that writes `dim`). The
    // user context is the address of a sink held until after the call (or any
    // other address: the handler only compares it with its sinks' addresses).
    let code = unsafe { (pipeline.argv)(argv.as_mut_ptr()) };
    if code == 0 {
        Ok(())
    } else {
        Err(Error::from_halide(code, sink.messages()))
    }
}

/// Sets the number of threads Halide's thread pool uses for every pipeline in
/// the process, and returns the previous setting (0 when it was never set).
///
/// The default is the `HL_NUM_THREADS` environment variable, or else the number
/// of CPU cores. `0` restores that default. Values above `i32::MAX` are clamped.
/// Safe to call while pipelines run on other threads.
///
/// Raising the count takes effect at once. Lowering it is not honoured by
/// Halide 21's runtime once its pool has started that many threads (they keep
/// taking work; measured: 1 thread after 2 still runs at 2-thread speed), so
/// set the count you want before the first pipeline call.
///
/// ```
/// let previous = halide_pipelines::set_num_threads(1);
/// halide_pipelines::set_num_threads(previous);
/// ```
pub fn set_num_threads(threads: usize) -> usize {
    let threads = c_int::try_from(threads).unwrap_or(c_int::MAX);
    // SAFETY: the runtime takes any non-negative count and synchronizes
    // internally with running pipelines.
    let previous = unsafe { halide_set_num_threads(threads) };
    usize::try_from(previous).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use std::sync::OnceLock;

    /// A wrapper written for a different `add` than the one linked: the call
    /// must stop at the metadata check, before Halide sees any argument.
    static STALE_ADD: Pipeline = Pipeline::from_parts(
        "add",
        halide_pipelines_sys::add_argv,
        halide_pipelines_sys::add_metadata,
        &[ArgSpec::input::<u8>("input", 2), ArgSpec::output::<f32>("output", 2)],
    );

    static ADD_WITH_RENAMED_OUTPUT: Pipeline = Pipeline::from_parts(
        "add",
        halide_pipelines_sys::add_argv,
        halide_pipelines_sys::add_metadata,
        &[ArgSpec::input::<f32>("input", 2), ArgSpec::output::<f32>("result", 2)],
    );

    static ADD_WITH_EXTRA_ARGUMENT: Pipeline = Pipeline::from_parts(
        "add",
        halide_pipelines_sys::add_argv,
        halide_pipelines_sys::add_metadata,
        &[
            ArgSpec::input::<f32>("input", 2),
            ArgSpec::scalar::<i32>("offset"),
            ArgSpec::output::<f32>("output", 2),
        ],
    );

    fn mismatch<const A: usize>(pipeline: &Pipeline, args: [Arg<'_>; A]) -> String {
        match call(pipeline, args) {
            Err(Error::PipelineMismatch {
                pipeline: "add",
                detail,
            }) => detail,
            other => panic!("expected a mismatch, got {other:?}"),
        }
    }

    #[test]
    fn stale_signatures_are_errors_not_calls() {
        let input = ndarray::Array2::<u8>::zeros((2, 2));
        let mut output = ndarray::Array2::<f32>::zeros((2, 2));
        let input = Buffer::try_from(input.view()).unwrap();
        let mut output = BufferMut::try_from(output.view_mut()).unwrap();
        let detail = mismatch(&STALE_ADD, [input.arg(), output.arg()]);
        assert!(
            detail.contains("argument 1 is `input`") && detail.contains("bits 32"),
            "{detail}"
        );
        assert!(detail.contains("bits 8"), "{detail}");

        let input = ndarray::Array2::<f32>::zeros((2, 2));
        let input = Buffer::try_from(input.view()).unwrap();
        let detail = mismatch(&ADD_WITH_RENAMED_OUTPUT, [input.arg(), output.arg()]);
        assert!(detail.contains("expects `result`"), "{detail}");
        let detail = mismatch(&ADD_WITH_EXTRA_ARGUMENT, [input.arg(), Arg::I32(1), output.arg()]);
        assert!(detail.contains("has 3 arguments, the wrapper expects 4"), "{detail}");
    }

    /// `add`'s own metadata with another target string: what an archive built
    /// with `no_asserts` reports. Kept in a static, as Halide's is.
    struct Copied(halide_filter_metadata_t);
    // SAFETY (test): never written after construction; its pointers are
    // Halide's static metadata and `'static` C strings.
    unsafe impl Send for Copied {}
    // SAFETY (test): as above.
    unsafe impl Sync for Copied {}

    fn add_metadata_with_target(
        slot: &'static OnceLock<Copied>,
        target: &'static CStr,
    ) -> *const halide_filter_metadata_t {
        &slot
            .get_or_init(|| {
                // SAFETY: `add_metadata` returns Halide's static metadata for `add`.
                let mut copy = unsafe { *halide_pipelines_sys::add_metadata() };
                copy.target = target.as_ptr();
                Copied(copy)
            })
            .0
    }
    unsafe extern "C" fn add_metadata_no_asserts() -> *const halide_filter_metadata_t {
        static SLOT: OnceLock<Copied> = OnceLock::new();
        add_metadata_with_target(&SLOT, c"x86-64-linux-avx2-no_asserts-no_runtime-user_context")
    }
    unsafe extern "C" fn add_metadata_no_bounds_query() -> *const halide_filter_metadata_t {
        static SLOT: OnceLock<Copied> = OnceLock::new();
        add_metadata_with_target(&SLOT, c"x86-64-linux-no_bounds_query-no_runtime-user_context")
    }
    const ADD_ARGS: &[ArgSpec] = &[ArgSpec::input::<f32>("input", 2), ArgSpec::output::<f32>("output", 2)];
    static ADD_WITHOUT_ASSERTS: Pipeline =
        Pipeline::from_parts("add", halide_pipelines_sys::add_argv, add_metadata_no_asserts, ADD_ARGS);
    static ADD_MULTI_TARGET_WRAPPER: Pipeline = Pipeline::from_parts(
        "add",
        halide_pipelines_sys::add_argv,
        add_metadata_no_bounds_query,
        ADD_ARGS,
    );
    static ADD: Pipeline = Pipeline::from_parts(
        "add",
        halide_pipelines_sys::add_argv,
        halide_pipelines_sys::add_metadata,
        ADD_ARGS,
    );

    #[test]
    fn archives_without_halides_checks_are_refused_before_any_call() {
        // An input too small for the output: with Halide's checks this is an
        // error; without them, an out-of-bounds read. It must never run.
        let input = ndarray::Array2::<f32>::zeros((2, 2));
        let input = Buffer::try_from(input.view()).unwrap();
        let mut untouched = ndarray::Array2::<f32>::from_elem((4, 4), 7.0);
        let mut output = BufferMut::try_from(untouched.view_mut()).unwrap();
        for _ in 0..2 {
            // Cached: the second call gets the same refusal.
            match call(&ADD_WITHOUT_ASSERTS, [input.arg(), output.arg()]) {
                Err(error @ Error::UncheckedArchive { pipeline: "add", .. }) => {
                    assert_eq!(error.kind(), crate::ErrorKind::PipelineMismatch);
                    let text = error.to_string();
                    assert!(text.contains("no_asserts") && text.contains("`add`"), "{text}");
                }
                other => panic!("expected UncheckedArchive, got {other:?}"),
            }
        }
        assert!(untouched.iter().all(|&value| value == 7.0));
        // A multi-target wrapper's `no_bounds_query` is Halide's own and harmless:
        // the call runs, and Halide's bounds check reports the small input.
        let mut output = ndarray::Array2::<f32>::zeros((4, 4));
        let mut output = BufferMut::try_from(output.view_mut()).unwrap();
        let error = call(&ADD_MULTI_TARGET_WRAPPER, [input.arg(), output.arg()]).unwrap_err();
        assert!(matches!(error, Error::AccessOutOfBounds { .. }), "{error:?}");
        assert_eq!(error.kind(), crate::ErrorKind::InvalidArgument);
        assert!(is_unchecked_target("arm-64-linux-no_asserts"));
        assert!(!is_unchecked_target(
            "x86-64-linux-no_bounds_query-no_runtime-user_context"
        ));
        assert!(!is_unchecked_target("x86-64-linux-no_assertsx"));
    }

    #[test]
    #[should_panic(expected = "passes a buffer of uint8 as `input`, declared float32")]
    fn a_buffer_of_another_type_than_declared_never_reaches_halide() {
        let input = ndarray::Array2::<u8>::zeros((2, 2));
        let mut output = ndarray::Array2::<f32>::zeros((2, 2));
        let input = Buffer::try_from(input.view()).unwrap();
        let mut output = BufferMut::try_from(output.view_mut()).unwrap();
        let _ = call(&ADD, [input.arg(), output.arg()]);
    }

    #[test]
    fn wrappers_are_compared_with_the_generators_arguments() {
        let add = [ArgSpec::input::<f32>("input", 2), ArgSpec::output::<f32>("output", 2)];
        assert!(matches_generated(&add, halide_pipelines_sys::ADD_ARGUMENTS));
        let wrong_type = [ArgSpec::input::<f64>("input", 2), ArgSpec::output::<f32>("output", 2)];
        let wrong_rank = [ArgSpec::input::<f32>("input", 3), ArgSpec::output::<f32>("output", 2)];
        let wrong_name = [ArgSpec::input::<f32>("source", 2), ArgSpec::output::<f32>("output", 2)];
        let wrong_kind = [ArgSpec::input::<f32>("input", 2), ArgSpec::input::<f32>("output", 2)];
        for wrapper in [wrong_type, wrong_rank, wrong_name, wrong_kind] {
            assert!(!matches_generated(&wrapper, halide_pipelines_sys::ADD_ARGUMENTS));
        }
        assert!(!matches_generated(&add[..1], halide_pipelines_sys::ADD_ARGUMENTS));
        assert!(!matches_generated(
            &add,
            halide_pipelines_sys::DEMOSAIC_BILINEAR_U8_INTERLEAVED_ARGUMENTS
        ));
    }

    #[test]
    fn every_halide_code_maps_to_its_variant_and_back() {
        for code in -48..=-1 {
            let error = Error::from_halide(code, format!("message {code}"));
            assert_eq!(error.code(), Some(code));
            assert!(!matches!(error, Error::Unknown { .. }), "{code} is a Halide 21 code");
            assert_eq!(error.halide_message(), Some(format!("message {code}").as_str()));
        }
        for code in [-49, -1000, 1, i32::MIN] {
            let error = Error::from_halide(code, String::new());
            assert_eq!(
                error,
                Error::Unknown {
                    code,
                    message: String::new()
                }
            );
            assert_eq!(error.code(), Some(code));
        }
    }

    #[test]
    fn set_num_threads_returns_the_previous_setting() {
        let before = set_num_threads(3);
        assert_eq!(set_num_threads(2), 3);
        set_num_threads(before);
    }
}
