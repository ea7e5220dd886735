//! The fused Rust kernels (`ddpm_golden::kernels`) on memory that Python owns, for
//! `ddpm_golden.kernels`. The extension targets the stable ABI of CPython 3.9, which has no buffer
//! protocol, so each array's memory is found through NumPy's own `__array_interface__`, read and
//! checked here (exact dtype, C-contiguity, alignment, writability, element count, output disjoint from
//! the inputs): a wrong call is a ValueError, never a read or write out of bounds.
//! The work runs with the GIL released, on a rayon pool of the requested size.

use ddpm_golden::kernels::{self, FastReal, Math};
use ddpm_golden::{Cdf, Error};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A rayon pool of `threads` threads, built once per size and kept; `0` means rayon's global pool
/// (one thread per core, or `RAYON_NUM_THREADS`).
fn pool(threads: usize) -> PyResult<Option<Arc<ThreadPool>>> {
    static POOLS: Mutex<Option<HashMap<usize, Arc<ThreadPool>>>> = Mutex::new(None);
    if threads == 0 {
        return Ok(None);
    }
    let mut pools = POOLS.lock().map_err(|_| PyRuntimeError::new_err("thread pool cache poisoned"))?;
    let pools = pools.get_or_insert_with(HashMap::new);
    if let Some(p) = pools.get(&threads) {
        return Ok(Some(Arc::clone(p)));
    }
    let built = ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("threads: cannot start {threads} threads: {e}")))?;
    let built = Arc::new(built);
    pools.insert(threads, Arc::clone(&built));
    Ok(Some(built))
}

fn math_named(name: &str) -> PyResult<Math> {
    match name {
        "fast" => Ok(Math::Fast),
        "libm" => Ok(Math::Libm),
        other => Err(PyValueError::new_err(format!("math: {other:?} is not \"fast\" or \"libm\""))),
    }
}

/// The kernel to run, chosen from Python's keyword arguments.
#[derive(Clone, Copy)]
enum Kernel {
    Loglik(Cdf),
    LoglikStable,
    NormalKl,
    NormalKlStable,
}

impl Kernel {
    fn operands(self) -> usize {
        match self {
            Kernel::Loglik(_) | Kernel::LoglikStable => 3,
            Kernel::NormalKl | Kernel::NormalKlStable => 4,
        }
    }

    /// Runs the kernel on slices of `out.len()` elements.
    fn run<T: FastReal>(self, inputs: &[&[T]], math: Math, out: &mut [T]) -> Result<(), Error> {
        match (self, inputs) {
            (Kernel::Loglik(cdf), &[x, m, s]) => kernels::log_likelihood_into(x, m, s, cdf, math, out),
            (Kernel::LoglikStable, &[x, m, s]) => kernels::log_likelihood_stable_into(x, m, s, math, out),
            (Kernel::NormalKl, &[m1, l1, m2, l2]) => kernels::normal_kl_into(m1, l1, m2, l2, math, out),
            (Kernel::NormalKlStable, &[m1, l1, m2, l2]) => {
                kernels::normal_kl_stable_into(m1, l1, m2, l2, math, out)
            }
            _ => unreachable!("the operand count is checked by `run_raw`"),
        }
    }
}

/// Views the caller's memory as slices and runs `kernel`, on `pool` if given.
///
/// # Safety
/// Each address in `inputs` and `out` points to `len` initialised, aligned values of `T` that stay
/// alive (the output: unaliased) for the duration of the call; `len > 0`.
unsafe fn run_on<T: FastReal>(
    kernel: Kernel,
    inputs: &[usize],
    out: usize,
    len: usize,
    math: Math,
    pool: Option<&ThreadPool>,
) -> Result<(), Error> {
    // SAFETY: the caller's contract above.
    let slices: Vec<&[T]> =
        inputs.iter().map(|&a| unsafe { std::slice::from_raw_parts(a as *const T, len) }).collect();
    let out = unsafe { std::slice::from_raw_parts_mut(out as *mut T, len) };
    match pool {
        Some(p) => p.install(|| kernel.run(&slices, math, out)),
        None => kernel.run(&slices, math, out),
    }
}

/// One operand: the data address and element count of a NumPy array, read through `numpy.ndarray`'s
/// own `__array_interface__` descriptor (a subclass or another object cannot substitute its own) and
/// checked: exactly an `ndarray`, dtype `typestr`, C-contiguous (`strides` is None), aligned, non-null,
/// and writable when `writable`.
fn operand(
    ndarray: &Bound<'_, PyAny>,
    array: &Bound<'_, PyAny>,
    what: &str,
    typestr: &str,
    align: usize,
    writable: bool,
) -> PyResult<(usize, usize)> {
    let refuse = |why: String| Err(PyValueError::new_err(format!("kernel: {what}: {why}")));
    if !array.is_instance(ndarray)? {
        return refuse(format!("expected a numpy.ndarray, got {}", array.get_type().name()?));
    }
    let interface = ndarray.getattr("__array_interface__")?.call_method1("__get__", (array,))?;
    let field = |key: &str| interface.get_item(key);
    let got: String = field("typestr")?.extract()?;
    if got != typestr {
        return refuse(format!("dtype {got} is not {typestr}"));
    }
    if !field("strides")?.is_none() {
        return refuse("not C-contiguous".into());
    }
    let shape: Vec<usize> = field("shape")?.extract()?;
    let (address, readonly): (usize, bool) = field("data")?.extract()?;
    if writable && readonly {
        return refuse("read-only".into());
    }
    let len = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    match len {
        Some(len) if len == 0 || (address != 0 && address % align == 0) => Ok((address, len)),
        Some(_) => refuse("null or misaligned data address".into()),
        None => refuse(format!("shape {shape:?} overflows")),
    }
}

/// `_native.kernel(name, dtype, inputs, out, math, threads)`: runs the kernel `name` (`loglik_tanh`,
/// `loglik_erf`, `loglik_stable`, `normal_kl`, `normal_kl_stable`) in `dtype` (`float32`, `float64`) on
/// the NumPy arrays `inputs` (in argument order) into `out`, with the GIL released.
///
/// Every array is checked here (see [`operand`]): the same element count, `out` writable and sharing no
/// byte with an input. `ddpm_golden.kernels` broadcasts and copies its arguments into such arrays and
/// keeps them referenced for the call; a wrong call of this private function is a ValueError, not a crash.
#[pyfunction]
pub fn kernel(
    py: Python<'_>,
    name: &str,
    dtype: &str,
    inputs: Vec<Bound<'_, PyAny>>,
    out: Bound<'_, PyAny>,
    math: &str,
    threads: usize,
) -> PyResult<()> {
    let kernel = match name {
        "loglik_tanh" => Kernel::Loglik(Cdf::Tanh),
        "loglik_erf" => Kernel::Loglik(Cdf::Erf),
        "loglik_stable" => Kernel::LoglikStable,
        "normal_kl" => Kernel::NormalKl,
        "normal_kl_stable" => Kernel::NormalKlStable,
        other => return Err(PyValueError::new_err(format!("kernel: unknown kernel {other:?}"))),
    };
    if inputs.len() != kernel.operands() {
        let (want, got) = (kernel.operands(), inputs.len());
        return Err(PyValueError::new_err(format!("kernel {name}: {want} operands expected, got {got}")));
    }
    let (typestr, size) = match dtype {
        "float32" => ("<f4", std::mem::size_of::<f32>()),
        "float64" => ("<f8", std::mem::size_of::<f64>()),
        other => return Err(PyValueError::new_err(format!("dtype: {other:?} is not float32 or float64"))),
    };
    let ndarray = py.import("numpy")?.getattr("ndarray")?;
    let (out, len) = operand(&ndarray, &out, "out", typestr, size, true)?;
    let mut addresses = Vec::with_capacity(inputs.len());
    for (i, array) in inputs.iter().enumerate() {
        let (address, n) = operand(&ndarray, array, &format!("input {i}"), typestr, size, false)?;
        if n != len {
            return Err(PyValueError::new_err(format!(
                "kernel {name}: input {i} has {n} elements, out {len}"
            )));
        }
        // Byte ranges [address, address + len size) must not meet the output's.
        let bytes = len * size;
        if len > 0 && address < out + bytes && out < address + bytes {
            return Err(PyValueError::new_err(format!("kernel {name}: out shares memory with input {i}")));
        }
        addresses.push(address);
    }
    let math = math_named(math)?;
    let pool = pool(threads)?;
    if len == 0 {
        return Ok(());
    }
    let result = py.detach(|| {
        let pool = pool.as_deref();
        // SAFETY: every address was read above from a live, C-contiguous, aligned `ndarray` of `len`
        // elements of `dtype` (the output writable and disjoint from the inputs), kept alive by `inputs`
        // and `out`, which this frame holds until the call returns.
        if dtype == "float32" {
            unsafe { run_on::<f32>(kernel, &addresses, out, len, math, pool) }
        } else {
            unsafe { run_on::<f64>(kernel, &addresses, out, len, math, pool) }
        }
    });
    result.map_err(|e| PyValueError::new_err(e.to_string()))
}
