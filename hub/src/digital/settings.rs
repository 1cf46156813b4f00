//! `[digital]` of the hub's file: how large a file staff may attach, which networks are the
//! library's own (the `onsite` access level), and where the files are kept.
//!
//! ```toml
//! [digital]
//! max_file_mb = 200
//! onsite_networks = ["192.168.10.0/24", "10.20.0.0/16"]
//! # dir = "/srv/swalayan/digital"   # default: beside the SQLite file, or $STATE_DIRECTORY
//! ```

use ipnet::IpNet;
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// A file is at most this many megabytes unless `max_file_mb` says otherwise.
pub const DEFAULT_MAX_FILE_MB: u64 = 200;

/// `[digital]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigitalSection {
    pub max_file_mb: Option<u64>,
    #[serde(default)]
    pub onsite_networks: Vec<String>,
    /// Where the files are kept (relative to the hub's file when not absolute).
    pub dir: Option<PathBuf>,
}

/// `[digital]`, checked.
#[derive(Debug, Clone)]
pub struct DigitalSettings {
    pub max_file_bytes: u64,
    pub onsite_networks: Vec<IpNet>,
    /// `None`: nowhere to keep files (a PostgreSQL hub outside systemd without `dir`); staff
    /// are told to set `dir` when they attach one.
    pub dir: Option<PathBuf>,
}

impl DigitalSettings {
    /// Checks the section; `base` is the hub file's folder, `db` the database the hub runs
    /// on (a SQLite file's folder is the default home of the files).
    pub fn from_section(
        section: DigitalSection,
        base: &Path,
        db: &str,
    ) -> Result<DigitalSettings, String> {
        let mb = section.max_file_mb.unwrap_or(DEFAULT_MAX_FILE_MB);
        if !(1..=4096).contains(&mb) {
            return Err(format!("max_file_mb: {mb} is not between 1 and 4096"));
        }
        let onsite_networks = section
            .onsite_networks
            .iter()
            .map(|text| network(text))
            .collect::<Result<Vec<IpNet>, String>>()?;
        let dir = match section.dir {
            Some(dir) if dir.is_absolute() => Some(dir),
            Some(dir) => Some(base.join(dir)),
            None => default_dir(db),
        };
        Ok(DigitalSettings {
            max_file_bytes: mb * 1024 * 1024,
            onsite_networks,
            dir,
        })
    }

    /// The defaults for a hub without `[digital]` (or without a file at all).
    pub fn defaults(db: &str) -> DigitalSettings {
        DigitalSettings {
            max_file_bytes: DEFAULT_MAX_FILE_MB * 1024 * 1024,
            onsite_networks: Vec::new(),
            dir: default_dir(db),
        }
    }

    /// Whether `address` is on one of the library's own networks (IPv4 clients reaching an
    /// IPv6 socket arrive as `::ffff:a.b.c.d`: compared as IPv4).
    pub fn is_onsite(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map(IpAddr::V4)
                .unwrap_or(IpAddr::V6(v6)),
            v4 => v4,
        };
        self.onsite_networks.iter().any(|n| n.contains(&address))
    }
}

/// `"192.168.10.0/24"`, or one address (`"192.168.10.5"`: that machine alone).
fn network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| {
            format!("onsite_networks: '{text}' is not a network (write e.g. 192.168.10.0/24)")
        })
}

/// Beside a SQLite file (`/var/lib/swalayan-hub/hub.db` → `/var/lib/swalayan-hub/digital`);
/// for PostgreSQL, systemd's state directory when the hub runs under it.
fn default_dir(db: &str) -> Option<PathBuf> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        return std::env::var_os("STATE_DIRECTORY")
            .map(|dirs| {
                // systemd lists several with ':' when the unit names several.
                let first = dirs.to_string_lossy().split(':').next().map(PathBuf::from);
                first.unwrap_or_default()
            })
            .filter(|d| !d.as_os_str().is_empty())
            .map(|d| d.join("digital"));
    }
    let parent = Path::new(db).parent().unwrap_or(Path::new("."));
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    Some(parent.join("digital"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(text: &str) -> Result<DigitalSettings, String> {
        let section: DigitalSection = toml::from_str(text).map_err(|e| e.to_string())?;
        DigitalSettings::from_section(section, Path::new("/etc/swalayan"), "/var/lib/h/hub.db")
    }

    #[test]
    fn networks_sizes_and_the_folder_are_checked() {
        let s =
            section("onsite_networks = [\"192.168.10.0/24\", \"10.0.0.7\", \"fd00::/8\"]").unwrap();
        assert_eq!(s.max_file_bytes, 200 * 1024 * 1024);
        assert_eq!(s.dir.as_deref(), Some(Path::new("/var/lib/h/digital")));
        assert!(s.is_onsite("192.168.10.77".parse().unwrap()));
        assert!(s.is_onsite("::ffff:192.168.10.77".parse().unwrap()));
        assert!(s.is_onsite("10.0.0.7".parse().unwrap()));
        assert!(!s.is_onsite("10.0.0.8".parse().unwrap()));
        assert!(!s.is_onsite("192.168.11.1".parse().unwrap()));
        assert!(s.is_onsite("fd12::1".parse().unwrap()));
        assert!(
            section("onsite_networks = [\"the library\"]")
                .unwrap_err()
                .contains("'the library' is not a network")
        );
        assert!(
            section("max_file_mb = 0")
                .unwrap_err()
                .contains("max_file_mb")
        );
        let relative = section("dir = \"files\"").unwrap();
        assert_eq!(
            relative.dir.as_deref(),
            Some(Path::new("/etc/swalayan/files"))
        );
        assert!(section("max_size = 3").unwrap_err().contains("max_size"));
    }
}
