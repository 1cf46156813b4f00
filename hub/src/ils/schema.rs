//! Which system and version a database is, recognised by its columns: the tables and columns
//! the connector reads and writes must all be there, and the version is told by what each
//! version adds (INLISLite v3.3's `active` and `Branch_id` on the loan tables). A database that
//! is neither is refused with what it lacks: nothing is written to it.

use super::{IlsError, SystemKind};

use std::collections::{BTreeMap, BTreeSet};

/// A recognised schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// SLiMS 9 ("Bulian").
    Slims9,
    /// INLISLite v3.2 (Yii2).
    Inlislite32,
    /// INLISLite v3.3 (CodeIgniter 4).
    Inlislite33,
}

impl Version {
    pub fn kind(self) -> SystemKind {
        match self {
            Version::Slims9 => SystemKind::Slims,
            Version::Inlislite32 | Version::Inlislite33 => SystemKind::Inlislite,
        }
    }

    /// As `ils check` says it: `9`, `3.2`, `3.3`.
    pub fn code(self) -> &'static str {
        match self {
            Version::Slims9 => "9",
            Version::Inlislite32 => "3.2",
            Version::Inlislite33 => "3.3",
        }
    }
}

/// Table → the columns the connector needs of it.
type Needs = &'static [(&'static str, &'static [&'static str])];

/// SLiMS 9: what its desk reads and writes for members, copies, loans, fines, reservations
/// and loan rules (install/senayan_ddl.sql).
const SLIMS9: Needs = &[
    (
        "member",
        &[
            "member_id",
            "member_name",
            "member_type_id",
            "member_email",
            "member_phone",
            "expire_date",
            "is_pending",
            "mpasswd",
            "last_update",
            "member_since_date",
            "register_date",
        ],
    ),
    (
        "mst_member_type",
        &[
            "member_type_id",
            "member_type_name",
            "loan_limit",
            "loan_periode",
            "reborrow_limit",
            "fine_each_day",
            "grace_periode",
            "enable_reserve",
            "reserve_limit",
        ],
    ),
    (
        "biblio",
        &[
            "biblio_id",
            "gmd_id",
            "title",
            "sor",
            "isbn_issn",
            "call_number",
            "last_update",
        ],
    ),
    (
        "item",
        &[
            "item_id",
            "biblio_id",
            "item_code",
            "call_number",
            "coll_type_id",
            "location_id",
            "item_status_id",
            "last_update",
        ],
    ),
    ("mst_item_status", &["item_status_id", "no_loan"]),
    (
        "loan",
        &[
            "loan_id",
            "item_code",
            "member_id",
            "loan_date",
            "due_date",
            "renewed",
            "loan_rules_id",
            "is_lent",
            "is_return",
            "return_date",
            "input_date",
            "last_update",
            "uid",
        ],
    ),
    (
        "mst_loan_rules",
        &[
            "loan_rules_id",
            "member_type_id",
            "coll_type_id",
            "gmd_id",
            "loan_limit",
            "loan_periode",
            "reborrow_limit",
            "fine_each_day",
            "grace_periode",
        ],
    ),
    (
        "fines",
        &[
            "fines_id",
            "fines_date",
            "member_id",
            "debet",
            "credit",
            "description",
        ],
    ),
    (
        "reserve",
        &[
            "reserve_id",
            "member_id",
            "biblio_id",
            "item_code",
            "reserve_date",
        ],
    ),
    ("holiday", &["holiday_dayname", "holiday_date"]),
];

/// INLISLite v3.2: the desk's loan header and items, renewals, violations, members, copies
/// and the rules' levels (the reconstructed schema of its published models).
const INLISLITE32: Needs = &[
    (
        "members",
        &[
            "ID",
            "MemberNo",
            "Fullname",
            "Email",
            "NoHp",
            "EndDate",
            "JenisAnggota_id",
            "StatusAnggota_id",
            "UpdateDate",
            "RegisterDate",
        ],
    ),
    (
        "jenis_anggota",
        &[
            "id",
            "jenisanggota",
            "MaxPinjamKoleksi",
            "MaxLoanDays",
            "DendaType",
            "DendaPerTenor",
            "DayPerpanjang",
            "CountPerpanjang",
        ],
    ),
    (
        "catalogs",
        &["ID", "Title", "Author", "ISBN", "CallNumber", "UpdateDate"],
    ),
    (
        "collections",
        &[
            "ID",
            "NomorBarcode",
            "RFID",
            "Catalog_id",
            "CallNumber",
            "Status_id",
            "Rule_id",
            "Category_id",
            "Location_Library_id",
            "BookingMemberID",
            "BookingExpiredDate",
            "UpdateDate",
        ],
    ),
    (
        "collectionloans",
        &[
            "ID",
            "Member_id",
            "CollectionCount",
            "LocationLibrary_id",
            "CreateBy",
            "CreateDate",
            "CreateTerminal",
        ],
    ),
    (
        "collectionloanitems",
        &[
            "ID",
            "CollectionLoan_id",
            "member_id",
            "Collection_id",
            "LoanStatus",
            "LoanDate",
            "DueDate",
            "ActualReturn",
            "LateDays",
        ],
    ),
    (
        "collectionloanextends",
        &[
            "CollectionLoan_id",
            "CollectionLoanItem_id",
            "Collection_id",
            "Member_id",
            "DateExtend",
            "DueDateExtend",
        ],
    ),
    (
        "pelanggaran",
        &[
            "CollectionLoan_id",
            "CollectionLoanItem_id",
            "JumlahDenda",
            "Paid",
            "Member_id",
            "Collection_id",
        ],
    ),
    ("holidays", &["Dates"]),
    ("settingparameters", &["Name", "Value"]),
];

/// What INLISLite v3.3 adds to v3.2's tables (its code reads and writes them).
const INLISLITE33_ADDS: Needs = &[
    ("collectionloanitems", &["Branch_id", "active"]),
    ("collectionloanextends", &["active"]),
];

/// Every table's columns in the connection's database, names in lower case (MySQL compares
/// column names without case).
pub type Columns = BTreeMap<String, BTreeSet<String>>;

/// Reads the database's tables and columns.
pub fn columns(conn: &mut mysql::Conn) -> Result<Columns, IlsError> {
    let rows: Vec<(String, String)> = super::rows::all(
        conn,
        "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = DATABASE()",
    )?;
    let mut columns = Columns::new();
    for (table, column) in rows {
        columns
            .entry(table.to_lowercase())
            .or_default()
            .insert(column.to_lowercase());
    }
    Ok(columns)
}

/// What of `needs` the database lacks, one line each ("table loan: no column loan_rules_id").
fn missing(columns: &Columns, needs: Needs) -> Vec<String> {
    let mut lacking = Vec::new();
    for (table, wanted) in needs {
        match columns.get(*table) {
            None => lacking.push(format!("no table {table}")),
            Some(have) => {
                let absent: Vec<&str> = wanted
                    .iter()
                    .copied()
                    .filter(|c| !have.contains(&c.to_lowercase()))
                    .collect();
                if !absent.is_empty() {
                    lacking.push(format!("table {table}: no column {}", absent.join(", ")));
                }
            }
        }
    }
    lacking
}

/// The version of `kind` the columns are, or the problems that make it none.
pub fn recognise(columns: &Columns, kind: SystemKind) -> Result<Version, Vec<String>> {
    let (own, other, other_kind) = match kind {
        SystemKind::Slims => (SLIMS9, INLISLITE32, SystemKind::Inlislite),
        SystemKind::Inlislite => (INLISLITE32, SLIMS9, SystemKind::Slims),
    };
    let lacking = missing(columns, own);
    if !lacking.is_empty() {
        let mut problems = vec![format!(
            "this database is not {} as the hub knows it ({})",
            describe(kind),
            match kind {
                SystemKind::Slims => "SLiMS 9",
                SystemKind::Inlislite => "INLISLite 3.2 or 3.3",
            }
        )];
        if missing(columns, other).is_empty() {
            problems.push(format!(
                "it looks like {}: set [ils] kind = \"{}\"",
                describe(other_kind),
                other_kind.code()
            ));
        }
        problems.extend(lacking);
        return Err(problems);
    }
    Ok(match kind {
        SystemKind::Slims => Version::Slims9,
        SystemKind::Inlislite if missing(columns, INLISLITE33_ADDS).is_empty() => {
            Version::Inlislite33
        }
        SystemKind::Inlislite => Version::Inlislite32,
    })
}

fn describe(kind: SystemKind) -> &'static str {
    match kind {
        SystemKind::Slims => "SLiMS",
        SystemKind::Inlislite => "INLISLite",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(needs: &[Needs]) -> Columns {
        let mut columns = Columns::new();
        for needs in needs {
            for (table, wanted) in needs.iter() {
                let set = columns.entry(table.to_string()).or_default();
                set.extend(wanted.iter().map(|c| c.to_lowercase()));
            }
        }
        columns
    }

    #[test]
    fn each_version_is_told_by_its_columns() {
        assert_eq!(
            recognise(&of(&[SLIMS9]), SystemKind::Slims),
            Ok(Version::Slims9)
        );
        assert_eq!(
            recognise(&of(&[INLISLITE32]), SystemKind::Inlislite),
            Ok(Version::Inlislite32)
        );
        assert_eq!(
            recognise(&of(&[INLISLITE32, INLISLITE33_ADDS]), SystemKind::Inlislite),
            Ok(Version::Inlislite33)
        );
    }

    #[test]
    fn a_missing_column_and_the_wrong_kind_are_problems() {
        let mut columns = of(&[SLIMS9]);
        columns.get_mut("loan").unwrap().remove("loan_rules_id");
        let problems = recognise(&columns, SystemKind::Slims).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p == "table loan: no column loan_rules_id"),
            "{problems:?}"
        );
        let problems = recognise(&of(&[SLIMS9]), SystemKind::Inlislite).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("kind = \"slims\"")),
            "{problems:?}"
        );
    }
}
