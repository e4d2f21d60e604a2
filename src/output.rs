//! Writing the site to disk without ever leaving a half-written site.
//!
//! Files go to a staging directory next to the output directory; only when
//! every file is written is the staging directory swapped in. A build that
//! fails or is killed leaves the previous site as it was; leftovers of a
//! killed build are cleaned up (or, if the swap itself was interrupted,
//! the previous site restored) at the start of the next build.

use crate::diagnostics::{Code, Diagnostic};
use crate::layout::{FileData, Sink, SiteFile, SITE_MARKERS};
use rayon::prelude::*;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const STAGING: &str = "smsdoc-staging";
const OLD: &str = "smsdoc-old";

fn sibling(out: &Path, kind: &str, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    out.with_file_name(format!(".{name}.{kind}-{tag}"))
}

/// Removes leftovers of interrupted builds; restores the previous site if a
/// build was killed between moving it aside and moving the new one in.
pub fn recover(out: &Path) {
    let Some(parent) = out.parent() else { return };
    let Some(name) = out.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
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

fn io_error(what: &str, p: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::Io, format!("{what} {}: {e}", p.display()))
        .help("check that the output directory's parent exists and is writable; the previous site is unchanged")
}

/// A build replaces the whole output directory. Refuses to do that to an
/// existing folder with other content (`--out ~/Documents` by mistake):
/// only an empty folder or a site smsdoc built before may be replaced.
pub fn check_replaceable(out: &Path) -> Result<(), Diagnostic> {
    let Ok(mut entries) = std::fs::read_dir(out) else {
        return Ok(()); // missing (or not a folder: the swap reports that)
    };
    if entries.next().is_none() || SITE_MARKERS.iter().any(|m| out.join(m.path()).is_file()) {
        return Ok(());
    }
    Err(Diagnostic::error(
        Code::Config,
        format!(
            "output directory {} already exists and is not a site smsdoc built; building would replace everything in it",
            out.display()
        ),
    )
    .help("choose another --out or output_dir, or delete or empty the folder if nothing in it is needed"))
}

/// A build in progress: files are written into a staging directory next to
/// the output directory; `commit` swaps it in. Dropped without `commit`
/// (an error, a panic), the staging directory is removed and the previous
/// site is untouched.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    tag: String,
    made_dirs: Mutex<HashSet<PathBuf>>,
    committed: bool,
}

impl Staging {
    pub fn new(out: &Path) -> Result<Staging, Diagnostic> {
        if let Some(parent) = out.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| io_error("cannot create", parent, e))?;
            }
        }
        recover(out);
        check_replaceable(out)?;
        let tag = std::process::id().to_string();
        let dir = sibling(out, STAGING, &tag);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| io_error("cannot create", &dir, e))?;
        Ok(Staging {
            out: out.to_path_buf(),
            dir,
            tag,
            made_dirs: Mutex::new(HashSet::new()),
            committed: false,
        })
    }

    fn dest(&self, rel: &str) -> Result<PathBuf, Diagnostic> {
        let dest = self.dir.join(rel);
        if let Some(parent) = dest.parent() {
            // The lock is not held across the mkdir: creating the same
            // folder twice from two threads is harmless, serialising every
            // page write on one lock is not.
            let known = self
                .made_dirs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(parent);
            if !known {
                std::fs::create_dir_all(parent).map_err(|e| io_error("cannot create", parent, e))?;
                self.made_dirs
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(parent.to_path_buf());
            }
        }
        Ok(dest)
    }

    /// Swaps the staged site in place of the output directory.
    pub fn commit(mut self) -> Result<(), Diagnostic> {
        self.committed = true;
        swap_in(&self.dir, &self.out, &self.tag).map_err(|e| {
            let _ = std::fs::remove_dir_all(&self.dir);
            io_error("cannot replace", &self.out, e)
        })
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Sink for Staging {
    fn put(&self, file: SiteFile) -> Result<(), Diagnostic> {
        let dest = self.dest(&file.path)?;
        match &file.data {
            FileData::Bytes(b) => std::fs::write(&dest, b).map_err(|e| io_error("cannot write", &dest, e)),
            FileData::Copy(src) => std::fs::copy(src, &dest)
                .map(|_| ())
                .map_err(|e| io_error("cannot copy", src, e)),
        }
    }
    fn append(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let dest = self.dest(path)?;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&dest)
            .map_err(|e| io_error("cannot write", &dest, e))?;
        f.write_all(bytes).map_err(|e| io_error("cannot write", &dest, e))
    }
}

/// Writes a complete list of files as the new site.
pub fn write_site(out: &Path, files: &[SiteFile]) -> Result<(), Diagnostic> {
    let staging = Staging::new(out)?;
    files.par_iter().try_for_each(|f| staging.put(f.clone()))?;
    staging.commit()
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
            return remove_tree(staging);
        }
    }
    let old = sibling(out, OLD, tag);
    std::fs::rename(out, &old)?;
    if let Err(e) = std::fs::rename(staging, out) {
        let _ = std::fs::rename(&old, out);
        return Err(e);
    }
    let _ = remove_tree(&old);
    Ok(())
}

/// `remove_dir_all`, with the folders removed in parallel: deleting the
/// previous site (one folder per document) took a tenth of a large build,
/// on one core.
fn remove_tree(dir: &Path) -> std::io::Result<()> {
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // Not followed: a link is removed, never what it points at.
        if entry.file_type()?.is_dir() {
            folders.push(entry.path());
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    folders.par_iter().try_for_each(|f| remove_tree(f))?;
    std::fs::remove_dir(dir)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    let cb = CString::new(b.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    // SAFETY: both pointers are valid NUL-terminated strings for the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
