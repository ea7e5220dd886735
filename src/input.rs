//! Untrusted input within documented limits: input files are read only when they are regular files of
//! at most [`MAX_INPUT_BYTES`] (a FIFO, a device or a directory is refused before it is opened for
//! reading), tensor shapes are multiplied with checked arithmetic and capped, and every value echoed in a
//! message goes through [`echo`] (control characters escaped, long values cut).

use crate::Error;
use std::io::Read;
use std::path::Path;

/// The largest input file read (golden, outputs and shard files): 4x the 4 MiB that
/// tests/golden.rs allows a committed golden file.
pub const MAX_INPUT_BYTES: u64 = 16 << 20;

/// The most elements of one tensor input (a `mean_flat` case, an `eval --data`): 5x the largest
/// golden tensor (4x3x256x256 = 786 432 values).
pub const MAX_TENSOR_ELEMENTS: usize = 1 << 22;

/// The most tensor elements of one golden file over all its cases (`export` writes them all).
pub const MAX_FILE_ELEMENTS: usize = 1 << 23;

/// The most characters of one value echoed in a message; longer values are cut with an ellipsis and
/// their full length.
pub const ECHO_CHARS: usize = 80;

/// `value` fit for a one-line message: control characters escaped (`\n`, `\u{1b}`), cut after
/// [`ECHO_CHARS`] characters with "…" and the full length.
pub fn echo(value: &str) -> String {
    echo_within(value, ECHO_CHARS)
}

/// [`echo`] with another limit (a table column, a whole message).
pub fn echo_within(value: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == max_chars {
            return format!("{out}… ({} chars)", value.chars().count());
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The number of elements of a tensor of `shape`, or why the shape cannot be used: no axes, an empty
/// axis (no value to judge), or more than [`MAX_TENSOR_ELEMENTS`] (checked, never wrapping).
pub fn tensor_len(shape: &[usize]) -> Result<usize, String> {
    if shape.is_empty() {
        return Err("is empty; a tensor needs a batch axis, shape [B, ...]".into());
    }
    if shape.contains(&0) {
        return Err(format!("{shape:?} has an axis of length 0, so there is no value to judge"));
    }
    shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).filter(|&n| n <= MAX_TENSOR_ELEMENTS).ok_or_else(
        || {
            format!(
                "{} holds more than {MAX_TENSOR_ELEMENTS} elements (the limit)",
                echo(&format!("{shape:?}"))
            )
        },
    )
}

/// A path as named in messages (control characters escaped; paths are bounded by the OS).
pub fn path_name(path: &Path) -> String {
    echo_within(&path.display().to_string(), usize::MAX)
}

/// What kind of non-regular file `t` is, for the refusal message.
fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_char_device() {
            return "character device";
        }
        if t.is_block_device() {
            return "block device";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    if t.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

fn refuse_special(file: &str, meta: &std::fs::Metadata) -> Result<(), Error> {
    if !meta.is_file() {
        return Err(Error::NotRegularFile { file: file.into(), kind: kind_of(meta.file_type()) });
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(Error::TooLarge { file: file.into(), size: meta.len(), limit: MAX_INPUT_BYTES });
    }
    Ok(())
}

/// Reads the text of an input file: refused unless it is a regular file of at most
/// [`MAX_INPUT_BYTES`] holding UTF-8. The type is checked on the path before opening (opening a FIFO
/// for reading would wait for a writer) and again on the opened handle, which is opened non-blocking
/// in case the path was swapped in between; the read itself stops past the limit (files such as those
/// in /proc report no size).
pub fn read_input(path: &Path) -> Result<String, Error> {
    let file = path_name(path);
    let io = |e: std::io::Error| Error::Read { file: file.clone(), reason: e.to_string() };
    refuse_special(&file, &std::fs::metadata(path).map_err(io)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let handle = options.open(path).map_err(io)?;
    refuse_special(&file, &handle.metadata().map_err(io)?)?;
    let mut bytes = Vec::new();
    handle.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Error::TooLarge { file, size: bytes.len() as u64, limit: MAX_INPUT_BYTES });
    }
    String::from_utf8(bytes).map_err(|e| Error::Read {
        file: file.clone(),
        reason: format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_escapes_control_characters_and_cuts_by_characters() {
        assert_eq!(echo("a\nb\u{1b}[2J"), "a\\nb\\u{1b}[2J");
        let long = "é".repeat(100);
        let shown = echo(&long);
        assert_eq!(shown, format!("{}… (100 chars)", "é".repeat(80)));
        assert_eq!(echo_within("abcdef", 3), "abc… (6 chars)");
        assert_eq!(echo("plain"), "plain");
    }

    #[test]
    fn tensor_len_checks_overflow_zero_axes_and_the_cap() {
        assert_eq!(tensor_len(&[4, 3, 256, 256]), Ok(786_432));
        assert!(tensor_len(&[]).is_err());
        assert!(tensor_len(&[2, 0]).unwrap_err().contains("length 0"));
        assert!(tensor_len(&[usize::MAX, 2]).unwrap_err().contains("limit"));
        assert!(tensor_len(&[MAX_TENSOR_ELEMENTS + 1]).is_err());
        assert_eq!(tensor_len(&[MAX_TENSOR_ELEMENTS]), Ok(MAX_TENSOR_ELEMENTS));
    }
}
