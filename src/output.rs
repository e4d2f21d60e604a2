//! Writing the site to disk without ever leaving a half-written site.
//!
//! Files go to a staging directory next to the output directory; only when
//! every file is written is the staging directory swapped in. A build that
//! fails or is killed leaves the previous site as it was; leftovers of a
//! killed build are cleaned up (or, if the swap itself was interrupted,
//! the previous site restored) at the start of the next build.

use crate::diagnostics::{Code, Diagnostic};
use crate::pages::{FileData, SiteFile};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

const STAGING: &str = "smsdoc-staging";
const OLD: &str = "smsdoc-old";

fn sibling(out: &Path, kind: &str, tag: &str) -> PathBuf {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
    out.with_file_name(format!(".{name}.{kind}-{tag}"))
}

/// Removes leftovers of interrupted builds; restores the previous site if a
/// build was killed between moving it aside and moving the new one in.
pub fn recover(out: &Path) {
    let Some(parent) = out.parent() else { return };
    let Some(name) = out.file_name().map(|n| n.to_string_lossy().into_owned()) else { return };
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let mut olds = Vec::new();
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(&format!(".{name}.{STAGING}-")) {
            let _ = std::fs::remove_dir_all(e.path());
        } else if n.starts_with(&format!(".{name}.{OLD}-")) {
            olds.push(e.path());
        }
    }
    for old in olds {
        if !out.exists() {
            let _ = std::fs::rename(&old, out);
        } else {
            let _ = std::fs::remove_dir_all(&old);
        }
    }
}

pub fn write_site(out: &Path, files: &[SiteFile]) -> Result<(), Diagnostic> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        Diagnostic::error(Code::Io, format!("{what} {}: {e}", p.display()))
            .help("check that the output directory's parent exists and is writable; the previous site is unchanged")
    };
    if let Some(parent) = out.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|e| io("cannot create", parent, e))?;
        }
    }
    recover(out);
    let tag = std::process::id().to_string();
    let staging = sibling(out, STAGING, &tag);
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| io("cannot create", &staging, e))?;
    let result = (|| {
        let dirs: BTreeSet<PathBuf> = files
            .iter()
            .filter_map(|f| Path::new(&f.path).parent().map(|p| staging.join(p)))
            .collect();
        for d in &dirs {
            std::fs::create_dir_all(d).map_err(|e| io("cannot create", d, e))?;
        }
        files.par_iter().try_for_each(|f| {
            let dest = staging.join(&f.path);
            match &f.data {
                FileData::Bytes(b) => {
                    let mut file = std::fs::File::create(&dest).map_err(|e| io("cannot write", &dest, e))?;
                    file.write_all(b).map_err(|e| io("cannot write", &dest, e))
                }
                FileData::Copy(src) => std::fs::copy(src, &dest).map(|_| ()).map_err(|e| io("cannot copy", src, e)),
            }
        })
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    swap_in(&staging, out, &tag).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staging);
        io("cannot replace", out, e)
    })
}

/// Moves `staging` to `out`, replacing any previous site.
fn swap_in(staging: &Path, out: &Path, tag: &str) -> std::io::Result<()> {
    if !out.exists() {
        return std::fs::rename(staging, out);
    }
    if !out.is_dir() {
        return Err(std::io::Error::other("the output path exists and is not a directory"));
    }
    #[cfg(target_os = "linux")]
    {
        // One atomic step: readers see the old or the new site, never none.
        if exchange(staging, out).is_ok() {
            return std::fs::remove_dir_all(staging);
        }
    }
    let old = sibling(out, OLD, tag);
    std::fs::rename(out, &old)?;
    if let Err(e) = std::fs::rename(staging, out) {
        let _ = std::fs::rename(&old, out);
        return Err(e);
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    let cb = CString::new(b.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    // SAFETY: both pointers are valid NUL-terminated strings for the call.
    let r = unsafe { libc::renameat2(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), libc::RENAME_EXCHANGE) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
