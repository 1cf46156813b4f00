//! Writing a station's (or the web's) loan, return and renewal into SLiMS 9 as SLiMS's own
//! desk writes them (`circulation_base_lib.inc.php`: `finishLoanSession`, `returnItem`,
//! `extendItemLoan`), at the time the transaction was made.
//!
//! SLiMS's tables are MyISAM: no transactions. So each write is ordered so that any prefix
//! of it is a state the desk tolerates (the loan row, then the reservation it fulfils
//! deleted; the fine row, then the loan closed; a renewal's fine, then one `UPDATE` that
//! leaves the row as the desk's two do), and each step first looks for what an earlier,
//! interrupted attempt already wrote (by member, copy and time) instead of writing it again.
//!
//! The system is the record: a statement only changes what the hub expects to find
//! (`… WHERE NOT EXISTS (an open loan)`, `… AND is_return = 0 AND renewed = n`), and when
//! SLiMS disagrees — its desk lent the copy meanwhile, the member is pending or expired, the
//! copy is missing — nothing is written and the answer says what SLiMS shows, for staff.

use super::columns::{sql_date, sql_datetime, sql_datetime_parse};
use super::reckon::{slims_due_date, slims_fine};
use super::rules::SlimsRules;
use crate::ils::IlsError;
use crate::ils::rows;
use crate::storage::{IlsOutcome, Received};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use mysql::prelude::Queryable;
use swalayan_core::contract::transactions::TxBody;
use swalayan_core::domain::Policy;

/// What one write did: the ledger's entry but for its source and time.
#[derive(Debug, Clone, PartialEq)]
pub struct Wrote {
    pub outcome: IlsOutcome,
    /// `table:id` of the rows made (or found made).
    pub rows: Vec<String>,
    pub detail: String,
}

impl Wrote {
    pub fn written(rows: Vec<String>, detail: String) -> Wrote {
        Wrote {
            outcome: IlsOutcome::Written,
            rows,
            detail,
        }
    }

    pub fn nothing(detail: String) -> Wrote {
        Wrote {
            outcome: IlsOutcome::Nothing,
            rows: Vec::new(),
            detail,
        }
    }

    pub fn refused(detail: String) -> Wrote {
        Wrote {
            outcome: IlsOutcome::Refused,
            rows: Vec::new(),
            detail,
        }
    }
}

/// SLiMS's desk, as the hub plays it.
pub struct SlimsDesk<'a> {
    pub conn: &'a mut mysql::Conn,
    pub rules: &'a SlimsRules,
    /// The policy made from `rules` (its calendar moves due dates).
    pub policy: &'a Policy,
    /// `loan.uid`: the SLiMS staff account the hub writes as.
    pub operator: Option<i64>,
    /// The library's; SLiMS's DATE and DATETIME columns hold its wall clock.
    pub time_zone: &'a TimeZone,
    /// Now, on the library's wall clock (`last_update`).
    pub now: DateTime,
}

/// A member as the desk loads it.
struct Member {
    type_id: i64,
    expires: Date,
    pending: bool,
}

/// A copy as the desk loads it.
struct Copy {
    coll: i64,
    gmd: i64,
    status: Option<String>,
    no_loan: bool,
}

/// An open loan (`is_lent = 1 AND is_return = 0`).
struct OpenLoan {
    id: i64,
    member: String,
    loan_date: Date,
    due: Date,
    rule_id: i64,
    renewed: u32,
    input: Option<DateTime>,
    return_date: Option<Date>,
}

impl SlimsDesk<'_> {
    /// Writes one transaction. `Err` is the database failing: nothing is recorded and the
    /// next round tries again (finding whatever part of it was written).
    pub fn write(&mut self, tx: &Received) -> Result<Wrote, IlsError> {
        let at: jiff::Timestamp = tx.effective_at.parse().map_err(|e| {
            IlsError::Database(format!(
                "transaction {}: time {}: {e}",
                tx.id, tx.effective_at
            ))
        })?;
        let at = at.to_zoned_datetime(self.time_zone.clone()).datetime();
        match tx.body() {
            Ok(TxBody::Checkout(p) | TxBody::Pickup(p)) => self.lend(&p.patron, &p.item, at),
            Ok(TxBody::Checkin(p)) => self.take_back(&p.item, at),
            Ok(TxBody::Renew(p)) => self.renew(p.patron.as_deref(), &p.item, p.renewals, at),
            Ok(_) => Ok(Wrote::nothing(
                "not something SLiMS's desk records".to_string(),
            )),
            Err(e) => Ok(Wrote::refused(format!(
                "the transaction cannot be read: {e}"
            ))),
        }
    }

    /// A loan: `INSERT INTO loan` unless the copy is on loan, then the member's reservation
    /// of the copy deleted (`finishLoanSession`).
    fn lend(&mut self, card: &str, barcode: &str, at: DateTime) -> Result<Wrote, IlsError> {
        let day = at.date();
        let at_text = sql_datetime(at);
        let earlier: Option<i64> = rows::first(
            self.conn,
            "SELECT loan_id FROM loan WHERE item_code = ? AND member_id = ? AND input_date = ?",
            (barcode, card, &at_text),
        )?;
        if let Some(id) = earlier {
            self.delete_reservation(card, barcode)?;
            return Ok(Wrote::written(
                vec![format!("loan:{id}")],
                format!("loan of {barcode} on {day}: found already written (an earlier round)"),
            ));
        }
        let Some(member) = self.member(card)? else {
            return Ok(Wrote::refused(format!(
                "SLiMS has no member {card}: the loan of {barcode} on {day} was not written"
            )));
        };
        let Some(copy) = self.copy(barcode)? else {
            return Ok(Wrote::refused(format!(
                "SLiMS has no copy {barcode}: the loan on {day} was not written"
            )));
        };
        if let Some(open) = self.open_loan(barcode)? {
            return Ok(Wrote::refused(lent_elsewhere(barcode, &open, card, at)));
        }
        if member.pending {
            return Ok(Wrote::refused(format!(
                "SLiMS shows member {card} as pending (not allowed to borrow): the loan of \
                 {barcode} at {at_text} was not written"
            )));
        }
        if member.expires < day {
            return Ok(Wrote::refused(format!(
                "SLiMS shows member {card}'s membership ended on {}: the loan of {barcode} \
                 at {at_text} was not written",
                member.expires
            )));
        }
        if copy.no_loan {
            return Ok(Wrote::refused(format!(
                "SLiMS shows {barcode} as '{}' (not for loan): the loan to {card} at {at_text} \
                 was not written",
                copy.status.as_deref().unwrap_or("?")
            )));
        }
        let Some(member_type) = self.rules.member_type(member.type_id) else {
            return Ok(Wrote::refused(format!(
                "SLiMS has no member type {} (member {card}): the loan of {barcode} was not written",
                member.type_id
            )));
        };
        let terms = self.rules.terms(member_type, copy.coll, copy.gmd);
        let due = slims_due_date(self.policy, day, &terms, member.expires);
        // Guarded: written only while no open loan names the copy (the desk may have lent it
        // since the check above).
        self.conn.exec_drop(
            "INSERT INTO loan (item_code, member_id, loan_date, due_date, renewed, loan_rules_id,
                               is_lent, is_return, input_date, last_update, uid)
             SELECT ?, ?, ?, ?, 0, ?, 1, 0, ?, ?, ? FROM DUAL
             WHERE NOT EXISTS (SELECT 1 FROM loan
                               WHERE item_code = ? AND is_lent = 1 AND is_return = 0)",
            (
                barcode,
                card,
                day.to_string(),
                due.to_string(),
                terms.rule_id,
                &at_text,
                sql_datetime(self.now),
                self.operator,
                barcode,
            ),
        )?;
        if self.conn.affected_rows() == 0 {
            let detail = match self.open_loan(barcode)? {
                Some(open) => lent_elsewhere(barcode, &open, card, at),
                None => format!("SLiMS refused the loan of {barcode} to {card} at {at_text}"),
            };
            return Ok(Wrote::refused(detail));
        }
        let id = self.conn.last_insert_id();
        self.delete_reservation(card, barcode)?;
        Ok(Wrote::written(
            vec![format!("loan:{id}")],
            format!(
                "loan of {barcode} on {day}, due {due} (loan rule {})",
                terms.rule_id
            ),
        ))
    }

    /// A return: the overdue fine's row, then the loan closed (`returnItem`).
    fn take_back(&mut self, barcode: &str, at: DateTime) -> Result<Wrote, IlsError> {
        let day = at.date();
        let Some(loan) = self.open_loan(barcode)? else {
            let closed: Option<i64> = rows::first(
                self.conn,
                "SELECT loan_id FROM loan WHERE item_code = ? AND is_return = 1 AND return_date = ?
                 ORDER BY loan_id DESC LIMIT 1",
                (barcode, day.to_string()),
            )?;
            return Ok(match closed {
                Some(id) => Wrote::written(
                    vec![format!("loan:{id}")],
                    format!(
                        "return of {barcode} on {day}: SLiMS shows it returned that day already"
                    ),
                ),
                None => Wrote::nothing(format!(
                    "return of {barcode} on {day}: SLiMS had no open loan of it"
                )),
            });
        };
        if loan.made_after(at) {
            return Ok(Wrote::nothing(format!(
                "return of {barcode} at {}: SLiMS shows it lent again on {} (its desk took the \
                 return and lent it after); nothing written",
                sql_datetime(at),
                loan.loan_date
            )));
        }
        let mut rows = Vec::new();
        if let Some(fine) = self.fine_row(&loan, barcode, day)? {
            rows.push(fine);
        }
        self.conn.exec_drop(
            "UPDATE loan SET is_return = 1, return_date = ?, last_update = ?
             WHERE loan_id = ? AND member_id = ? AND is_lent = 1 AND is_return = 0",
            (
                day.to_string(),
                sql_datetime(self.now),
                loan.id,
                &loan.member,
            ),
        )?;
        rows.insert(0, format!("loan:{}", loan.id));
        Ok(Wrote::written(
            rows,
            format!("return of {barcode} on {day} (due {})", loan.due),
        ))
    }

    /// A renewal: refused as the desk refuses it (another member's reservation, the
    /// membership ended, no renewals left); else the fine if overdue, then the loan's new
    /// due date with `renewed + 1` and `return_date` the renewal's day (`extendItemLoan`).
    fn renew(
        &mut self,
        card: Option<&str>,
        barcode: &str,
        renewals: u32,
        at: DateTime,
    ) -> Result<Wrote, IlsError> {
        let day = at.date();
        let at_text = sql_datetime(at);
        let Some(loan) = self.open_loan(barcode)? else {
            return Ok(Wrote::refused(format!(
                "SLiMS shows {barcode} returned: the renewal at {at_text} was not written"
            )));
        };
        if card.is_some_and(|card| card != loan.member) {
            return Ok(Wrote::refused(format!(
                "SLiMS shows {barcode} on loan to another member ({}) since {}: the renewal at \
                 {at_text} was not written",
                loan.member, loan.loan_date
            )));
        }
        if loan.return_date == Some(day) && (renewals == 0 || loan.renewed >= renewals) {
            return Ok(Wrote::written(
                vec![format!("loan:{}", loan.id)],
                format!(
                    "renewal of {barcode} on {day}: found already written (due {})",
                    loan.due
                ),
            ));
        }
        let reserved: Option<String> = rows::first(
            self.conn,
            "SELECT member_id FROM reserve WHERE item_code = ? AND member_id <> ? LIMIT 1",
            (barcode, &loan.member),
        )?;
        if let Some(other) = reserved {
            return Ok(Wrote::refused(format!(
                "SLiMS shows {barcode} reserved by member {other}: the renewal at {at_text} was \
                 not written (SLiMS's desk refuses it too)"
            )));
        }
        let Some(member) = self.member(&loan.member)? else {
            return Ok(Wrote::refused(format!(
                "SLiMS has no member {}: the renewal of {barcode} was not written",
                loan.member
            )));
        };
        if member.expires < day {
            return Ok(Wrote::refused(format!(
                "SLiMS shows member {}'s membership ended on {}: the renewal of {barcode} at \
                 {at_text} was not written",
                loan.member, member.expires
            )));
        }
        let Some(member_type) = self.rules.member_type(member.type_id) else {
            return Ok(Wrote::refused(format!(
                "SLiMS has no member type {}: the renewal of {barcode} was not written",
                member.type_id
            )));
        };
        let terms = self.rules.terms_of_loan(member_type, loan.rule_id);
        if loan.renewed >= terms.renewals {
            return Ok(Wrote::refused(format!(
                "SLiMS allows {} renewal(s) of this loan and shows {} already: the renewal of \
                 {barcode} at {at_text} was not written",
                terms.renewals, loan.renewed
            )));
        }
        let mut rows = vec![format!("loan:{}", loan.id)];
        if let Some(fine) = self.fine_row(&loan, barcode, day)? {
            rows.push(fine);
        }
        let due = slims_due_date(self.policy, day, &terms, member.expires);
        // One statement leaves the row as the desk's return-then-extend leaves it, with no
        // moment in which the loan looks returned.
        self.conn.exec_drop(
            "UPDATE loan SET renewed = renewed + 1, due_date = ?, is_return = 0, return_date = ?,
                             last_update = ?
             WHERE loan_id = ? AND member_id = ? AND is_lent = 1 AND is_return = 0
               AND renewed = ?",
            (
                due.to_string(),
                day.to_string(),
                sql_datetime(self.now),
                loan.id,
                &loan.member,
                loan.renewed,
            ),
        )?;
        if self.conn.affected_rows() == 0 {
            return Ok(Wrote::refused(format!(
                "SLiMS's loan of {barcode} changed while the renewal at {at_text} was written; \
                 the renewal was not written"
            )));
        }
        Ok(Wrote::written(
            rows,
            format!("renewal of {barcode} on {day}, due {due}"),
        ))
    }

    /// The `fines` row the desk writes when `loan` comes back on `day`, unless it is there
    /// already (an interrupted earlier attempt; the desk's text ends with the copy's code in
    /// every language). `None` when SLiMS charges nothing.
    fn fine_row(
        &mut self,
        loan: &OpenLoan,
        barcode: &str,
        day: Date,
    ) -> Result<Option<String>, IlsError> {
        let Some(member) = self.member(&loan.member)? else {
            return Ok(None);
        };
        let Some(member_type) = self.rules.member_type(member.type_id) else {
            return Ok(None);
        };
        let terms = self.rules.terms_of_loan(member_type, loan.rule_id);
        let Some(amount) = slims_fine(
            self.policy,
            member_type,
            &terms,
            loan.due,
            day,
            self.rules.ignore_holidays_in_fines,
        ) else {
            return Ok(None);
        };
        let earlier: Option<i64> = rows::first(
            self.conn,
            "SELECT fines_id FROM fines
             WHERE member_id = ? AND fines_date = ? AND description LIKE CONCAT('% ', ?)
             ORDER BY fines_id DESC LIMIT 1",
            (&loan.member, day.to_string(), barcode),
        )?;
        if let Some(id) = earlier {
            return Ok(Some(format!("fines:{id}")));
        }
        self.conn.exec_drop(
            "INSERT INTO fines (fines_date, member_id, debet, credit, description)
             VALUES (?, ?, ?, 0, ?)",
            (
                day.to_string(),
                &loan.member,
                amount,
                format!("Overdue fines for item {barcode}"),
            ),
        )?;
        Ok(Some(format!("fines:{}", self.conn.last_insert_id())))
    }

    fn delete_reservation(&mut self, card: &str, barcode: &str) -> Result<(), IlsError> {
        self.conn.exec_drop(
            "DELETE FROM reserve WHERE member_id = ? AND item_code = ?",
            (card, barcode),
        )?;
        Ok(())
    }

    fn member(&mut self, card: &str) -> Result<Option<Member>, IlsError> {
        let row: Option<(Option<i64>, String, i64)> = rows::first(
            self.conn,
            "SELECT member_type_id, CAST(expire_date AS CHAR), is_pending FROM member WHERE member_id = ?",
            (card,),
        )?;
        row.map(|(type_id, expires, pending)| {
            Ok(Member {
                type_id: type_id.unwrap_or(0),
                expires: sql_date(&expires, "member's expiry")?,
                pending: pending != 0,
            })
        })
        .transpose()
    }

    fn copy(&mut self, barcode: &str) -> Result<Option<Copy>, IlsError> {
        type Row = (Option<i64>, Option<i64>, Option<String>, Option<i64>);
        let row: Option<Row> = rows::first(
            self.conn,
            "SELECT i.coll_type_id, b.gmd_id, s.item_status_name, s.no_loan
                 FROM item i JOIN biblio b ON b.biblio_id = i.biblio_id
                 LEFT JOIN mst_item_status s ON s.item_status_id = i.item_status_id
                 WHERE i.item_code = ?",
            (barcode,),
        )?;
        Ok(row.map(|(coll, gmd, status, no_loan)| Copy {
            coll: coll.unwrap_or(0),
            gmd: gmd.unwrap_or(0),
            status,
            no_loan: no_loan.unwrap_or(0) > 0,
        }))
    }

    fn open_loan(&mut self, barcode: &str) -> Result<Option<OpenLoan>, IlsError> {
        type Row = (
            i64,
            String,
            String,
            String,
            i64,
            u32,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = rows::first(
            self.conn,
            "SELECT loan_id, member_id, CAST(loan_date AS CHAR), CAST(due_date AS CHAR),
                    loan_rules_id, renewed, CAST(input_date AS CHAR), CAST(return_date AS CHAR)
             FROM loan WHERE item_code = ? AND is_lent = 1 AND is_return = 0
             ORDER BY loan_id DESC LIMIT 1",
            (barcode,),
        )?;
        row.map(
            |(id, member, loan_date, due, rule_id, renewed, input, return_date)| {
                Ok(OpenLoan {
                    id,
                    member,
                    loan_date: sql_date(&loan_date, "loan date")?,
                    due: sql_date(&due, "due date")?,
                    rule_id,
                    renewed,
                    input: input
                        .map(|at| sql_datetime_parse(&at, "loan time"))
                        .transpose()?,
                    return_date: return_date
                        .map(|on| sql_date(&on, "return date"))
                        .transpose()?,
                })
            },
        )
        .transpose()
    }
}

impl OpenLoan {
    /// Whether it was made after `at` (by the desk, after a return it did not hear of).
    fn made_after(&self, at: DateTime) -> bool {
        match self.input {
            Some(input) => input > at,
            None => self.loan_date > at.date(),
        }
    }
}

/// Why a loan could not be written: the desk lent the copy.
fn lent_elsewhere(barcode: &str, open: &OpenLoan, card: &str, at: DateTime) -> String {
    let whom = if open.member == card {
        "to the same member".to_string()
    } else {
        format!("to member {}", open.member)
    };
    format!(
        "SLiMS shows {barcode} on loan {whom} since {} (lent at its desk): the loan to {card} at \
         {} was not written",
        open.loan_date,
        sql_datetime(at)
    )
}
