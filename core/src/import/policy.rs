//! The library's policy from a TOML file (see `config/policy.toml`).

use super::ImportError;
use crate::domain::Policy;
use std::path::Path;

/// Parses and validates a policy; errors name the file, the line and what is wrong.
pub fn parse_policy(path: &Path, text: &str) -> Result<Policy, ImportError> {
    let policy: Policy = toml::from_str(text).map_err(|e| ImportError::Format {
        path: path.to_path_buf(),
        message: toml_error_message(text, &e),
    })?;
    policy.validate().map_err(|e| ImportError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(policy)
}

/// "line N: message", from a toml error's byte span.
pub fn toml_error_message(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().to_string();
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}
