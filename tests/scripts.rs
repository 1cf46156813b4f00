//! The scripts' own install branches, run with a fake `apt-get` first on PATH: a fresh machine
//! without PostgreSQL must get a clear message, never a silent end (issue #15).

use std::path::Path;
use std::process::Command;

/// A directory with an `apt-get` that logs its arguments and exits with `code` (and a `sudo`
/// that runs its command).
fn fake_apt(dir: &Path, code: i32) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let apt = bin.join("apt-get");
    std::fs::write(
        &apt,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\necho 'E: fake apt-get' >&2\nexit {code}\n",
            dir.join("apt.log").display()
        ),
    )
    .unwrap();
    // Not root: the script goes through sudo, which here just runs the (fake) command.
    let sudo = bin.join("sudo");
    std::fs::write(&sudo, "#!/bin/sh\nexec \"$@\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    for file in [&apt, &sudo] {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn start_cluster(dir: &Path, path: &str) -> std::process::Output {
    Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/postgres-cluster"
        ))
        .args(["start", dir.join("data").to_str().unwrap()])
        .env("PATH", path)
        .env("SWALAYAN_PG_LIB", dir.join("no-postgresql"))
        .output()
        .unwrap()
}

#[test]
fn postgres_cluster_says_why_when_it_cannot_install() {
    let dir = tempfile::tempdir().unwrap();
    let path = fake_apt(dir.path(), 100);
    let out = start_cluster(dir.path(), &path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("apt-get update failed"), "{stderr}");
    assert!(out.stdout.is_empty(), "no URL printed");
}

#[test]
fn postgres_cluster_says_why_when_the_install_brings_no_server() {
    let dir = tempfile::tempdir().unwrap();
    let path = fake_apt(dir.path(), 0);
    let out = start_cluster(dir.path(), &path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no initdb"), "{stderr}");
    let log = std::fs::read_to_string(dir.path().join("apt.log")).unwrap();
    assert!(log.contains("install -y -qq postgresql"), "{log}");
}
