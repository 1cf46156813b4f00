//! Fresh library-system databases on the test server, and the hub's command line.

use mysql::prelude::Queryable;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The test server's admin URL (`mysql://root@127.0.0.1:PORT/`).
fn admin_url() -> String {
    std::env::var("SWALAYAN_TEST_MARIADB").expect(
        "SWALAYAN_TEST_MARIADB is not set: run the tests through scripts/test, which starts a \
         throwaway MariaDB server on loopback (or point it at one: mysql://root@127.0.0.1:PORT/)",
    )
}

fn admin() -> mysql::Conn {
    let url = admin_url();
    mysql::Conn::new(mysql::Opts::from_url(&url).expect("a mysql:// URL"))
        .unwrap_or_else(|e| panic!("cannot reach the test MariaDB server at {url}: {e}"))
}

/// A database on the test server, dropped when the test ends.
pub struct Database {
    pub name: String,
}

impl Database {
    /// A new database loaded from `fixture` (a file of tests/fixtures/ils/).
    pub fn load(fixture: &str) -> Database {
        let name = format!("ils_{}", uuid::Uuid::now_v7().simple());
        let mut conn = admin();
        conn.query_drop(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        ))
        .unwrap();
        conn.select_db(&name).unwrap();
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ils")
            .join(fixture);
        let text = std::fs::read_to_string(&path).unwrap();
        for statement in statements(&text) {
            conn.query_drop(&statement)
                .unwrap_or_else(|e| panic!("{}: {e}\n{statement}", path.display()));
        }
        Database { name }
    }

    /// Runs statements on it as the admin.
    pub fn run(&self, sql: &str) {
        let mut conn = admin();
        conn.select_db(&self.name).unwrap();
        for statement in statements(sql) {
            conn.query_drop(&statement).unwrap();
        }
    }

    /// A connection to it as the admin.
    pub fn conn(&self) -> mysql::Conn {
        let mut conn = admin();
        conn.select_db(&self.name).unwrap();
        conn
    }

    /// Its URL for `user` (no password in it).
    pub fn url_for(&self, user: &str) -> String {
        let admin = mysql::Opts::from_url(&admin_url()).unwrap();
        format!(
            "mysql://{user}@{}:{}/{}",
            admin.get_ip_or_hostname(),
            admin.get_tcp_port(),
            self.name
        )
    }

    /// The admin's URL for this database.
    pub fn url(&self) -> String {
        let admin = mysql::Opts::from_url(&admin_url()).unwrap();
        self.url_for(admin.get_user().unwrap_or("root"))
    }

    /// A database user with `password` and only the grants given (each `PRIV ON TABLE`,
    /// the table `*` for the whole database).
    pub fn user(&self, user: &str, password: &str, grants: &[&str]) {
        let mut conn = admin();
        conn.query_drop(format!(
            "CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'"
        ))
        .unwrap();
        for grant in grants {
            let (privilege, table) = grant.split_once(" ON ").unwrap();
            conn.query_drop(format!(
                "GRANT {privilege} ON `{}`.{} TO '{user}'@'127.0.0.1'",
                self.name,
                if table == "*" {
                    "*".to_string()
                } else {
                    format!("`{table}`")
                }
            ))
            .unwrap();
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = admin().query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name));
    }
}

/// A fixture's statements: each ends with ";" at the end of a line; comment lines skipped.
fn statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("--") || line.trim().is_empty() {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(current.trim().trim_end_matches(';').to_string());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

/// A hub.toml in `dir` with `[ils]` as given (lines), and a password file when one is given.
pub fn hub_config(dir: &Path, ils: &str, password: Option<&str>) -> PathBuf {
    let mut text = format!("[ils]\n{ils}\n");
    if let Some(password) = password {
        // Surrounding whitespace is trimmed, as an editor may leave a newline.
        std::fs::write(dir.join("ils-password"), format!("{password}\n")).unwrap();
        text.push_str("password_file = \"ils-password\"\n");
    }
    let path = dir.join("hub.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `swalayan-hub --config CONFIG ARGS...`.
pub fn hub(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_swalayan-hub"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("SWALAYAN_HUB_DB")
        .output()
        .unwrap()
}

/// `swalayan-hub --db DB --config CONFIG --json ARGS...`, which must succeed: its JSON.
pub fn hub_json(
    db: impl AsRef<std::ffi::OsStr>,
    config: &Path,
    args: &[&str],
) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_swalayan-hub"))
        .arg("--db")
        .arg(db)
        .arg("--config")
        .arg(config)
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{args:?}: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {text}"))
}
