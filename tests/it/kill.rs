//! Issue 10, reliability: no lost output. A build killed with SIGKILL at a
//! random moment leaves the output directory exactly as the previous build
//! left it, or exactly as the new build makes it, never a mix; the next run
//! cleans up what the killed one left behind.
//!
//! Set `SMSDOC_KILL_SEED` to replay a run (the seed is printed).

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TODAY: &str = "2026-06-01";
const DOCS: usize = 300;
const TRIALS: usize = 10;

/// Path → (size, hash) of every file under `dir`; `None` if it is missing.
fn fingerprint(dir: &Path) -> Option<BTreeMap<String, (u64, u64)>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, (u64, u64)>) {
        for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
            let p = entry.path();
            if entry.file_type().expect("type").is_dir() {
                walk(base, &p, out);
            } else {
                let bytes = std::fs::read(&p).expect("read");
                let mut h = DefaultHasher::new();
                bytes.hash(&mut h);
                let rel = p.strip_prefix(base).expect("prefix").to_string_lossy().into_owned();
                out.insert(rel, (bytes.len() as u64, h.finish()));
            }
        }
    }
    if !dir.exists() {
        return None;
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    Some(out)
}

fn describe_mix(
    got: &BTreeMap<String, (u64, u64)>,
    old: &BTreeMap<String, (u64, u64)>,
    new: &BTreeMap<String, (u64, u64)>,
) -> String {
    let (mut as_old, mut as_new, mut neither) = (0, 0, Vec::new());
    for (k, v) in got {
        match (old.get(k) == Some(v), new.get(k) == Some(v)) {
            (true, true) => {}
            (true, false) => as_old += 1,
            (false, true) => as_new += 1,
            (false, false) => neither.push(k.clone()),
        }
    }
    neither.truncate(5);
    format!(
        "{} files: {as_old} only in the old site, {as_new} only in the new one, unlike both: {neither:?}; missing from old: {}, from new: {}",
        got.len(),
        old.keys().filter(|k| !got.contains_key(*k)).count(),
        new.keys().filter(|k| !got.contains_key(*k)).count()
    )
}

fn smsdoc(bin: &Path, root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin);
    c.args(args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

#[track_caller]
fn build_ok(bin: &Path, root: &Path) -> Duration {
    let t = Instant::now();
    let out = smsdoc(bin, root, &["build", "--quiet", "--today", TODAY])
        .output()
        .expect("run smsdoc");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "build failed: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("internal error"),
        "{stderr}"
    );
    t.elapsed()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A handbook of `DOCS` documents; `version` changes every title and body,
/// and which documents exist.
fn write_content(root: &Path, version: u32) {
    let docs = root.join("docs");
    let _ = std::fs::remove_dir_all(&docs);
    let kinds = [
        ("policies", "policy", "POL"),
        ("procedures", "procedure", "PRO"),
        ("records", "record", "REC"),
    ];
    let clauses = [
        "4.1", "5.2", "6.1", "7.5.3", "8.1", "8.2.4", "8.5.1", "8.6.1", "8.7.1", "9.2",
    ];
    let n = DOCS + version as usize * 7; // the new version has more documents
    for i in 0..n {
        let (dir, ty, prefix) = kinds[i % kinds.len()];
        let id = format!("{prefix}-{i:04}");
        let next = (i + 1) % n;
        let (_, _, next_prefix) = kinds[next % kinds.len()];
        let mut body = format!("## Purpose\n\nVersion {version} of {id}. See [[{next_prefix}-{next:04}]].\n\n");
        for s in 0..(5 + i % 7) {
            body.push_str(&format!(
                "## Step {s}\n\nThe owner reviews step {s} with the service desk (rev {version}).\n\n- check the logs\n- update the record\n\n| Field | Value |\n|---|---|\n| step | {s} |\n\n"
            ));
        }
        if i % 10 == 0 {
            body.push_str("```yaml\nseverity: high\nescalate: true\n```\n");
        }
        let text = format!(
            "---\nid: {id}\ntitle: \"{ty} {i} (v{version})\"\ntype: {ty}\nowner: Owner {}\nstatus: approved\nclauses: [\"{}\"]\nlast_reviewed: 2026-0{}-15\n---\n{body}",
            i % 9,
            clauses[i % clauses.len()],
            1 + (i + version as usize) % 5
        );
        write(&docs.join(dir).join(format!("doc-{i:04}.md")), &text);
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for entry in std::fs::read_dir(src).expect("read dir").flatten() {
        let to = dst.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
}

/// Staging and old-site folders left next to the output.
fn leftovers(root: &Path) -> Vec<String> {
    std::fs::read_dir(root)
        .expect("read root")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public.smsdoc-"))
        .collect()
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

struct Fixture {
    _tmp: tempfile::TempDir,
    /// A private copy of the binary: others may rebuild target/ while
    /// this long test runs, and every build here must be the same program.
    bin: PathBuf,
    root: PathBuf,
    old_site: PathBuf,
    old: BTreeMap<String, (u64, u64)>,
    new: BTreeMap<String, (u64, u64)>,
    build_time: Duration,
}

/// Reference builds: the old content's site (kept aside) and the new
/// content's site; the content is left at the new version.
fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("handbook");
    let bin = tmp.path().join("smsdoc");
    std::fs::copy(env!("CARGO_BIN_EXE_smsdoc"), &bin).expect("copy the binary");
    write(&root.join("smsdoc.toml"), "title = \"Kill test\"\n");
    write_content(&root, 1);
    build_ok(&bin, &root);
    let public = root.join("public");
    let old = fingerprint(&public).expect("old site");
    let old_site = tmp.path().join("old-site");
    copy_dir(&public, &old_site);
    write_content(&root, 2);
    let build_time = build_ok(&bin, &root);
    let new = fingerprint(&public).expect("new site");
    assert_ne!(old, new, "the two versions must give different sites");
    // A second build of the same content is byte-identical: the new site is
    // a fixed point, so "exactly the new site" is well defined.
    build_ok(&bin, &root);
    assert!(
        fingerprint(&public).as_ref() == Some(&new),
        "two builds of the same content differ"
    );
    Fixture {
        _tmp: tmp,
        bin,
        root,
        old_site,
        old,
        new,
        build_time,
    }
}

impl Fixture {
    /// Puts the old site back in place as the output.
    fn restore_old(&self) {
        let public = self.root.join("public");
        let _ = std::fs::remove_dir_all(&public);
        copy_dir(&self.old_site, &public);
    }
}

#[test]
fn a_killed_build_leaves_the_old_or_the_new_site_never_a_mix() {
    let f = fixture();
    let seed = std::env::var("SMSDOC_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    eprintln!("SMSDOC_KILL_SEED={seed} (a build takes {:?})", f.build_time);
    let mut rng = Rng(seed);
    let window = (f.build_time.as_millis() as u64 * 6 / 5).max(20);
    let public = f.root.join("public");
    let (mut old_seen, mut new_seen) = (0, 0);
    for trial in 0..TRIALS {
        f.restore_old();
        // Spread the kills over the whole build: start-up, loading,
        // rendering, writing and the swap.
        let delay = Duration::from_millis(rng.below(window));
        let mut child = smsdoc(&f.bin, &f.root, &["build", "--quiet", "--today", TODAY])
            .spawn()
            .expect("spawn");
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let status = child.wait().expect("wait");
        let got = fingerprint(&public)
            .unwrap_or_else(|| panic!("trial {trial} (kill after {delay:?}): the output directory is gone"));
        if got == f.old {
            old_seen += 1;
        } else if got == f.new {
            new_seen += 1;
        } else {
            panic!(
                "trial {trial} (seed {seed}, kill after {delay:?}, {status}): the output is a mix: {}",
                describe_mix(&got, &f.old, &f.new)
            );
        }
        // The next run cleans up whatever the killed one left and builds
        // the new site.
        build_ok(&f.bin, &f.root);
        assert!(
            leftovers(&f.root).is_empty(),
            "trial {trial}: left behind {:?}",
            leftovers(&f.root)
        );
        let after = fingerprint(&public).expect("site after the next build");
        assert!(
            after == f.new,
            "trial {trial} (seed {seed}, kill after {delay:?}, {status}): the build after a kill is not the new site: {}",
            describe_mix(&after, &f.old, &f.new)
        );
    }
    eprintln!("{TRIALS} kills: {old_seen} left the old site, {new_seen} the new one");
}

#[test]
fn stale_staging_and_half_swapped_sites_are_recovered() {
    let f = fixture();
    let public = f.root.join("public");

    // A staging folder of a killed build, with junk in it, next to the old site.
    f.restore_old();
    let staging = f.root.join(".public.smsdoc-staging-999999");
    write(&staging.join("index.html"), "half-written");
    write(&staging.join("procedures/x/index.html"), "half-written");
    build_ok(&f.bin, &f.root);
    assert!(leftovers(&f.root).is_empty(), "{:?}", leftovers(&f.root));
    assert!(fingerprint(&public).as_ref() == Some(&f.new));

    // A build killed between moving the old site aside and moving the new
    // one in (the fallback path where an atomic exchange is unavailable):
    // no output, the old site under its aside name, and a staging folder.
    std::fs::remove_dir_all(&public).expect("rm public");
    copy_dir(&f.old_site, &f.root.join(".public.smsdoc-old-999999"));
    write(&f.root.join(".public.smsdoc-staging-999999/index.html"), "half-written");
    // A read-only command changes nothing…
    let out = smsdoc(&f.bin, &f.root, &["check", "--quiet", "--today", TODAY])
        .output()
        .expect("check");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // …and the next build restores, then replaces, the old site.
    build_ok(&f.bin, &f.root);
    assert!(leftovers(&f.root).is_empty(), "{:?}", leftovers(&f.root));
    assert!(fingerprint(&public).as_ref() == Some(&f.new));

    // A failing build (an error in the content) writes nothing and leaves
    // the previous site.
    write(
        &f.root.join("docs/records/broken.md"),
        "---\nid: REC-BROKEN\ntitle: x\ntype: record\n---\nSee [[NOPE-1]].\n",
    );
    let out = smsdoc(&f.bin, &f.root, &["build", "--quiet", "--today", TODAY])
        .output()
        .expect("build");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        fingerprint(&public).as_ref() == Some(&f.new),
        "a failed build changed the site"
    );
    assert!(leftovers(&f.root).is_empty(), "{:?}", leftovers(&f.root));
}
