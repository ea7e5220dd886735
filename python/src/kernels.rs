//! The fused Rust kernels (`ddpm_golden::kernels`) on memory that Python owns, for
//! `ddpm_golden.kernels`. The extension targets the stable ABI of CPython 3.9, which has no buffer
//! protocol, so the Python side passes the data addresses of C-contiguous, aligned NumPy arrays
//! (`__array_interface__`), after checking dtype, shape, contiguity, alignment, writability and that
//! the output overlaps no input; these functions trust that contract and are private to the package.
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
/// alive and unchanged (the output: unaliased) for the duration of the call; `len > 0`.
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

/// `_native.kernel(name, dtype, inputs, out, len, math, threads)`: runs the kernel `name`
/// (`loglik_tanh`, `loglik_erf`, `loglik_stable`, `normal_kl`, `normal_kl_stable`) in `dtype`
/// (`float32`, `float64`) on `len` elements at the data addresses `inputs` (in argument order) into
/// `out`, with the GIL released.
///
/// Private to `ddpm_golden.kernels`, which guarantees what [`run_on`] requires: every address is the
/// data of a live C-contiguous, aligned NumPy array of `len` elements of `dtype`, the output writable
/// and sharing no memory with an input, all of them referenced by the caller during the call.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn kernel(
    py: Python<'_>,
    name: &str,
    dtype: &str,
    inputs: Vec<usize>,
    out: usize,
    len: usize,
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
    let align = match dtype {
        "float32" => std::mem::align_of::<f32>(),
        "float64" => std::mem::align_of::<f64>(),
        other => return Err(PyValueError::new_err(format!("dtype: {other:?} is not float32 or float64"))),
    };
    if inputs.iter().chain([&out]).any(|&a| a == 0 || a % align != 0) {
        return Err(PyValueError::new_err(format!("kernel {name}: null or misaligned data address")));
    }
    let math = math_named(math)?;
    let pool = pool(threads)?;
    if len == 0 {
        return Ok(());
    }
    let result = py.detach(|| {
        let pool = pool.as_deref();
        // SAFETY: `ddpm_golden.kernels` passes addresses that meet `run_on`'s contract (see above).
        if dtype == "float32" {
            unsafe { run_on::<f32>(kernel, &inputs, out, len, math, pool) }
        } else {
            unsafe { run_on::<f64>(kernel, &inputs, out, len, math, pool) }
        }
    });
    result.map_err(|e| PyValueError::new_err(e.to_string()))
}
