//! The command line's error: what went wrong, said once with its causes, and its exit code —
//! 2 for input the hub refuses (fix the command or the file), 3 for the database, I/O or the
//! network.

use crate::config::ConfigError;
use crate::storage::HubError;
use swalayan_core::import::ImportError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// Anything else (files, the network, the server, TLS), with its context.
    #[error(transparent)]
    Other(anyhow::Error),
}

/// The library's functions that still answer `anyhow` (export, server, TLS) may carry one of
/// the typed errors inside: it keeps its exit code.
impl From<anyhow::Error> for CliError {
    fn from(error: anyhow::Error) -> CliError {
        let error = match error.downcast::<HubError>() {
            Ok(hub) => return CliError::Hub(hub),
            Err(other) => other,
        };
        let error = match error.downcast::<ConfigError>() {
            Ok(config) => return CliError::Config(config),
            Err(other) => other,
        };
        match error.downcast::<ImportError>() {
            Ok(import) => CliError::Import(import),
            Err(other) => CliError::Other(other),
        }
    }
}

impl CliError {
    /// 2: refused input (a name taken or reserved, something not found, a rule's no, a bad
    /// configuration or file); 3: the database, I/O, the network.
    pub fn exit_code(&self) -> u8 {
        let refused = match self {
            CliError::Hub(e) => matches!(
                e,
                HubError::StationExists(_)
                    | HubError::NotFound(_)
                    | HubError::Invalid(_)
                    | HubError::Refused(_)
                    | HubError::UnknownBranch { .. }
            ),
            CliError::Config(_) => true,
            CliError::Import(e) => {
                matches!(e, ImportError::Format { .. } | ImportError::Read { .. })
            }
            CliError::Json(_) | CliError::Other(_) => false,
        };
        if refused { 2 } else { 3 }
    }

    /// The error and its causes on one line, each said once (many errors already repeat
    /// their cause in their own message).
    pub fn describe(&self) -> String {
        match self {
            CliError::Other(error) => swalayan_core::error_text::one_line(error.as_ref()),
            typed => swalayan_core::error_text::one_line(typed),
        }
    }
}
