//! Names the Git commit smsdoc is built from, for `smsdoc --version`.
//!
//! In order: `SMSDOC_BUILD_COMMIT` (for packagers), the HEAD of the Git
//! repository the sources are in (uncommitted edits are not marked: the
//! script reruns only when HEAD moves), the `.cargo_vcs_info.json` that
//! `cargo package` writes into a crates.io package (which has no `.git`),
//! else `unknown`. Never fails the build.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SMSDOC_BUILD_COMMIT");
    let commit = std::env::var("SMSDOC_BUILD_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.trim().to_string())
        .or_else(from_git)
        .or_else(from_package)
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=SMSDOC_COMMIT={commit}");
    watch_head();
}

/// Rerun when HEAD moves: HEAD itself, the branch file it points to and
/// packed-refs. Also from a packaged copy inside a checkout (`cargo
/// package` verifies in `target/package/`, sharing the build script's
/// output with the checkout's own build): without these lines there, the
/// checkout's next build would keep that commit after HEAD moved.
fn watch_head() {
    let Ok(manifest) = std::env::var("CARGO_MANIFEST_DIR") else {
        return;
    };
    let Some(git_dir) = git(&["-C", &manifest, "rev-parse", "--absolute-git-dir"]) else {
        return;
    };
    let git_dir = Path::new(&git_dir);
    let mut watch = vec![git_dir.join("HEAD")];
    // A linked worktree keeps its HEAD apart but branches in the common dir.
    let common = git(&[
        "-C",
        &manifest,
        "rev-parse",
        "--path-format=absolute",
        "--git-common-dir",
    ]);
    let common = common.as_deref().map_or(git_dir, Path::new);
    watch.push(common.join("packed-refs"));
    if let Some(branch) = git(&["-C", &manifest, "symbolic-ref", "-q", "HEAD"]) {
        watch.push(common.join(branch));
    }
    for p in watch.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", p.display());
    }
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn from_git() -> Option<String> {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    // Only a repository whose top is this crate: an unpacked crate inside
    // some other repository (a vendored dependency) must not name its commit.
    let top = git(&["-C", &manifest, "rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != Path::new(&manifest).canonicalize().ok()? {
        return None;
    }
    let id = git(&["-C", &manifest, "rev-parse", "--short=12", "HEAD"])?;
    Some(id)
}

/// `cargo package` records the commit it packaged in `.cargo_vcs_info.json`.
fn from_package() -> Option<String> {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let text = std::fs::read_to_string(Path::new(&manifest).join(".cargo_vcs_info.json")).ok()?;
    let at = text.find("\"sha1\"")?;
    let rest = &text[at + 6..];
    let start = rest.find('"')? + 1;
    let sha: String = rest[start..].chars().take_while(char::is_ascii_hexdigit).collect();
    (sha.len() >= 12).then(|| sha[..12].to_string())
}
