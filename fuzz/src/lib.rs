//! Shared helpers of the fuzz targets: ndarray views of any layout cut out of a
//! backing allocation, and that allocation with guard elements (and optionally
//! a `PROT_NONE` page) around the view.
//!
//! A view is described in *final* axis order (the order the pipeline sees): the
//! target picks the shape, a [`ViewSpec`] picks how the view is cut out of a
//! base array (C or Fortran order, per-axis start, step (negative steps
//! reverse, as `s![..;-k]`), padding), how the base axes are permuted, and how
//! much backing memory lies before and after the base array. Inputs may also be
//! broadcast or use arbitrary (even overlapping) non-negative strides
//! ([`InputSpec`]).

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU8, Ordering};

use arbitrary::Arbitrary;
use ndarray::{ArrayView, ArrayViewMut, Axis, IxDyn, ShapeBuilder, Slice};

/// How one base axis is cut: `start..start + n * |step|` with `step`, plus
/// `extra` unused elements at the end of the axis.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct AxisCut {
    start: u8,
    step: i8,
    extra: u8,
}

impl AxisCut {
    /// 0..=3
    pub fn start(&self) -> usize {
        usize::from(self.start % 4)
    }

    /// ±1, ±2, ±3
    pub fn step(&self) -> isize {
        let magnitude = isize::from(self.step.unsigned_abs() % 3) + 1;
        if self.step < 0 { -magnitude } else { magnitude }
    }

    /// 0..=2
    pub fn extra(&self) -> usize {
        usize::from(self.extra % 3)
    }
}

/// Where a `PROT_NONE` page sits next to the backing allocation, if anywhere.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fence {
    /// A plain heap allocation (a `Vec`).
    None,
    /// The backing's first element starts right after a `PROT_NONE` page.
    Before,
    /// The backing's last element ends right before a `PROT_NONE` page.
    After,
}

/// How an `N`-dimensional view is cut out of its backing allocation.
#[derive(Arbitrary, Debug, Clone)]
pub struct ViewSpec<const N: usize> {
    /// Backing elements before the base array (guards), 0..=7.
    front: u8,
    /// Backing elements after the base array (guards), 0..=7.
    back: u8,
    /// Whether the base array is in Fortran (column-major) order.
    fortran: bool,
    /// Per **base** axis (before the permutation).
    cuts: [AxisCut; N],
    /// Index of the axis permutation (`permuted_axes`), modulo `N!`.
    permutation: u8,
    /// The guard page, if any.
    pub fence: Fence,
}

impl<const N: usize> ViewSpec<N> {
    pub fn front(&self) -> usize {
        usize::from(self.front % 8)
    }

    pub fn back(&self) -> usize {
        usize::from(self.back % 8)
    }

    /// `permuted_axes` argument: final axis `i` is base axis `permutation()[i]`.
    pub fn permutation(&self) -> [usize; N] {
        permutation::<N>(usize::from(self.permutation))
    }

    /// Elements taken from each base axis for a view of final shape `shape`.
    fn base_counts(&self, shape: [usize; N]) -> [usize; N] {
        let permutation = self.permutation();
        let mut counts = [0; N];
        for (axis, &base_axis) in permutation.iter().enumerate() {
            counts[base_axis] = shape[axis];
        }
        counts
    }

    /// The base array's shape for a view of final shape `shape`.
    fn base_shape(&self, shape: [usize; N]) -> [usize; N] {
        let counts = self.base_counts(shape);
        std::array::from_fn(|b| {
            let cut = &self.cuts[b];
            cut.start() + counts[b] * cut.step().unsigned_abs() + cut.extra()
        })
    }

    /// Backing elements needed for a view of shape `shape`.
    pub fn backing_len(&self, shape: [usize; N]) -> usize {
        self.front() + self.base_shape(shape).iter().product::<usize>() + self.back()
    }

    fn base_layout(&self, shape: [usize; N]) -> (ndarray::Shape<IxDyn>, usize) {
        let base = self.base_shape(shape);
        let elements = base.iter().product::<usize>();
        (IxDyn(&base).set_f(self.fortran), elements)
    }

    fn slices(&self, shape: [usize; N]) -> [Slice; N] {
        let counts = self.base_counts(shape);
        std::array::from_fn(|b| {
            let cut = &self.cuts[b];
            let start = cut.start() as isize;
            let end = start + (counts[b] * cut.step().unsigned_abs()) as isize;
            Slice::new(start, Some(end), cut.step())
        })
    }

    /// The view of final shape `shape` over `backing` (of at least `backing_len(shape)` elements).
    pub fn view<'a, T>(&self, backing: &'a [T], shape: [usize; N]) -> ArrayView<'a, T, IxDyn> {
        let (layout, elements) = self.base_layout(shape);
        let front = self.front();
        let mut view = ArrayView::from_shape(layout, &backing[front..front + elements]).expect("base array fits");
        for (b, slice) in self.slices(shape).into_iter().enumerate() {
            view.slice_axis_inplace(Axis(b), slice);
        }
        let view = view.permuted_axes(IxDyn(&self.permutation()));
        assert_eq!(view.shape(), shape, "fuzz helper: view shape");
        view
    }

    /// The same view, mutable.
    pub fn view_mut<'a, T>(&self, backing: &'a mut [T], shape: [usize; N]) -> ArrayViewMut<'a, T, IxDyn> {
        let (layout, elements) = self.base_layout(shape);
        let front = self.front();
        let mut view =
            ArrayViewMut::from_shape(layout, &mut backing[front..front + elements]).expect("base array fits");
        for (b, slice) in self.slices(shape).into_iter().enumerate() {
            view.slice_axis_inplace(Axis(b), slice);
        }
        let view = view.permuted_axes(IxDyn(&self.permutation()));
        assert_eq!(view.shape(), shape, "fuzz helper: view shape");
        view
    }

    /// Which backing elements the view of shape `shape` covers.
    pub fn covered<T>(&self, backing: &mut [T], shape: [usize; N]) -> Vec<bool> {
        let mut covered = vec![false; backing.len()];
        let start = backing.as_ptr() as usize;
        for element in self.view_mut(backing, shape).iter() {
            covered[(std::ptr::from_ref(element) as usize - start) / size_of::<T>()] = true;
        }
        covered
    }
}

/// An input view: a [`ViewSpec`], or arbitrary non-negative strides (which may
/// overlap or be 0, as only read-only views can), then broadcasting.
#[derive(Arbitrary, Debug, Clone)]
pub struct InputSpec<const N: usize> {
    pub view: ViewSpec<N>,
    /// Final axes to broadcast from extent 1.
    broadcast: [bool; N],
    /// Per base axis, a raw stride 0..=4 instead of the cuts (their step's sign
    /// still reverses the axis).
    raw_strides: Option<[u8; N]>,
    /// Per final axis: above 223 on a broadcast axis, a large extent instead
    /// (see [`InputSpec::shape`]).
    huge: [u8; N],
}

impl<const N: usize> InputSpec<N> {
    /// The input's shape: `small`, except on broadcast axes picked for a large
    /// extent, `2^k - 1`, `2^k` or `2^k + 1` for `k` in 16..=31 (around Halide's
    /// limits: extents up to `i32::MAX`, and a product of extents up to it).
    /// Stride 0 makes these cost no memory.
    pub fn shape(&self, small: [usize; N]) -> [usize; N] {
        std::array::from_fn(|axis| {
            let huge = self.huge[axis];
            if !self.broadcast[axis] || huge < 224 {
                return small[axis];
            }
            let code = usize::from(huge - 224); // 0..32
            let power = 1usize << (16 + code % 16);
            match code / 16 {
                0 => power - 1,
                _ => power + usize::from(code % 3 == 0),
            }
        })
    }

    /// The shape before broadcasting.
    fn unbroadcast(&self, shape: [usize; N]) -> [usize; N] {
        std::array::from_fn(|axis| if self.broadcast[axis] { 1 } else { shape[axis] })
    }

    fn raw_strides(&self) -> Option<[usize; N]> {
        self.raw_strides.map(|strides| strides.map(|s| usize::from(s % 5)))
    }

    /// Backing elements needed for a view of shape `shape`.
    pub fn backing_len(&self, shape: [usize; N]) -> usize {
        let shape = self.unbroadcast(shape);
        match self.raw_strides() {
            None => self.view.backing_len(shape),
            Some(strides) => {
                let counts = self.view.base_counts(shape);
                // ndarray wants room for the offsets of every axis, even in an empty view.
                let span = 1 + counts
                    .iter()
                    .zip(strides)
                    .map(|(&n, s)| n.saturating_sub(1) * s)
                    .sum::<usize>();
                self.view.front() + span + self.view.back()
            }
        }
    }

    /// Calls `f` with the view of final shape `shape` over `backing` (a
    /// closure because a broadcast view borrows the view it was made from).
    pub fn with_view<T, R>(&self, backing: &[T], shape: [usize; N], f: impl FnOnce(ArrayView<'_, T, IxDyn>) -> R) -> R {
        let unbroadcast = self.unbroadcast(shape);
        let view = match self.raw_strides() {
            None => self.view.view(backing, unbroadcast),
            Some(strides) => {
                let counts = self.view.base_counts(unbroadcast);
                let front = self.view.front();
                let mut view = ArrayView::from_shape(IxDyn(&counts).strides(IxDyn(&strides)), &backing[front..])
                    .expect("strided base fits");
                for (b, cut) in self.view.cuts.iter().enumerate() {
                    if cut.step() < 0 {
                        view.invert_axis(Axis(b));
                    }
                }
                view.permuted_axes(IxDyn(&self.view.permutation()))
            }
        };
        let view = view.broadcast(IxDyn(&shape)).expect("broadcast from extent 1");
        assert_eq!(view.shape(), shape, "fuzz helper: input shape");
        f(view)
    }
}

/// libFuzzer's extra 8-bit coverage counters (a section libFuzzer finds
/// through the linker's `__start_`/`__stop_` symbols on Linux): cleared before
/// each run and read after it like the compiler's own counters.
///
/// The Halide archives are not instrumented, so without these the fuzzer sees
/// no difference between a dense and a reversed view, or between two demosaic
/// layouts: [`feature`] turns such classes into coverage, so inputs reaching a
/// new combination are kept in the corpus.
#[repr(C, align(64))]
struct Counters([AtomicU8; COUNTERS]);

const COUNTERS: usize = 4096;

#[used]
#[unsafe(link_section = "__libfuzzer_extra_counters")]
static EXTRA_COUNTERS: Counters = Counters([const { AtomicU8::new(0) }; COUNTERS]);

/// Records that this run reached the combination `parts` (hashed to a counter).
pub fn feature(parts: &[usize]) {
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
    for &part in parts {
        hash = (hash ^ part as u64).wrapping_mul(0x0000_0100_0000_01B3);
    }
    let counter = &EXTRA_COUNTERS.0[(hash ^ (hash >> 32)) as usize % COUNTERS];
    let hits = counter.load(Ordering::Relaxed);
    counter.store(hits.saturating_add(1), Ordering::Relaxed);
}

/// A coarse class of a stride: 0 negative, 1 zero, 2 one, 3 larger.
pub fn stride_class(stride: isize) -> usize {
    match stride {
        ..0 => 0,
        0 => 1,
        1 => 2,
        _ => 3,
    }
}

/// The `index`-th permutation of `0..N` (modulo `N!`), in Lehmer order.
pub fn permutation<const N: usize>(index: usize) -> [usize; N] {
    let factorial = |n: usize| (1..=n).product::<usize>();
    let mut remaining: Vec<usize> = (0..N).collect();
    let mut index = index % factorial(N);
    std::array::from_fn(|position| {
        let block = factorial(N - 1 - position);
        let pick = index / block;
        index %= block;
        remaining.remove(pick)
    })
}

/// Element types the backing allocations hold: plain data, any bit pattern
/// valid (a fenced backing starts as zeroed pages).
pub trait Plain: Copy + 'static {}
impl Plain for u8 {}
impl Plain for u16 {}
impl Plain for f32 {}

/// A backing allocation: a `Vec`, or an mmap'd region whose neighbouring page
/// is `PROT_NONE` (see [`Fence`]).
pub struct Backing<T: Plain> {
    storage: Storage<T>,
}

enum Storage<T> {
    Heap(Vec<T>),
    Fenced {
        map: *mut libc::c_void,
        map_len: usize,
        data: *mut T,
        len: usize,
    },
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}

impl<T: Plain> Backing<T> {
    /// `len` elements, element `k` initialized to `fill(k)`.
    pub fn new(len: usize, fence: Fence, fill: impl FnMut(usize) -> T) -> Self {
        let mut backing = match fence {
            Fence::None => {
                return Backing {
                    storage: Storage::Heap((0..len).map(fill).collect()),
                };
            }
            Fence::Before => Self::fenced(len, true),
            Fence::After => Self::fenced(len, false),
        };
        for (slot, value) in backing.iter_mut().zip((0..len).map(fill)) {
            *slot = value;
        }
        backing
    }

    fn fenced(len: usize, at_front: bool) -> Self {
        let page = page_size();
        let bytes = len * size_of::<T>();
        let data_pages = bytes.div_ceil(page).max(1);
        let map_len = (data_pages + 2) * page;
        // SAFETY: an anonymous private mapping; the result is checked.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert!(map != libc::MAP_FAILED, "mmap failed");
        let base = map.cast::<u8>();
        // SAFETY: both guard pages lie inside the mapping.
        unsafe {
            assert_eq!(libc::mprotect(base.cast(), page, libc::PROT_NONE), 0);
            assert_eq!(
                libc::mprotect(base.add(map_len - page).cast(), page, libc::PROT_NONE),
                0
            );
        }
        let offset = if at_front { page } else { map_len - page - bytes };
        // SAFETY: `offset..offset + bytes` lies in the readable pages; the page
        // size and `bytes` are multiples of T's alignment.
        let data = unsafe { base.add(offset) }.cast::<T>();
        Backing {
            storage: Storage::Fenced {
                map,
                map_len,
                data,
                len,
            },
        }
    }
}

impl<T: Plain> Deref for Backing<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match &self.storage {
            Storage::Heap(vec) => vec,
            // SAFETY: `data` points to `len` initialized elements of the live mapping.
            &Storage::Fenced { data, len, .. } => unsafe { std::slice::from_raw_parts(data, len) },
        }
    }
}

impl<T: Plain> DerefMut for Backing<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match &mut self.storage {
            Storage::Heap(vec) => vec,
            // SAFETY: as in `deref`, and `&mut self` makes the access exclusive.
            &mut Storage::Fenced { data, len, .. } => unsafe { std::slice::from_raw_parts_mut(data, len) },
        }
    }
}

impl<T: Plain> Drop for Backing<T> {
    fn drop(&mut self) {
        if let Storage::Fenced { map, map_len, .. } = self.storage {
            // SAFETY: the mapping was made by `fenced` and is unmapped once.
            unsafe { libc::munmap(map, map_len) };
        }
    }
}
