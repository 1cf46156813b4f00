//! What can be wrong with a config file, and where: every problem names the file, the line
//! and the key, so `swalayan config check` can point at it.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read: wrong path or permissions.
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has an unknown key or a value of the wrong type.
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        /// The key at fault, when known.
        key: Option<String>,
        message: String,
    },
    /// A value has the right type but is not acceptable.
    #[error("{path}:{line}: key '{key}': {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
}

/// How a section reports a value it cannot accept: `invalid(section, key, message)` finds
/// the line the key is set on.
pub(super) type Invalid<'a> = &'a dyn Fn(&str, &str, String) -> ConfigError;

impl ConfigError {
    /// A file that is not TOML, or has an unknown key: the line and key TOML points at.
    pub(super) fn from_toml(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
        let (line, key) = match e.span() {
            Some(span) => (
                line_of(text, span.start),
                text.get(span.clone())
                    .map(|k| k.trim_matches('"').to_string()),
            ),
            None => (0, None),
        };
        ConfigError::Parse {
            path: path.to_path_buf(),
            line,
            key,
            message: e.message().trim().to_string(),
        }
    }

    /// A value of `[section] key` the station cannot accept.
    pub(super) fn invalid(
        path: &Path,
        text: &str,
        section: &str,
        key: &str,
        message: String,
    ) -> ConfigError {
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line: find_key_line(text, section, key),
            key: format!("{section}.{key}"),
            message,
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line where `key` is set inside `[section]`, for messages about values.
fn find_key_line(text: &str, section: &str, key: &str) -> usize {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            current = name.trim().to_string();
        } else if current == section
            && trimmed
                .split('=')
                .next()
                .is_some_and(|k| k.trim().trim_matches('"') == key)
        {
            return i + 1;
        }
    }
    0
}
