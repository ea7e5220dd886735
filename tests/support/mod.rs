//! Running the `ddpm-golden` binary on hostile input: a timeout (a hang is a failure), an address-space
//! limit (memory stays bounded), and the exit-code contract checked on every run.

use ddpm_golden::golden::evaluate::{case_inputs, eval_fast};
use ddpm_golden::golden::format::{GoldenFile, Values};
use ddpm_golden::golden::json_number::encode;
use ddpm_golden::{Cdf, Function};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod scratch;

/// Longest a run may take before it counts as a hang (generous: the machine may be loaded, and a valid
/// `audit merge` regenerates the quick audit, whose 1.4 million reference values take 40-90 s in the dev
/// profile on two loaded cores).
pub const TIMEOUT: Duration = Duration::from_secs(300);

/// Address-space limit of every run, in KiB: far above what valid inputs need, far below what reading
/// /dev/zero or allocating from a hostile header would take.
pub const MEMORY_KIB: u64 = 2 << 20;

/// What a run did.
#[derive(Debug)]
pub struct Outcome {
    /// Exit code (`None` if killed by a signal or the timeout).
    pub code: Option<i32>,
    /// Whether the timeout killed it.
    pub timed_out: bool,
    /// Captured stdout and stderr.
    pub stdout: String,
    /// See `stdout`.
    pub stderr: String,
    /// Wall time.
    pub elapsed: Duration,
}

impl Outcome {
    /// Both streams, for assertion messages.
    pub fn text(&self) -> String {
        let cut = |s: &str| s.chars().take(2000).collect::<String>();
        format!("code {:?}; stdout: {}; stderr: {}", self.code, cut(&self.stdout), cut(&self.stderr))
    }
}

pub use scratch::scratch;

/// The committed golden file of `function`.
pub fn golden_path(function: Function) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden").join(format!("{}.json", function.name()))
}

/// A command running the binary under the memory limit (glibc arenas capped so that virtual memory
/// reflects what is used).
pub fn command(args: &[&std::ffi::OsStr]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_ddpm-golden"))
        .args(args)
        .env("MALLOC_ARENA_MAX", "2")
        .stdin(Stdio::null());
    cmd
}

fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = r.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for `child` up to [`TIMEOUT`], killing it then.
pub fn wait(mut child: Child, started: Instant) -> Outcome {
    let out = child.stdout.take().map(drain);
    let err = child.stderr.take().map(drain);
    let (code, timed_out) = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break (status.code(), false);
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let join = |h: Option<std::thread::JoinHandle<String>>| h.map(|h| h.join().unwrap()).unwrap_or_default();
    Outcome { code, timed_out, stdout: join(out), stderr: join(err), elapsed: started.elapsed() }
}

/// Runs the binary with `args`, capturing both streams.
pub fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Outcome {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(AsRef::as_ref).collect();
    let started = Instant::now();
    let child = command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    wait(child, started)
}

/// The exit-code contract: no hang, no crash (101 panic, 134 abort, a signal), a code in `allowed`,
/// output free of raw control characters, and for exit 2 a one-line message (`error: ...`) or a clap
/// usage error (`error: ...` with a pointer to `--help`). Returns the code.
pub fn check_contract(what: &str, o: &Outcome, allowed: &[i32]) -> i32 {
    assert!(!o.timed_out, "{what}: hang (killed after {TIMEOUT:?}); {}", o.text());
    let code = o.code.unwrap_or_else(|| panic!("{what}: killed by a signal; {}", o.text()));
    assert!(code != 101 && code != 134, "{what}: crashed; {}", o.text());
    assert!(allowed.contains(&code), "{what}: exit {code}, expected one of {allowed:?}; {}", o.text());
    for (name, s) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        let raw = s.chars().find(|c| c.is_control() && *c != '\n');
        assert!(raw.is_none(), "{what}: raw control character {raw:?} on {name}; {}", o.text());
    }
    if code == 2 {
        let usage = o.stderr.starts_with("error: ") && o.stderr.contains("try '--help'");
        let lines = o.stderr.lines().filter(|l| l.starts_with("error: ")).count();
        assert!(
            usage || (lines == 1 && o.stderr.lines().count() == 1),
            "{what}: exit 2 needs one error line; {}",
            o.text()
        );
        assert!(o.stderr.chars().count() < 1200 || usage, "{what}: message too long; {}", o.text());
    }
    code
}

/// Outputs of our fast f32 implementation (erf where the helper has variants): a passing outputs file.
pub fn correct_outputs(file: &GoldenFile) -> Value {
    let mut outputs = serde_json::Map::new();
    for case in &file.cases {
        let got = eval_fast::<f32>(&case_inputs(file.function, case).unwrap(), Cdf::Erf);
        let tensor = matches!(case.expected.values().next().map(|e| &e.value), Some(Values::Rows(_)));
        let value =
            if tensor { Value::Array(got.iter().map(|&v| encode(v)).collect()) } else { encode(got[0]) };
        outputs.insert(case.id.clone(), value);
    }
    json!({"implementation": "ddpm-golden fast f32", "precision": "f32", "variant": "erf", "outputs": outputs})
}

/// Recomputes `provenance.case_count` and `provenance.inputs_sha256` of a golden file held as JSON,
/// from the definition in docs/golden-format.md (SHA-256 of the lines `json([id, inputs]) + "\n"`), so
/// that a mutated file reaches the checks behind them. Leaves values it cannot read untouched.
pub fn reseal(golden: &mut Value) {
    let Some(cases) = golden.get("cases").and_then(Value::as_array) else { return };
    let mut hasher = Sha256::new();
    for c in cases {
        let line = serde_json::to_string(&json!([c.get("id"), c.get("inputs")])).unwrap();
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
    }
    let sum: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let count = cases.len();
    if let Some(p) = golden.get_mut("provenance").and_then(Value::as_object_mut) {
        p.insert("case_count".into(), json!(count));
        p.insert("inputs_sha256".into(), json!(sum));
    }
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The committed golden file of `function`, parsed, and as JSON.
pub fn load(function: Function) -> (GoldenFile, Value) {
    let text = std::fs::read_to_string(golden_path(function)).unwrap();
    (serde_json::from_str(&text).unwrap(), serde_json::from_str(&text).unwrap())
}

/// Makes a FIFO at `path` (no writer ever opens it).
pub fn fifo(path: &Path) -> PathBuf {
    let _ = std::fs::remove_file(path);
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
    path.to_path_buf()
}
