//! `swalayan-hub ils check`: can the hub work with the library system as `[ils]` names it? The
//! connection, the schema it recognises (system and version), the grants the database user
//! has and lacks for what the connector reads and writes, and what is there to read.

use super::schema::{self, Version};
use super::{IlsError, IlsSettings, SystemKind};

use serde::Serialize;

/// `ils check --json`: `{"ok","kind","version","members","items","titles","open_loans",
/// "problems":[...]}`; counts and version are `null` where they could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub ok: bool,
    pub kind: &'static str,
    pub version: Option<&'static str>,
    pub members: Option<u64>,
    pub items: Option<u64>,
    pub titles: Option<u64>,
    pub open_loans: Option<u64>,
    /// Each a sentence for the IT person: what is wrong and, where it can be said, what to do.
    pub problems: Vec<String>,
}

/// Privileges the connector needs: (privilege, table).
type Grants = &'static [(&'static str, &'static str)];

const SLIMS9_WRITES: Grants = &[
    ("INSERT", "loan"),
    ("UPDATE", "loan"),
    ("INSERT", "fines"),
    ("INSERT", "reserve"),
    ("DELETE", "reserve"),
];

const INLISLITE_WRITES: Grants = &[
    ("INSERT", "collectionloans"),
    // v3.3's counters (LoanCount, ReturnCount, ExtendCount).
    ("UPDATE", "collectionloans"),
    ("INSERT", "collectionloanitems"),
    ("UPDATE", "collectionloanitems"),
    ("UPDATE", "collections"),
    ("INSERT", "collectionloanextends"),
    ("INSERT", "pelanggaran"),
    // A hold's copy set aside, booked as the OPAC books it; v3.2's loan ends the booking.
    ("INSERT", "bookinglogs"),
    ("UPDATE", "bookinglogs"),
];

/// Checks the library system `settings` name.
pub fn check(settings: &IlsSettings) -> CheckReport {
    let mut report = CheckReport {
        ok: false,
        kind: settings.kind.code(),
        version: None,
        members: None,
        items: None,
        titles: None,
        open_loans: None,
        problems: Vec::new(),
    };
    let mut conn = match settings.connect() {
        Ok(conn) => conn,
        Err(e) => {
            report
                .problems
                .push(format!("cannot connect to {}: {e}", settings.url));
            return report;
        }
    };
    if let Err(e) = inspect(&mut conn, settings, &mut report) {
        report.problems.push(e.to_string());
    }
    report.ok = report.problems.is_empty();
    report
}

fn inspect(
    conn: &mut mysql::Conn,
    settings: &IlsSettings,
    report: &mut CheckReport,
) -> Result<(), IlsError> {
    let columns = schema::columns(conn)?;
    let version = match schema::recognise(&columns, settings.kind) {
        Ok(version) => version,
        Err(problems) => {
            report.problems.extend(problems);
            return Ok(());
        }
    };
    report.version = Some(version.code());
    let tables = match version {
        Version::Slims9 => ("member", "item", "biblio"),
        Version::Inlislite32 | Version::Inlislite33 => ("members", "collections", "catalogs"),
    };
    let count = |conn: &mut mysql::Conn, sql: &str| -> Result<Option<u64>, IlsError> {
        super::rows::first_of::<(u64,)>(conn, sql).map(|row| row.map(|(n,)| n))
    };
    report.members = count(conn, &format!("SELECT COUNT(*) FROM `{}`", tables.0))?;
    report.items = count(conn, &format!("SELECT COUNT(*) FROM `{}`", tables.1))?;
    report.titles = count(conn, &format!("SELECT COUNT(*) FROM `{}`", tables.2))?;
    report.open_loans = count(
        conn,
        match version.kind() {
            SystemKind::Slims => "SELECT COUNT(*) FROM loan WHERE is_lent = 1 AND is_return = 0",
            SystemKind::Inlislite => {
                "SELECT COUNT(*) FROM collectionloanitems WHERE LoanStatus = 'Loan'"
            }
        },
    )?;
    let mut writes = match version {
        Version::Slims9 => SLIMS9_WRITES.to_vec(),
        Version::Inlislite32 | Version::Inlislite33 => INLISLITE_WRITES.to_vec(),
    };
    if version == Version::Inlislite32 {
        // v3.2 also writes its audit trail.
        writes.push(("INSERT", "modelhistory"));
    }
    report.problems.extend(lacking_grants(conn, &writes)?);
    Ok(())
}

/// The privileges of `needed` the database user lacks, one sentence each: granted globally,
/// on the database, or on the table all count.
fn lacking_grants(
    conn: &mut mysql::Conn,
    needed: &[(&str, &str)],
) -> Result<Vec<String>, IlsError> {
    // The current account as the privilege tables name it: 'user'@'host'.
    let grantee = "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', \
                   SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";
    let held: Vec<(String, String)> = super::rows::all(conn, &format!(
        "SELECT PRIVILEGE_TYPE, '*' FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = {grantee}
         UNION ALL
         SELECT PRIVILEGE_TYPE, '*' FROM information_schema.SCHEMA_PRIVILEGES
           WHERE GRANTEE = {grantee} AND TABLE_SCHEMA = DATABASE()
         UNION ALL
         SELECT PRIVILEGE_TYPE, LOWER(TABLE_NAME) FROM information_schema.TABLE_PRIVILEGES
           WHERE GRANTEE = {grantee} AND TABLE_SCHEMA = DATABASE()"
    ))?;
    let has = |privilege: &str, table: &str| {
        held.iter()
            .any(|(p, t)| p.eq_ignore_ascii_case(privilege) && (t == "*" || t == table))
    };
    let mut lacking = Vec::new();
    if !has("SELECT", "*") {
        lacking.push(
            "the database user may not read the whole database: GRANT SELECT ON <database>.* to it"
                .to_string(),
        );
    }
    for (privilege, table) in needed {
        if !has(privilege, table) {
            lacking.push(format!(
                "the database user may not {privilege} on {table}: GRANT {privilege} ON <database>.{table} to it"
            ));
        }
    }
    Ok(lacking)
}
