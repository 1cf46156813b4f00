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

/// A bin directory with only what `scripts/test` needs to reach its install step: a fake
/// `cargo` (with nextest), `rustup`, `apt-get` (exiting with `apt_code`) and `sudo`, and the
/// few system tools the script calls. Nothing of the build (no cc, pkg-config, python3,
/// fontconfig, Xvfb) is on it, as on a fresh machine.
fn fresh_machine(dir: &Path, apt_code: i32) -> String {
    let bin = dir.join("fresh-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("apt.log");
    let scripts = [
        ("cargo", "#!/bin/sh\nexit 0\n".to_string()),
        ("rustup", "#!/bin/sh\nexit 0\n".to_string()),
        (
            "apt-get",
            format!(
                "#!/bin/sh\necho \"$@\" >> '{}'\nexit {apt_code}\n",
                log.display()
            ),
        ),
        ("sudo", "#!/bin/sh\nexec \"$@\"\n".to_string()),
    ];
    use std::os::unix::fs::PermissionsExt;
    for (name, body) in scripts {
        let file = bin.join(name);
        std::fs::write(&file, body).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for tool in ["dirname", "id", "grep", "env", "sh"] {
        let real = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{tool} not on this machine"));
        std::os::unix::fs::symlink(real, bin.join(tool)).unwrap();
    }
    bin.display().to_string()
}

fn run_test_script(dir: &Path, apt_code: i32) -> (std::process::Output, String) {
    let path = fresh_machine(dir, apt_code);
    let out = Command::new("/bin/bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test"))
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("SWALAYAN_TEST_INSTALL_ONLY", "1")
        .output()
        .unwrap();
    let log = std::fs::read_to_string(dir.join("apt.log")).unwrap_or_default();
    (out, log)
}

#[test]
fn scripts_test_installs_what_a_fresh_machine_lacks_and_says_when_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let (out, log) = run_test_script(dir.path(), 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let install = log
        .lines()
        .find(|l| l.starts_with("install"))
        .unwrap_or_else(|| panic!("nothing installed: {log}"));
    for package in [
        "build-essential",
        "pkg-config",
        "libfontconfig1-dev",
        "fonts-dejavu-core",
        "python3-venv",
        "xvfb",
        "matchbox-window-manager",
        "x11-utils",
        "chromium",
        "chromium-driver",
    ] {
        assert!(install.contains(package), "{package} not in: {install}");
    }
    assert!(log.starts_with("update"), "updated first: {log}");

    let dir = tempfile::tempdir().unwrap();
    let (out, log) = run_test_script(dir.path(), 100);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("apt-get update failed"), "{stderr}");
    assert!(
        !log.contains("install"),
        "no install after a failed update: {log}"
    );
}
