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
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error(transparent)]
    Serve(#[from] crate::server::ServeError),
    /// A file that cannot be read or written, with what it was for.
    #[error("{what}")]
    File {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// A command about the library system without `[ils]` in --config, or a check that
    /// found problems (already printed).
    #[error("{0}")]
    Ils(String),
    /// A notification the provider did not take (`notify test`).
    #[error("{0}")]
    Notify(String),
    /// A notification command without what it needs (no channels, a bad contact).
    #[error("{0}")]
    NotifyUsage(String),
    #[error("unknown time zone {name}")]
    TimeZone {
        name: String,
        #[source]
        source: jiff::Error,
    },
}

impl CliError {
    /// 2: refused input (a name taken or reserved, something not found, a rule's no, a bad
    /// configuration or file); 3: the database, I/O, the network.
    pub fn exit_code(&self) -> u8 {
        let refused = match self {
            CliError::Hub(e) | CliError::Serve(crate::server::ServeError::Hub(e)) => {
                refused_by_the_hub(e)
            }
            CliError::Config(_) | CliError::Ils(_) | CliError::NotifyUsage(_) => true,
            CliError::Import(e) => {
                matches!(e, ImportError::Format { .. } | ImportError::Read { .. })
            }
            CliError::Json(_)
            | CliError::Export(_)
            | CliError::Serve(_)
            | CliError::Notify(_)
            | CliError::File { .. }
            | CliError::TimeZone { .. } => false,
        };
        if refused { 2 } else { 3 }
    }

    /// The error and its causes on one line, each said once (many errors already repeat
    /// their cause in their own message).
    pub fn describe(&self) -> String {
        swalayan_core::error_text::one_line(self)
    }
}

/// The hub's errors that mean "fix the input", not "the database failed".
fn refused_by_the_hub(error: &HubError) -> bool {
    matches!(
        error,
        HubError::StationExists(_)
            | HubError::NotFound(_)
            | HubError::Invalid(_)
            | HubError::Refused(_)
            | HubError::UnknownBranch { .. }
    )
}
