//! `staff add|passwd|remove|list|audit`: who signs in to the staff pages.

use super::args::StaffCommand;
use super::error::CliError;
use super::output::emit;
use crate::storage::Storage;
use jiff::Timestamp;
use serde_json::json;

pub(super) fn staff(
    storage: &dyn Storage,
    command: StaffCommand,
    json: bool,
) -> Result<(), CliError> {
    use crate::staff::{self, COMMAND_LINE};
    let now = Timestamp::now();
    match command {
        StaffCommand::Add { name, role } => {
            let password = staff::add(storage, COMMAND_LINE, &name, role, now)?;
            emit(
                json,
                &json!({"staff": name.trim(), "role": role.code(), "password": password}),
                || password.clone(),
            );
        }
        StaffCommand::Passwd { name } => {
            let password = staff::new_password_for(storage, COMMAND_LINE, &name, now)?;
            emit(json, &json!({"staff": name, "password": password}), || {
                password.clone()
            });
        }
        StaffCommand::Remove { name } => {
            staff::remove(storage, COMMAND_LINE, &name, now)?;
            emit(json, &json!({"removed": name}), || {
                format!("staff {name} removed")
            });
        }
        StaffCommand::List => {
            let accounts = storage.staff_accounts()?;
            emit(json, &serde_json::to_value(&accounts)?, || {
                accounts
                    .iter()
                    .map(|a| format!("{}  {}  added {}", a.staff, a.role.code(), a.added_at))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        StaffCommand::Audit { limit } => {
            let lines = storage.audit_lines(limit)?;
            emit(json, &serde_json::to_value(&lines)?, || {
                lines
                    .iter()
                    .map(|l| format!("{}  {}  {}  {}", l.at, l.staff, l.action, l.detail))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}
