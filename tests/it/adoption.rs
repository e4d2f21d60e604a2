//! What adopters run instead of compiling smsdoc: the GitHub action's run
//! script (as the action calls it, on the example handbook) and the
//! container image (when a Docker daemon is reachable).

use std::path::Path;
use std::process::Command;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs scripts/action-run.sh the way action.yml does; returns its exit
/// code, stdout and what it wrote to GITHUB_OUTPUT.
fn action_run(env: &[(&str, &str)]) -> (i32, String, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let output = tmp.path().join("github-output");
    std::fs::write(&output, "").expect("write GITHUB_OUTPUT");
    let mut cmd = Command::new("bash");
    cmd.arg(manifest().join("scripts/action-run.sh"))
        .current_dir(manifest())
        .env("SMSDOC", env!("CARGO_BIN_EXE_smsdoc"))
        .env("GITHUB_OUTPUT", &output);
    for var in [
        "COMMAND", "ROOT", "FORMAT", "STRICT", "TODAY", "BASE", "BASE_REF", "OUTPUT", "ARGS",
    ] {
        cmd.env(var, "");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run bash");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        std::fs::read_to_string(&output).expect("read GITHUB_OUTPUT"),
    )
}

#[test]
fn action_checks_the_example_with_annotations_and_reports_the_exit_code() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let junit = tmp.path().join("junit.xml");
    let (code, stdout, outputs) = action_run(&[("COMMAND", "check"), ("ROOT", "example-sms"), ("TODAY", "2026-12-03")]);
    // The example's deliberate warnings, as GitHub annotations; no errors.
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("::warning file=example-sms/"), "{stdout}");
    assert!(!stdout.contains("::error"), "{stdout}");
    assert!(outputs.contains("exit-code=0"), "{outputs}");

    // strict turns the warnings into a failing exit code, which is reported
    // as an output too; `output` keeps a copy of what was printed.
    let (code, stdout, outputs) = action_run(&[
        ("COMMAND", "check"),
        ("ROOT", "example-sms"),
        ("TODAY", "2026-12-03"),
        ("STRICT", "true"),
        ("FORMAT", "junit"),
        ("OUTPUT", junit.to_str().expect("utf-8 path")),
    ]);
    assert_eq!(code, 1, "{stdout}");
    assert!(outputs.contains("exit-code=1"), "{outputs}");
    let saved = std::fs::read_to_string(&junit).expect("output file written");
    assert!(saved.contains("<testsuites"), "{saved}");
    assert!(stdout.contains("<testsuites"), "the log shows the output too");

    let (code, stdout, _) = action_run(&[("COMMAND", "publish"), ("ROOT", "example-sms")]);
    assert_eq!(code, 2);
    assert!(
        stdout.contains("::error title=smsdoc::unknown command 'publish'"),
        "{stdout}"
    );
}

#[test]
fn action_builds_into_the_folder_args_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    let args = format!("--out {}", out.display());
    let (code, stdout, _) = action_run(&[
        ("COMMAND", "build"),
        ("ROOT", "example-sms"),
        ("TODAY", "2026-12-03"),
        ("ARGS", &args),
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert!(out.join("index.html").is_file() && out.join("coverage/index.html").is_file());
}

/// The container image: built from this checkout, `check` on the example
/// handbook mounted at /handbook. Needs a Docker daemon; skipped otherwise.
#[test]
fn container_image_checks_a_mounted_handbook() {
    let daemon = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output();
    if !daemon.is_ok_and(|o| o.status.success()) {
        eprintln!("container test skipped: no Docker daemon reachable (`docker info` failed)");
        return;
    }
    let tag = "smsdoc-test:local";
    let build = Command::new("docker")
        .args(["build", "-q", "-t", tag, "."])
        .current_dir(manifest())
        .output()
        .expect("docker build");
    if !build.status.success() {
        let err = String::from_utf8_lossy(&build.stderr);
        // A daemon without access to the base images' registry cannot
        // build anything: that is the machine, not the Dockerfile.
        let offline = [
            "failed to resolve source metadata",
            "pull access denied",
            "dial tcp",
            "no such host",
            "TLS handshake timeout",
            "i/o timeout",
        ]
        .iter()
        .any(|m| err.contains(m));
        if offline {
            eprintln!("container test skipped: the Docker daemon cannot reach the base images' registry");
            return;
        }
        panic!("docker build failed:\n{err}");
    }
    let example = manifest().join("example-sms");
    let mount = format!("{}:/handbook:ro", example.display());
    let run = Command::new("docker")
        .args([
            "run",
            "--rm",
            "-v",
            &mount,
            tag,
            "check",
            "--today",
            "2026-12-03",
            "--format",
            "json",
        ])
        .output()
        .expect("docker run");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("check --format json");
    assert_eq!(report["summary"]["errors"], 0, "{report}");
}
