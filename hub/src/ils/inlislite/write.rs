//! Writing a station's (or the web's) loan, return and renewal into INLISLite as its own
//! desk writes them, v3.2 (`PeminjamanController`, `PengembalianController`,
//! `PerpanjanganController`, `SirkulasiHelpers`) or v3.3 (its CodeIgniter controllers), at
//! the time the transaction was made.
//!
//! INLISLite's tables are InnoDB: each write is one database transaction, so SLiMS's care
//! about prefixes is not needed; what remains is finding a write an interrupted round already
//! committed (by copy, member, time and terminal) before writing it again.
//!
//! - Loan: a `collectionloans` header whose ID is drawn as the desk draws it — v3.2: the
//!   copy's library location, `yymmdd`, and the last five digits of `MAX(ID)` of that
//!   prefix plus one; v3.3: `yymmdd` and a five-digit counter of the day — without a lock,
//!   so a desk can draw the same ID in the same second: the insert then fails on the key and
//!   the hub draws again. One `collectionloanitems` row (`LoanStatus = 'Loan'`), the copy
//!   `Status_id = 5` with its booking cleared (v3.2 also ends its `bookinglogs`).
//! - Return: the item `'Return'` with `ActualReturn` (v3.3 also `LateDays` and the header's
//!   `ReturnCount`), the copy `Status_id = 1`; a late return gets the `pelanggaran` row the
//!   desk's form suggests (a kiosk, unlike INLISLite's own self-return, takes late copies).
//! - Renewal: a `collectionloanextends` row and the item's new `DueDate` (v3.3 also the
//!   header's `ExtendCount`).
//! - v3.2 also writes its audit trail, `modelhistory`, as its Yii behaviour does: per
//!   inserted row one entry per column set (type 0), per updated row one per changed column
//!   with the old and new value (type 1), as the operator.
//!
//! The system is the record: a copy INLISLite shows on loan, not available or not for loan,
//! a member not active, ended or suspended — nothing is written, and the transaction
//! becomes a hub conflict with INLISLite's state in words.

use super::rules::InlisRules;
use crate::ils::schema::Version;
use crate::ils::slims::columns::{sql_date, sql_datetime, sql_datetime_parse};
use crate::ils::slims::write::Wrote;
use crate::ils::{IlsError, rows};
use crate::storage::Received;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use mysql::prelude::Queryable;
use mysql::{Transaction, TxOpts};
use swalayan_core::contract::transactions::TxBody;

/// How many times a loan ID is drawn again after another desk took it.
const ID_DRAWS: usize = 20;

/// INLISLite's desk, as the hub plays it.
pub struct InlisDesk<'a> {
    pub conn: &'a mut mysql::Conn,
    pub version: Version,
    pub rules: &'a InlisRules,
    /// `CreateBy`/`UpdateBy`, and `modelhistory.user_id`: the staff account the hub writes as.
    pub operator: Option<i64>,
    /// `CreateTerminal`/`UpdateTerminal`.
    pub terminal: &'a str,
    pub time_zone: &'a TimeZone,
}

struct Member {
    id: i64,
    member_type: i64,
    ends: Option<Date>,
    status: i64,
    suspended_until: Option<Date>,
}

struct Copy {
    id: i64,
    status: i64,
    status_name: String,
    rule: i64,
    location: Option<i64>,
    worksheet: i64,
    booking_member: Option<String>,
    booking_expires: Option<String>,
    audit: Audit,
}

/// A row's audit columns as they were (`UpdateBy`, `UpdateDate`, `UpdateTerminal`): an
/// update's `modelhistory` entries say what they were changed from.
#[derive(Debug, Clone, Default)]
struct Audit {
    by: Option<String>,
    date: Option<String>,
    terminal: Option<String>,
}

struct OpenItem {
    id: i64,
    loan_id: String,
    member_no: String,
    member_id: i64,
    member_type: i64,
    loan_date: String,
    due: DateTime,
    audit: Audit,
}

impl InlisDesk<'_> {
    /// Writes one transaction; `Err` is the database failing (nothing committed).
    pub fn write(&mut self, tx: &Received) -> Result<Wrote, IlsError> {
        let at: jiff::Timestamp = tx.effective_at.parse().map_err(|e| {
            IlsError::Database(format!(
                "transaction {}: time {}: {e}",
                tx.id, tx.effective_at
            ))
        })?;
        let at = at.to_zoned_datetime(self.time_zone.clone()).datetime();
        // INLISLite's columns hold whole seconds.
        let at = at.round(jiff::Unit::Second).unwrap_or(at);
        match tx.body() {
            Ok(TxBody::Checkout(p) | TxBody::Pickup(p)) => self.lend(&p.patron, &p.item, at),
            Ok(TxBody::Checkin(p)) => self.take_back(&p.item, at),
            Ok(TxBody::Renew(p)) => self.renew(p.patron.as_deref(), &p.item, at),
            Ok(_) => Ok(Wrote::nothing(
                "not something INLISLite's desk records".into(),
            )),
            Err(e) => Ok(Wrote::refused(format!(
                "the transaction cannot be read: {e}"
            ))),
        }
    }

    fn lend(&mut self, card: &str, barcode: &str, at: DateTime) -> Result<Wrote, IlsError> {
        let at_text = sql_datetime(at);
        let earlier: Option<(i64, String)> = rows::first(
            self.conn,
            "SELECT CAST(i.ID AS SIGNED), i.CollectionLoan_id FROM collectionloanitems i
             JOIN members m ON m.ID = i.member_id JOIN collections c ON c.ID = i.Collection_id
             WHERE m.MemberNo = ? AND c.NomorBarcode = ? AND i.CreateDate = ? AND i.CreateTerminal = ?",
            (card, barcode, &at_text, self.terminal),
        )?;
        if let Some((item, loan)) = earlier {
            return Ok(Wrote::written(
                vec![
                    format!("collectionloans:{loan}"),
                    format!("collectionloanitems:{item}"),
                ],
                format!("loan of {barcode} at {at_text}: found already written (an earlier round)"),
            ));
        }
        let Some(member) = self.member(card)? else {
            return Ok(Wrote::refused(format!(
                "INLISLite has no member {card}: the loan of {barcode} at {at_text} was not written"
            )));
        };
        let Some(copy) = self.copy(barcode)? else {
            return Ok(Wrote::refused(format!(
                "INLISLite has no copy {barcode}: the loan at {at_text} was not written"
            )));
        };
        if let Some(open) = self.open_item(copy.id)? {
            return Ok(Wrote::refused(format!(
                "INLISLite shows {barcode} on loan to member {} since {} (loan {}): the loan to \
                 {card} at {at_text} was not written",
                open.member_no, open.loan_date, open.loan_id
            )));
        }
        if let Some(why) = member.refusal(at.date()) {
            return Ok(Wrote::refused(format!(
                "INLISLite shows member {card} {why}: the loan of {barcode} at {at_text} was not written"
            )));
        }
        if copy.status != 1 || copy.rule != 1 {
            let state = if copy.rule != 1 {
                "not for loan (its rule)".to_string()
            } else {
                format!("'{}'", copy.status_name)
            };
            return Ok(Wrote::refused(format!(
                "INLISLite shows {barcode} as {state}: the loan to {card} at {at_text} was not written"
            )));
        }
        let days = self
            .rules
            .value(copy.worksheet, member.member_type, at.date(), |l| {
                l.loan_days
            });
        let (loan_date, due) = match self.version {
            Version::Inlislite33 => (at_text.clone(), sql_datetime(self.rules.due_v33(at, days))),
            _ => (
                format!("{} 00:00:00", at.date()),
                format!("{} 00:00:00", self.rules.due_date_v32(at.date(), days)),
            ),
        };
        for _ in 0..ID_DRAWS {
            let mut tx = self.conn.start_transaction(TxOpts::default())?;
            let loan_id = draw_loan_id(&mut tx, self.version, copy.location, at.date())?;
            let author = Author {
                version: self.version,
                operator: self.operator,
                terminal: self.terminal,
            };
            match insert_header(&mut tx, &author, &loan_id, &member, copy.location, &at_text) {
                Ok(()) => {}
                Err(mysql::Error::MySqlError(e)) if e.code == 1062 => {
                    // Another desk drew the same ID meanwhile: draw again.
                    tx.rollback()?;
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
            let v33 = self.version == Version::Inlislite33;
            tx.exec_drop(
                format!(
                    "INSERT INTO collectionloanitems (CollectionLoan_id, LoanDate, DueDate, LoanStatus,
                         Collection_id, member_id, CreateBy, CreateDate, CreateTerminal, UpdateBy,
                         UpdateDate, UpdateTerminal{})
                     VALUES (?, ?, ?, 'Loan', ?, ?, ?, ?, ?, ?, ?, ?{})",
                    if v33 { ", Branch_id" } else { "" },
                    if v33 { ", NULL" } else { "" },
                ),
                (
                    &loan_id, &loan_date, &due, copy.id, member.id, self.operator, &at_text,
                    self.terminal, self.operator, &at_text, self.terminal,
                ),
            )?;
            let item_id = tx.last_insert_id().unwrap_or(0);
            // Guarded: only a copy still available becomes lent.
            let booking = if v33 {
                ""
            } else {
                ", BookingMemberID = NULL, BookingExpiredDate = NULL"
            };
            tx.exec_drop(
                format!(
                    "UPDATE collections SET Status_id = 5, IsVerified = 0{booking}, UpdateBy = ?,
                         UpdateDate = ?, UpdateTerminal = ?
                     WHERE ID = ? AND Status_id = 1"
                ),
                (self.operator, &at_text, self.terminal, copy.id),
            )?;
            if tx.affected_rows() == 0 {
                tx.rollback()?;
                return Ok(Wrote::refused(format!(
                    "INLISLite's copy {barcode} changed while the loan to {card} at {at_text} was \
                     written; nothing was written"
                )));
            }
            if !v33 {
                tx.exec_drop(
                    "UPDATE bookinglogs SET bookingExpired = NULL WHERE collectionId = ?",
                    (copy.id,),
                )?;
                let history = History::new(self.operator, &at_text, self.terminal);
                history.inserted(
                    &mut tx,
                    "collectionloans",
                    &loan_id,
                    &[
                        ("ID", Some(loan_id.clone())),
                        ("CollectionCount", Some("1".into())),
                        ("Member_id", Some(member.id.to_string())),
                        ("LocationLibrary_id", copy.location.map(|l| l.to_string())),
                    ],
                )?;
                history.inserted(
                    &mut tx,
                    "collectionloanitems",
                    &item_id.to_string(),
                    &[
                        ("ID", Some(item_id.to_string())),
                        ("CollectionLoan_id", Some(loan_id.clone())),
                        ("LoanDate", Some(loan_date.clone())),
                        ("DueDate", Some(due.clone())),
                        ("LoanStatus", Some("Loan".into())),
                        ("Collection_id", Some(copy.id.to_string())),
                        ("member_id", Some(member.id.to_string())),
                    ],
                )?;
                history.updated(
                    &mut tx,
                    "collections",
                    &copy.id.to_string(),
                    &[
                        ("Status_id", Some(copy.status.to_string()), Some("5".into())),
                        ("BookingMemberID", copy.booking_member.clone(), None),
                        ("BookingExpiredDate", copy.booking_expires.clone(), None),
                    ],
                    &copy.audit,
                )?;
            }
            tx.commit()?;
            return Ok(Wrote::written(
                vec![
                    format!("collectionloans:{loan_id}"),
                    format!("collectionloanitems:{item_id}"),
                ],
                format!("loan {loan_id} of {barcode} at {at_text}, due {due}"),
            ));
        }
        Err(IlsError::Database(format!(
            "no free loan ID after {ID_DRAWS} draws for {barcode}: the desks are lending too fast; \
             the next round tries again"
        )))
    }

    fn take_back(&mut self, barcode: &str, at: DateTime) -> Result<Wrote, IlsError> {
        let at_text = sql_datetime(at);
        let Some(copy) = self.copy(barcode)? else {
            return Ok(Wrote::nothing(format!(
                "return of {barcode} at {at_text}: INLISLite has no such copy"
            )));
        };
        let Some(item) = self.open_item(copy.id)? else {
            let closed: Option<(i64,)> = rows::first(
                self.conn,
                "SELECT CAST(ID AS SIGNED) FROM collectionloanitems
                 WHERE Collection_id = ? AND LoanStatus = 'Return' AND DATE(ActualReturn) = ?
                 ORDER BY ID DESC LIMIT 1",
                (copy.id, at.date().to_string()),
            )?;
            return Ok(match closed {
                Some((id,)) => Wrote::written(
                    vec![format!("collectionloanitems:{id}")],
                    format!(
                        "return of {barcode} on {}: INLISLite shows it returned that day already",
                        at.date()
                    ),
                ),
                None => Wrote::nothing(format!(
                    "return of {barcode} at {at_text}: INLISLite had no open loan of it"
                )),
            });
        };
        let v33 = self.version == Version::Inlislite33;
        let due_day = item.due.date();
        let late_v33 = due_day
            .until(at.date())
            .map(|s| i64::from(s.get_days()))
            .unwrap_or(0);
        let late = if v33 {
            late_v33
        } else {
            self.rules.late_days(due_day, at.date())
        };
        let returned = if v33 {
            at_text.clone()
        } else {
            format!("{} 00:00:00", at.date())
        };
        let mut tx = self.conn.start_transaction(TxOpts::default())?;
        let late_days = if v33 { ", LateDays = ?" } else { "" };
        let mut params: Vec<mysql::Value> = vec![
            returned.clone().into(),
            self.operator.into(),
            at_text.clone().into(),
            self.terminal.into(),
        ];
        if v33 {
            params.push(late_v33.max(0).into());
        }
        params.push(item.id.into());
        tx.exec_drop(
            format!(
                "UPDATE collectionloanitems SET LoanStatus = 'Return', ActualReturn = ?, UpdateBy = ?,
                     UpdateDate = ?, UpdateTerminal = ?{late_days}
                 WHERE ID = ? AND LoanStatus = 'Loan'"
            ),
            params,
        )?;
        if tx.affected_rows() == 0 {
            tx.rollback()?;
            return Ok(Wrote::nothing(format!(
                "return of {barcode} at {at_text}: INLISLite's desk returned it meanwhile"
            )));
        }
        tx.exec_drop(
            "UPDATE collections SET Status_id = 1, IsVerified = 0, UpdateBy = ?, UpdateDate = ?,
                 UpdateTerminal = ?
             WHERE ID = ?",
            (self.operator, &at_text, self.terminal, copy.id),
        )?;
        if v33 {
            tx.exec_drop(
                "UPDATE collectionloans SET ReturnCount = ReturnCount + 1 WHERE ID = ?",
                (&item.loan_id,),
            )?;
        }
        let mut rows = vec![format!("collectionloanitems:{}", item.id)];
        let (fine, suspend) = if late > 0 {
            self.rules
                .suggested_penalty(copy.worksheet, item.member_type, at.date(), late)
        } else {
            (0, 0)
        };
        let mut fine_id = None;
        if fine > 0 || suspend > 0 {
            let (violation, kind) = penalty_kinds(&mut tx)?;
            tx.exec_drop(
                format!(
                    "INSERT INTO pelanggaran (CollectionLoan_id, CollectionLoanItem_id, JenisPelanggaran_id,
                         JenisDenda_id, JumlahDenda, JumlahSuspend, Member_id, Collection_id, CreateBy,
                         CreateDate, CreateTerminal, UpdateBy, UpdateDate, UpdateTerminal{})
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?{})",
                    if v33 { ", active" } else { "" },
                    if v33 { ", 1" } else { "" },
                ),
                mysql::Params::Positional(vec![
                    item.loan_id.clone().into(),
                    item.id.into(),
                    violation.into(),
                    kind.into(),
                    fine.into(),
                    suspend.into(),
                    item.member_id.into(),
                    copy.id.into(),
                    self.operator.into(),
                    at_text.clone().into(),
                    self.terminal.into(),
                    self.operator.into(),
                    at_text.clone().into(),
                    self.terminal.into(),
                ]),
            )?;
            let id = tx.last_insert_id().unwrap_or(0);
            rows.push(format!("pelanggaran:{id}"));
            fine_id = Some((id, violation, kind));
        }
        if !v33 {
            let history = History::new(self.operator, &at_text, self.terminal);
            history.updated(
                &mut tx,
                "collectionloanitems",
                &item.id.to_string(),
                &[
                    ("ActualReturn", None, Some(returned.clone())),
                    ("LoanStatus", Some("Loan".into()), Some("Return".into())),
                ],
                &item.audit,
            )?;
            history.updated(
                &mut tx,
                "collections",
                &copy.id.to_string(),
                &[("Status_id", Some(copy.status.to_string()), Some("1".into()))],
                &copy.audit,
            )?;
            if let Some((id, violation, kind)) = fine_id {
                history.inserted(
                    &mut tx,
                    "pelanggaran",
                    &id.to_string(),
                    &[
                        ("ID", Some(id.to_string())),
                        ("CollectionLoan_id", Some(item.loan_id.clone())),
                        ("CollectionLoanItem_id", Some(item.id.to_string())),
                        ("JenisPelanggaran_id", violation.map(|v| v.to_string())),
                        ("JenisDenda_id", kind.map(|v| v.to_string())),
                        ("JumlahDenda", Some(fine.to_string())),
                        ("JumlahSuspend", Some(suspend.to_string())),
                        ("Member_id", Some(item.member_id.to_string())),
                        ("Collection_id", Some(copy.id.to_string())),
                    ],
                )?;
            }
        }
        tx.commit()?;
        Ok(Wrote::written(
            rows,
            format!(
                "return of {barcode} at {at_text} (due {due_day}; {} day(s) late; fine {fine}, suspension {suspend} day(s))",
                late.max(0)
            ),
        ))
    }

    fn renew(
        &mut self,
        card: Option<&str>,
        barcode: &str,
        at: DateTime,
    ) -> Result<Wrote, IlsError> {
        let at_text = sql_datetime(at);
        let day = at.date();
        let Some(copy) = self.copy(barcode)? else {
            return Ok(Wrote::refused(format!(
                "INLISLite has no copy {barcode}: the renewal was not written"
            )));
        };
        let Some(item) = self.open_item(copy.id)? else {
            return Ok(Wrote::refused(format!(
                "INLISLite shows {barcode} returned: the renewal at {at_text} was not written"
            )));
        };
        if card.is_some_and(|card| card != item.member_no) {
            return Ok(Wrote::refused(format!(
                "INLISLite shows {barcode} on loan to another member ({}): the renewal at {at_text} was not written",
                item.member_no
            )));
        }
        let extends: Vec<(String,)> = rows::all_with(
            self.conn,
            "SELECT CAST(DATE(DateExtend) AS CHAR) FROM collectionloanextends WHERE CollectionLoanItem_id = ?",
            (item.id,),
        )?;
        if extends.iter().any(|(d,)| *d == day.to_string()) {
            return Ok(Wrote::written(
                vec![format!("collectionloanitems:{}", item.id)],
                format!("renewal of {barcode} on {day}: found already written"),
            ));
        }
        let v33 = self.version == Version::Inlislite33;
        if !v33 && item.due.date() < day {
            return Ok(Wrote::refused(format!(
                "INLISLite does not renew an overdue loan ({barcode} was due {}): the renewal at {at_text} was not written",
                item.due.date()
            )));
        }
        let allowed = self
            .rules
            .value(copy.worksheet, item.member_type, day, |l| l.renew_count);
        if extends.len() as i64 >= allowed {
            return Ok(Wrote::refused(format!(
                "INLISLite allows {allowed} renewal(s) and shows {} already: the renewal of {barcode} at {at_text} was not written",
                extends.len()
            )));
        }
        let days = self
            .rules
            .value(copy.worksheet, item.member_type, day, |l| l.renew_days);
        let due = if v33 {
            sql_datetime(
                self.rules
                    .due_v33(item.due, if days > 0 { days } else { 7 }),
            )
        } else {
            format!("{} 00:00:00", self.rules.due_date_v32(day, days))
        };
        let extended_on = if v33 {
            at_text.clone()
        } else {
            format!("{day} 00:00:00")
        };
        let mut tx = self.conn.start_transaction(TxOpts::default())?;
        tx.exec_drop(
            "UPDATE collectionloanitems SET DueDate = ?, UpdateBy = ?, UpdateDate = ?, UpdateTerminal = ?
             WHERE ID = ? AND LoanStatus = 'Loan'",
            (&due, self.operator, &at_text, self.terminal, item.id),
        )?;
        if tx.affected_rows() == 0 {
            tx.rollback()?;
            return Ok(Wrote::refused(format!(
                "INLISLite's loan of {barcode} changed while the renewal at {at_text} was written; nothing was written"
            )));
        }
        tx.exec_drop(
            format!(
                "INSERT INTO collectionloanextends (CollectionLoan_id, CollectionLoanItem_id, Collection_id,
                     Member_id, DateExtend, DueDateExtend, CreateBy, CreateDate, CreateTerminal, UpdateBy,
                     UpdateDate, UpdateTerminal{})
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?{})",
                if v33 { ", active" } else { "" },
                if v33 { ", 1" } else { "" },
            ),
            (
                &item.loan_id, item.id, copy.id, item.member_id, &extended_on, &due, self.operator,
                &at_text, self.terminal, self.operator, &at_text, self.terminal,
            ),
        )?;
        let extend_id = tx.last_insert_id().unwrap_or(0);
        if v33 {
            tx.exec_drop(
                "UPDATE collectionloans SET ExtendCount = ExtendCount + 1 WHERE ID = ?",
                (&item.loan_id,),
            )?;
        } else {
            let history = History::new(self.operator, &at_text, self.terminal);
            history.updated(
                &mut tx,
                "collectionloanitems",
                &item.id.to_string(),
                &[("DueDate", Some(sql_datetime(item.due)), Some(due.clone()))],
                &item.audit,
            )?;
            history.inserted(
                &mut tx,
                "collectionloanextends",
                &extend_id.to_string(),
                &[
                    ("id", Some(extend_id.to_string())),
                    ("CollectionLoan_id", Some(item.loan_id.clone())),
                    ("CollectionLoanItem_id", Some(item.id.to_string())),
                    ("Collection_id", Some(copy.id.to_string())),
                    ("Member_id", Some(item.member_id.to_string())),
                    ("DateExtend", Some(extended_on.clone())),
                    ("DueDateExtend", Some(due.clone())),
                ],
            )?;
        }
        tx.commit()?;
        Ok(Wrote::written(
            vec![
                format!("collectionloanitems:{}", item.id),
                format!("collectionloanextends:{extend_id}"),
            ],
            format!("renewal of {barcode} on {day}, due {due}"),
        ))
    }
}

/// The violation kind "late" and the fine kind "money", by their names.
fn penalty_kinds(tx: &mut Transaction<'_>) -> Result<(Option<i64>, Option<i64>), IlsError> {
    let violation: Option<(i64,)> = tx
            .exec_first(
                "SELECT ID FROM jenis_pelanggaran WHERE JenisPelanggaran LIKE 'Terlambat%' ORDER BY ID LIMIT 1",
                (),
            )?;
    let kind: Option<(i64,)> = tx.exec_first(
            "SELECT ID FROM jenis_denda WHERE Code = 'UANG' OR Name LIKE 'Denda Uang%' ORDER BY ID LIMIT 1",
            (),
        )?;
    Ok((violation.map(|v| v.0), kind.map(|k| k.0)))
}

impl InlisDesk<'_> {
    fn member(&mut self, card: &str) -> Result<Option<Member>, IlsError> {
        type Row = (
            i64,
            Option<i64>,
            Option<String>,
            Option<i64>,
            Option<String>,
        );
        let row: Option<Row> = rows::first(
            self.conn,
            "SELECT CAST(m.ID AS SIGNED), m.JenisAnggota_id, CAST(DATE(m.EndDate) AS CHAR), m.StatusAnggota_id,
                    (SELECT CAST(MAX(DATE(p.CreateDate) + INTERVAL p.JumlahSuspend DAY) AS CHAR)
                     FROM pelanggaran p WHERE p.Member_id = m.ID AND p.JumlahSuspend > 0)
             FROM members m WHERE m.MemberNo = ? ORDER BY m.ID LIMIT 1",
            (card,),
        )?;
        row.map(|(id, member_type, ends, status, suspended)| {
            Ok(Member {
                id,
                member_type: member_type.unwrap_or(0),
                ends: ends.map(|e| sql_date(&e, "membership end")).transpose()?,
                status: status.unwrap_or(0),
                suspended_until: suspended.map(|s| sql_date(&s, "suspension")).transpose()?,
            })
        })
        .transpose()
    }

    fn copy(&mut self, barcode: &str) -> Result<Option<Copy>, IlsError> {
        type Row = (
            i64,
            Option<i64>,
            Option<String>,
            Option<i64>,
            Option<i64>,
            i64,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = rows::first(
            self.conn,
            "SELECT CAST(c.ID AS SIGNED), c.Status_id, s.Name, c.Rule_id, c.Location_Library_id,
                    COALESCE(cat.Worksheet_id, 0), c.BookingMemberID, CAST(c.BookingExpiredDate AS CHAR),
                    CAST(c.UpdateBy AS CHAR), CAST(c.UpdateDate AS CHAR), c.UpdateTerminal
             FROM collections c LEFT JOIN catalogs cat ON cat.ID = c.Catalog_id
             LEFT JOIN collectionstatus s ON s.ID = c.Status_id
             WHERE c.NomorBarcode = ? ORDER BY c.ID LIMIT 1",
            (barcode,),
        )?;
        Ok(row.map(
            |(
                id,
                status,
                name,
                rule,
                location,
                worksheet,
                booking_member,
                booking_expires,
                by,
                date,
                terminal,
            )| Copy {
                id,
                status: status.unwrap_or(0),
                status_name: name.unwrap_or_else(|| format!("status {}", status.unwrap_or(0))),
                rule: rule.unwrap_or(1),
                location,
                worksheet,
                booking_member,
                booking_expires,
                audit: Audit { by, date, terminal },
            },
        ))
    }

    fn open_item(&mut self, copy: i64) -> Result<Option<OpenItem>, IlsError> {
        let active = if self.version == Version::Inlislite33 {
            " AND i.active = 1"
        } else {
            ""
        };
        type Row = (
            i64,
            String,
            String,
            i64,
            Option<i64>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = rows::first(
            self.conn,
            &format!(
                "SELECT CAST(i.ID AS SIGNED), i.CollectionLoan_id, m.MemberNo, CAST(m.ID AS SIGNED),
                        m.JenisAnggota_id, CAST(i.LoanDate AS CHAR), CAST(i.DueDate AS CHAR),
                        CAST(i.UpdateBy AS CHAR), CAST(i.UpdateDate AS CHAR), i.UpdateTerminal
                 FROM collectionloanitems i JOIN members m ON m.ID = i.member_id
                 WHERE i.Collection_id = ? AND i.LoanStatus = 'Loan'{active}
                 ORDER BY i.ID DESC LIMIT 1"
            ),
            (copy,),
        )?;
        row.map(
            |(
                id,
                loan_id,
                member_no,
                member_id,
                member_type,
                loan_date,
                due,
                by,
                date,
                terminal,
            )| {
                let due = due.unwrap_or_default();
                Ok(OpenItem {
                    id,
                    loan_id,
                    member_no,
                    member_id,
                    member_type: member_type.unwrap_or(0),
                    loan_date: loan_date.unwrap_or_default(),
                    due: sql_datetime_parse(&due, "due date").or_else(|_| {
                        sql_date(&due, "due date")
                            .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
                    })?,
                    audit: Audit { by, date, terminal },
                })
            },
        )
        .transpose()
    }
}

impl Member {
    /// Why INLISLite's desk would not lend to this member on `day`, if it would not.
    fn refusal(&self, day: Date) -> Option<String> {
        if self.status == 5 {
            return Some("as suspended (Suspend)".into());
        }
        if self.status != 3 {
            return Some(format!("as not active (status {})", self.status));
        }
        if let Some(ends) = self.ends.filter(|ends| *ends < day) {
            return Some(format!("with the membership ended on {ends}"));
        }
        if let Some(until) = self.suspended_until.filter(|until| *until > day) {
            return Some(format!("suspended for a violation until {until}"));
        }
        None
    }
}

/// The desk's loan ID for a loan on `day` at `location`, drawn as it draws one: the highest
/// of that prefix plus one (no lock: a clash is a duplicate key, and the caller draws again).
fn draw_loan_id(
    tx: &mut Transaction<'_>,
    version: Version,
    location: Option<i64>,
    day: Date,
) -> Result<String, IlsError> {
    let prefix = match version {
        Version::Inlislite33 => day.strftime("%y%m%d").to_string(),
        _ => format!(
            "{}{}",
            location.map(|l| l.to_string()).unwrap_or_default(),
            day.strftime("%y%m%d")
        ),
    };
    let highest: Option<(Option<String>,)> = tx.exec_first(
        "SELECT MAX(ID) FROM collectionloans WHERE ID LIKE CONCAT(?, '%')",
        (&prefix,),
    )?;
    let next = highest
        .and_then(|(id,)| id)
        .and_then(|id| {
            id.get(id.len().saturating_sub(5)..)
                .and_then(|d| d.parse::<u32>().ok())
        })
        .map_or(1, |n| n + 1);
    Ok(format!("{prefix}{next:05}"))
}

/// Who writes, as the audit columns say.
struct Author<'a> {
    version: Version,
    operator: Option<i64>,
    terminal: &'a str,
}

fn insert_header(
    tx: &mut Transaction<'_>,
    desk: &Author<'_>,
    loan_id: &str,
    member: &Member,
    location: Option<i64>,
    at: &str,
) -> Result<(), mysql::Error> {
    let v33 = desk.version == Version::Inlislite33;
    tx.exec_drop(
        format!(
            "INSERT INTO collectionloans (ID, CollectionCount, Member_id, LocationLibrary_id, CreateBy,
                 CreateDate, CreateTerminal, UpdateBy, UpdateDate, UpdateTerminal{})
             VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?{})",
            if v33 { ", LoanCount" } else { "" },
            if v33 { ", 1" } else { "" },
        ),
        (
            loan_id, member.id, location, desk.operator, at, desk.terminal, desk.operator, at,
            desk.terminal,
        ),
    )
}

/// v3.2's audit trail (`ActiveRecordHistoryBehavior`).
struct History {
    user: String,
    at: String,
    terminal: String,
}

impl History {
    fn new(operator: Option<i64>, at: &str, terminal: &str) -> History {
        History {
            user: operator.map(|o| o.to_string()).unwrap_or_default(),
            at: at.to_string(),
            terminal: terminal.to_string(),
        }
    }

    /// A row inserted: one entry per column set (type 0).
    fn inserted(
        &self,
        tx: &mut Transaction<'_>,
        table: &str,
        id: &str,
        columns: &[(&str, Option<String>)],
    ) -> Result<(), IlsError> {
        for (name, value) in columns {
            let Some(value) = value.as_ref().filter(|v| !v.is_empty()) else {
                continue;
            };
            tx.exec_drop(
                "INSERT INTO modelhistory (`date`, `table`, field_name, field_id, old_value, new_value, `type`, user_id)
                 VALUES (?, ?, ?, ?, NULL, ?, 0, ?)",
                (&self.at, table, name, id, value, &self.user),
            )?;
        }
        Ok(())
    }

    /// A row updated: one entry per column whose value changed (type 1), the audit
    /// columns the save set among them (from `old`, the row's audit columns before).
    fn updated(
        &self,
        tx: &mut Transaction<'_>,
        table: &str,
        id: &str,
        columns: &[(&str, Option<String>, Option<String>)],
        old: &Audit,
    ) -> Result<(), IlsError> {
        let audit = [
            ("UpdateBy", old.by.clone(), Some(self.user.clone())),
            ("UpdateDate", old.date.clone(), Some(self.at.clone())),
            (
                "UpdateTerminal",
                old.terminal.clone(),
                Some(self.terminal.clone()),
            ),
        ];
        for (name, old, new) in columns.iter().chain(audit.iter()) {
            if old == new {
                continue;
            }
            tx.exec_drop(
                "INSERT INTO modelhistory (`date`, `table`, field_name, field_id, old_value, new_value, `type`, user_id)
                 VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                (&self.at, table, name, id, old, new, &self.user),
            )?;
        }
        Ok(())
    }
}
