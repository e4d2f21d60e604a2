//! Document control from Git: which commits changed each file of the
//! handbook (renames followed), the text of a file at any of them, and the
//! build identity (commit, date, whether the work tree differs). Read with
//! gitoxide (`gix`, pure Rust); nothing here runs the `git` program.
//!
//! History is the first-parent-free walk `git log` does: every commit
//! reachable from HEAD, newest first, each non-merge commit compared with
//! its parent (a merge brings no change of its own unless it resolves one,
//! which is then seen in the commits it merges). In a shallow clone the
//! oldest commits are missing: the boundary commit is not taken to have
//! created every file, and [`History::shallow`] says so.

use gix::bstr::ByteSlice;
use jiff::civil::Date;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One commit as the site shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Commit {
    /// Abbreviated id (7 hex digits).
    pub id: String,
    /// Author date, in the author's own time zone.
    pub date: Date,
    /// Author name (invalid UTF-8 replaced).
    pub author: String,
    /// First line of the message.
    pub subject: String,
}

/// A commit that changed a file.
#[derive(Debug, Clone)]
pub struct Change {
    /// Index into [`History::commits`].
    pub commit: usize,
    /// Repository path of the file in that commit (before a later rename).
    pub path: String,
    /// The file's content after the commit; `None` when it deleted it.
    pub blob: Option<gix::ObjectId>,
}

/// Which revision a build shows.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Identity {
    /// Abbreviated id of HEAD.
    pub commit: String,
    /// HEAD's commit date (`YYYY-MM-DD`).
    pub date: String,
    /// A file of the handbook differs from HEAD (edited, added or deleted
    /// and not committed).
    pub modified: bool,
    /// The clone has no full history (e.g. CI's default depth of 1).
    pub shallow: bool,
}

/// The Git history of a handbook.
pub struct History {
    repo: gix::ThreadSafeRepository,
    /// Newest first.
    pub commits: Vec<Commit>,
    /// Changes by path relative to the handbook root (`docs/x.md`), newest
    /// first, following renames.
    changes: HashMap<String, Vec<Change>>,
    /// The handbook root relative to the repository's work tree (`""` or
    /// `handbook/`).
    prefix: String,
    pub head: Option<gix::ObjectId>,
    pub head_commit: Option<Commit>,
    /// The oldest commits are missing (a shallow clone).
    pub shallow: bool,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History")
            .field("commits", &self.commits.len())
            .field("files", &self.changes.len())
            .field("shallow", &self.shallow)
            .finish()
    }
}

/// Why history could not be read (the site is built without it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

fn err(what: &str, e: impl std::fmt::Display) -> Unreadable {
    Unreadable(format!("{what}: {e}"))
}

impl History {
    /// The history of the repository holding `root`. `Ok(None)` when `root`
    /// is in no Git repository, or the repository has no commit yet.
    pub fn load(root: &Path) -> Result<Option<History>, Unreadable> {
        let repo = match gix::discover(root) {
            Ok(r) => r,
            Err(_) => return Ok(None),
        };
        let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
            return Ok(None); // a bare repository: nothing is checked out
        };
        let prefix = relative_prefix(&workdir, root);
        let head = match repo.head_id() {
            Ok(id) => id.detach(),
            Err(_) => return Ok(None), // unborn: no commit yet
        };
        let shallow = repo.is_shallow().unwrap_or(false);
        let mut history = History {
            repo: repo.clone().into_sync(),
            commits: Vec::new(),
            changes: HashMap::new(),
            prefix,
            head: Some(head),
            head_commit: None,
            shallow,
        };
        history.walk(&repo, head)?;
        // HEAD itself, whether or not it touched the handbook.
        history.head_commit = repo.find_commit(head).ok().map(|c| describe(&c, head));
        Ok(Some(history))
    }

    fn walk(&mut self, repo: &gix::Repository, head: gix::ObjectId) -> Result<(), Unreadable> {
        use gix::revision::walk::Sorting;
        use gix::traverse::commit::simple::CommitTimeOrder;
        use rayon::prelude::*;
        let walk = repo
            .rev_walk([head])
            .sorting(Sorting::ByCommitTime(CommitTimeOrder::NewestFirst))
            .all()
            .map_err(|e| err("cannot walk the history", e))?;
        // The commits whose changes count, newest first, with their parent.
        let mut pairs: Vec<(gix::ObjectId, Option<gix::ObjectId>)> = Vec::new();
        for info in walk {
            let info = info.map_err(|e| err("cannot read a commit", e))?;
            // A merge's changes are those of the commits it brings in.
            if info.parent_ids.len() > 1 {
                continue;
            }
            if info.parent_ids.is_empty() {
                // A shallow boundary: its parents exist but are not here,
                // so what it changed is unknown (it did not create every file).
                let commit = repo.find_commit(info.id).map_err(|e| err("cannot read a commit", e))?;
                if commit.parent_ids().count() > 0 {
                    self.shallow = true;
                    continue;
                }
            }
            pairs.push((info.id, info.parent_ids.first().copied()));
        }
        // What each commit changed never changes: earlier runs' results
        // are kept in the repository (see `DiffCache`), only new commits
        // are diffed.
        let mut cached = DiffCache::read(repo);
        let mut todo: Vec<(gix::ObjectId, Option<gix::ObjectId>)> =
            pairs.iter().filter(|(id, _)| !cached.has(id)).copied().collect();
        // Walk in the direction the packs' delta chains run, so that each
        // tree's delta base is the tree decoded just before it (in the pack
        // cache below) instead of a chain of up to 50 deltas resolved again
        // for every commit: a cold `check` of 2,000 commits over 10,000 files
        // went from 2.3–2.9 s to 1.5–1.8 s, whichever way it was packed
        // (BENCHMARKS.md).
        if !newer_trees_are_bases(repo, &todo) {
            todo.reverse();
        }
        // What each commit changed: tree diffs are independent of each
        // other and most of the work (decoding large trees through long
        // delta chains), so they run in parallel, one repository handle
        // (with its own caches) per thread.
        // Neighbouring commits share trees (a commit's parent tree is the
        // next commit's tree) through a handle's object cache: each handle
        // takes runs of at least 32 commits.
        let shared = self.repo.clone();
        let computed: Vec<Result<Vec<Touched>, Unreadable>> = todo
            .par_iter()
            .with_min_len(32)
            .map_init(
                || {
                    let mut r = shared.to_thread_local();
                    // Without a cache, large folders' trees are decompressed
                    // (and their deltas resolved) twice per commit.
                    r.object_cache_size_if_unset(64 * 1024 * 1024);
                    r.objects
                        .set_pack_cache(|| Box::new(gix::odb::pack::cache::lru::StaticLinkedList::<64>::default()));
                    let cache = r.diff_resource_cache_for_tree_diff();
                    (r, cache, gix::diff::tree::State::default())
                },
                |(r, cache, state), &(id, parent)| {
                    let cache = cache.as_mut().map_err(|e| err("cannot prepare diffs", e))?;
                    changed_files(r, cache, state, id, parent)
                },
            )
            .collect();
        for (&(id, _), touched) in todo.iter().zip(computed) {
            cached.insert(id, touched?);
        }
        cached.write(repo);
        // Renames are followed from the newest commit back, in order.
        let mut now_called: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
        for &(id, _) in &pairs {
            let touched = cached.changes_of(&id);
            if touched.is_empty() {
                continue;
            }
            let index = self.commits.len();
            let mut relevant = false;
            for (path, renamed_from, blob) in touched {
                let current = now_called.get(&path).cloned().unwrap_or_else(|| path.clone());
                let Some(rel) = current
                    .to_str()
                    .ok()
                    .and_then(|p| p.strip_prefix(self.prefix.as_str()))
                    .map(str::to_string)
                else {
                    continue;
                };
                relevant = true;
                self.changes.entry(rel).or_default().push(Change {
                    commit: index,
                    path: path.to_str_lossy().into_owned(),
                    blob,
                });
                if let Some(old) = renamed_from {
                    now_called.insert(old, current);
                }
            }
            if relevant {
                let commit = repo.find_commit(id).map_err(|e| err("cannot read a commit", e))?;
                self.commits.push(describe(&commit, id));
            }
        }
        Ok(())
    }

    /// The commits that changed `file` (relative to the handbook root),
    /// newest first.
    pub fn changes(&self, file: &Path) -> &[Change] {
        self.changes
            .get(&crate::diagnostics::slash_path(file))
            .map_or(&[], Vec::as_slice)
    }

    /// The text of a file version (`None` when unreadable or not UTF-8).
    pub fn text(&self, blob: gix::ObjectId) -> Option<String> {
        let repo = self.repo.to_thread_local();
        let blob = repo.find_blob(blob).ok()?;
        let mut t = String::from_utf8(blob.data.clone()).ok()?;
        if t.starts_with('\u{feff}') {
            t.drain(..3);
        }
        Some(t)
    }

    /// Which revision a build of these files shows: `files` are the
    /// handbook's source files (absolute); a file that is not in HEAD, or
    /// differs from it, marks the work tree modified, and so does a file
    /// of HEAD's content folder that is gone.
    pub fn identity(&self, root: &Path, content_dir: &Path, files: &[PathBuf]) -> Identity {
        let Some(head) = &self.head_commit else {
            return Identity::default();
        };
        Identity {
            commit: head.id.clone(),
            date: head.date.to_string(),
            modified: self.modified(root, content_dir, files),
            shallow: self.shallow,
        }
    }

    fn modified(&self, root: &Path, content_dir: &Path, files: &[PathBuf]) -> bool {
        let repo = self.repo.to_thread_local();
        let Some(tree) = self.head.and_then(|h| repo.find_commit(h).ok()?.tree().ok()) else {
            return true;
        };
        let mut in_head: HashMap<String, gix::ObjectId> = HashMap::new();
        let mut rec = gix::traverse::tree::Recorder::default();
        if tree.traverse().breadthfirst(&mut rec).is_err() {
            return true;
        }
        for e in rec.records {
            if e.mode.is_blob() {
                if let Ok(p) = e.filepath.to_str() {
                    if let Some(rel) = p.strip_prefix(self.prefix.as_str()) {
                        in_head.insert(rel.to_string(), e.oid);
                    }
                }
            }
        }
        let content_rel = crate::diagnostics::slash_path(content_dir.strip_prefix(root).unwrap_or(content_dir));
        let hash = repo.object_hash();
        // Reading and hashing every file is the work here: in parallel.
        use rayon::prelude::*;
        let differs = files.par_iter().any(|f| {
            let rel = crate::diagnostics::slash_path(f.strip_prefix(root).unwrap_or(f));
            let Ok(bytes) = std::fs::read(f) else {
                return true;
            };
            let Ok(id) = gix::objs::compute_hash(hash, gix::objs::Kind::Blob, &bytes) else {
                return true;
            };
            in_head.get(&rel) != Some(&id)
        });
        if differs {
            return true;
        }
        // Every file matches HEAD; a file of HEAD's content folder that the
        // work tree lacks still makes it differ.
        let content_prefix = format!("{content_rel}/");
        let in_content = in_head.keys().filter(|k| k.starts_with(&content_prefix)).count();
        in_content > files.iter().filter(|f| f.starts_with(content_dir)).count()
    }
}

/// A file a commit changed: its path, the path it was renamed from, and
/// its content after the commit (`None`: deleted).
type Touched = (Vec<u8>, Option<Vec<u8>>, Option<gix::ObjectId>);

/// What each commit changed, kept between runs in the repository's
/// `smsdoc-history-cache` (beside `HEAD`, in the common Git directory so
/// worktrees share it). A commit's changes against its first parent never
/// change, so entries are only added; the file is a cache: unreadable or
/// from another format version, it is ignored, and it is written only when
/// something was added (never fails a build). One JSON line per commit:
/// `["<commit id>", [["path", "renamed from" or null, "blob id" or null], …]]`.
struct DiffCache {
    entries: HashMap<gix::ObjectId, Vec<Touched>>,
    added: bool,
}

const DIFF_CACHE_FILE: &str = "smsdoc-history-cache";
/// Bumped when what a diff records changes (rename settings, fields).
const DIFF_CACHE_VERSION: &str = "smsdoc-history-cache v1";

type CachedChange = (String, Option<String>, Option<String>);

impl DiffCache {
    fn path(repo: &gix::Repository) -> PathBuf {
        repo.common_dir().join(DIFF_CACHE_FILE)
    }

    fn read(repo: &gix::Repository) -> DiffCache {
        let mut entries = HashMap::new();
        if let Ok(text) = std::fs::read_to_string(Self::path(repo)) {
            let mut lines = text.lines();
            if lines.next() == Some(DIFF_CACHE_VERSION) {
                for line in lines {
                    let Ok((id, changes)) = serde_json::from_str::<(String, Vec<CachedChange>)>(line) else {
                        continue;
                    };
                    let Ok(id) = gix::ObjectId::from_hex(id.as_bytes()) else {
                        continue;
                    };
                    let blob = |b: Option<String>| b.and_then(|b| gix::ObjectId::from_hex(b.as_bytes()).ok());
                    let touched = changes
                        .into_iter()
                        .map(|(path, from, b)| (path.into_bytes(), from.map(String::into_bytes), blob(b)))
                        .collect();
                    entries.insert(id, touched);
                }
            }
        }
        DiffCache { entries, added: false }
    }

    fn has(&self, id: &gix::ObjectId) -> bool {
        self.entries.contains_key(id)
    }

    fn insert(&mut self, id: gix::ObjectId, touched: Vec<Touched>) {
        self.entries.insert(id, touched);
        self.added = true;
    }

    fn changes_of(&self, id: &gix::ObjectId) -> Vec<Touched> {
        self.entries.get(id).cloned().unwrap_or_default()
    }

    /// Writes the cache (through a temporary file) when entries were
    /// added. Paths that are not UTF-8 are not kept: such commits are
    /// diffed again next time.
    fn write(&self, repo: &gix::Repository) {
        if !self.added {
            return;
        }
        let mut out = String::from(DIFF_CACHE_VERSION);
        out.push('\n');
        for (id, touched) in &self.entries {
            let changes: Option<Vec<CachedChange>> = touched
                .iter()
                .map(|(path, from, blob)| {
                    let path = String::from_utf8(path.clone()).ok()?;
                    let from = match from {
                        Some(f) => Some(String::from_utf8(f.clone()).ok()?),
                        None => None,
                    };
                    Some((path, from, blob.map(|b| b.to_hex().to_string())))
                })
                .collect();
            let Some(changes) = changes else { continue };
            if let Ok(line) = serde_json::to_string(&(id.to_hex().to_string(), changes)) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        let path = Self::path(repo);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, out)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .is_err()
        {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// Whether the packs store older trees as deltas of newer ones (`git gc`,
/// `git repack`, what a clone receives) rather than newer ones as deltas of
/// older ones (`git fast-import` and the converters built on it). Judged
/// from up to 32 neighbouring commits' trees (the root and its folders):
/// along a chain, the number of deltas to resolve grows away from its base.
fn newer_trees_are_bases(repo: &gix::Repository, commits: &[(gix::ObjectId, Option<gix::ObjectId>)]) -> bool {
    let deltas = |id: gix::ObjectId| repo.find_header(id).ok().and_then(|h| h.num_deltas()).unwrap_or(0);
    let depths: Vec<u32> = commits
        .iter()
        .take(33)
        .filter_map(|(id, _)| {
            let tree = repo.find_commit(*id).ok()?.tree().ok()?;
            let folders: u32 = tree
                .decode()
                .ok()?
                .entries
                .iter()
                .filter(|e| e.mode.is_tree())
                .map(|e| deltas(e.oid.to_owned()))
                .sum();
            Some(deltas(tree.id) + folders)
        })
        .collect();
    // `commits` is newest first: pairs of (newer, older).
    let (mut newer_deeper, mut older_deeper) = (0, 0);
    for pair in depths.windows(2) {
        match pair[0].cmp(&pair[1]) {
            std::cmp::Ordering::Greater => newer_deeper += 1,
            std::cmp::Ordering::Less => older_deeper += 1,
            std::cmp::Ordering::Equal => {}
        }
    }
    newer_deeper <= older_deeper
}

/// The files commit `id` changed against `parent` (none: the empty tree),
/// renames detected.
fn changed_files(
    repo: &gix::Repository,
    cache: &mut gix::diff::blob::Platform,
    state: &mut gix::diff::tree::State,
    id: gix::ObjectId,
    parent: Option<gix::ObjectId>,
) -> Result<Vec<Touched>, Unreadable> {
    let tree_of = |c: gix::ObjectId| {
        repo.find_commit(c)
            .and_then(|c| c.tree())
            .map_err(|e| err("cannot read a tree", e))
    };
    let tree = tree_of(id)?;
    let parent_tree = match parent {
        Some(p) => tree_of(p)?,
        None => repo.empty_tree(),
    };
    let options = gix::diff::tree_with_rewrites::Options {
        location: Some(gix::diff::tree::recorder::Location::Path),
        rewrites: Some(gix::diff::Rewrites::default()),
    };
    let mut touched: Vec<Touched> = Vec::new();
    gix::diff::tree_with_rewrites(
        gix::objs::TreeRefIter::from_bytes(&parent_tree.data, parent_tree.id.kind()),
        gix::objs::TreeRefIter::from_bytes(&tree.data, tree.id.kind()),
        cache,
        state,
        &repo.objects,
        |change| {
            use gix::diff::tree_with_rewrites::ChangeRef;
            match change {
                ChangeRef::Addition {
                    location,
                    entry_mode,
                    id,
                    ..
                }
                | ChangeRef::Modification {
                    location,
                    entry_mode,
                    id,
                    ..
                } if entry_mode.is_blob() => touched.push((location.to_vec(), None, Some(id.to_owned()))),
                ChangeRef::Deletion {
                    location, entry_mode, ..
                } if entry_mode.is_blob() => touched.push((location.to_vec(), None, None)),
                ChangeRef::Rewrite {
                    source_location,
                    location,
                    entry_mode,
                    id,
                    copy: false,
                    ..
                } if entry_mode.is_blob() => {
                    touched.push((location.to_vec(), Some(source_location.to_vec()), Some(id.to_owned())))
                }
                _ => {}
            }
            Ok(std::ops::ControlFlow::Continue(()))
        },
        options,
    )
    .map_err(|e| err("cannot compare trees", e))?;
    cache.clear_resource_cache_keep_allocation();
    Ok(touched)
}

/// The Git directory of the repository holding `root`, when there is one
/// (the preview server watches its `HEAD` and `refs` to reload history
/// after a commit).
pub fn git_dir(root: &Path) -> Option<PathBuf> {
    let repo = gix::discover(root).ok()?;
    repo.workdir()?;
    Some(repo.git_dir().to_path_buf())
}

/// Whether `path` (in `git_dir`) moves HEAD or a branch: a commit,
/// checkout, reset or pull.
pub fn moves_head(git_dir: &Path, path: &Path) -> bool {
    path == git_dir.join("HEAD") || path == git_dir.join("packed-refs") || path.starts_with(git_dir.join("refs"))
}

/// `root` relative to `workdir`, with a trailing `/` (or `""`).
pub fn relative_prefix(workdir: &Path, root: &Path) -> String {
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let (w, r) = (canon(workdir), canon(root));
    match r.strip_prefix(&w) {
        Ok(rel) if !rel.as_os_str().is_empty() => format!("{}/", crate::diagnostics::slash_path(rel)),
        _ => String::new(),
    }
}

fn describe(commit: &gix::Commit<'_>, id: gix::ObjectId) -> Commit {
    let (author, date) = match commit.author() {
        Ok(sig) => {
            let date = sig
                .time()
                .ok()
                .and_then(|t| civil_date(t.seconds, t.offset))
                .unwrap_or_default();
            (sig.name.to_str_lossy().trim().to_string(), date)
        }
        Err(_) => (String::new(), Date::default()),
    };
    let subject = commit
        .message_raw_sloppy()
        .lines()
        .next()
        .map(|l| l.to_str_lossy().trim().to_string())
        .unwrap_or_default();
    let hex = id.to_hex().to_string();
    Commit {
        id: hex.chars().take(7).collect(),
        date,
        author,
        subject,
    }
}

/// The calendar date of a Git timestamp in its own time zone.
fn civil_date(seconds: i64, offset: i32) -> Option<Date> {
    let ts = jiff::Timestamp::from_second(seconds).ok()?;
    let tz = jiff::tz::TimeZone::fixed(jiff::tz::Offset::from_seconds(offset).ok()?);
    Some(ts.to_zoned(tz).date())
}
