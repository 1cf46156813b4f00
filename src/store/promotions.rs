//! Promotions shown on the kiosk's welcome screen (new arrivals, events, workshops).

use super::Result;
use jiff::civil::Date;
use rusqlite::{Connection, params};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub title: String,
    pub body: String,
}

/// Promotions running on `today`, in the order they were added.
pub fn current(conn: &Connection, today: Date) -> Result<Vec<Promotion>> {
    let day = today.to_string();
    let mut stmt = conn.prepare_cached(
        "SELECT title, body FROM promotions
         WHERE (starts_on IS NULL OR starts_on <= ?1) AND (ends_on IS NULL OR ends_on >= ?1)
         ORDER BY id",
    )?;
    let rows = stmt.query_map([day], |r| {
        Ok(Promotion {
            title: r.get(0)?,
            body: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn add(
    conn: &Connection,
    title: &str,
    body: &str,
    starts_on: Option<Date>,
    ends_on: Option<Date>,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO promotions(title, body, starts_on, ends_on) VALUES (?1, ?2, ?3, ?4)",
        params![
            title,
            body,
            starts_on.map(|d| d.to_string()),
            ends_on.map(|d| d.to_string())
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Replaces (or with `None` withdraws) the promotion the central knows by `key`.
pub fn replace_central(
    conn: &Connection,
    key: &str,
    promotion: Option<NewPromotion<'_>>,
) -> Result<()> {
    conn.prepare_cached("DELETE FROM promotions WHERE central_key = ?1")?
        .execute([key])?;
    if let Some(p) = promotion {
        let id = add(conn, p.title, p.body, p.starts_on, p.ends_on)?;
        conn.prepare_cached("UPDATE promotions SET central_key = ?2 WHERE id = ?1")?
            .execute(params![id, key])?;
    }
    Ok(())
}

/// A promotion as the central sends it.
pub struct NewPromotion<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use jiff::civil::date;

    #[test]
    fn only_running_promotions_show() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        add(store.conn(), "Always", "a", None, None).unwrap();
        add(
            store.conn(),
            "November",
            "b",
            Some(date(2026, 11, 1)),
            Some(date(2026, 11, 30)),
        )
        .unwrap();
        add(store.conn(), "Past", "c", None, Some(date(2026, 1, 1))).unwrap();
        let titles: Vec<String> = current(store.conn(), date(2026, 11, 28))
            .unwrap()
            .into_iter()
            .map(|p| p.title)
            .collect();
        assert_eq!(titles, ["Always", "November"]);
    }
}
