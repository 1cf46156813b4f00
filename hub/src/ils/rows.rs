//! Rows of the library system's database as typed tuples, without the panics of the `mysql`
//! crate's own conversions: a column of another type or an unexpected NULL (a schema the
//! hub did not expect) is an error that names the query, and the link goes on running.
//! Dates and times are selected as text (`CAST(… AS CHAR)`) and read with
//! [`crate::ils::slims::columns`], the same through both protocols.

use super::IlsError;
use mysql::prelude::{FromRow, Queryable};

fn convert<T: FromRow>(row: mysql::Row, sql: &str) -> Result<T, IlsError> {
    mysql::from_row_opt(row).map_err(|e| {
        let first_line = sql.split_whitespace().take(8).collect::<Vec<_>>().join(" ");
        IlsError::Database(format!("unexpected column types in {first_line} …: {e}"))
    })
}

/// Every row of a query without parameters.
pub fn all<T: FromRow>(conn: &mut mysql::Conn, sql: &str) -> Result<Vec<T>, IlsError> {
    let rows: Vec<mysql::Row> = conn.query(sql)?;
    rows.into_iter().map(|row| convert(row, sql)).collect()
}

/// Every row of a query with parameters (dates selected as text: the binary protocol
/// carries them as dates).
pub fn all_with<T: FromRow>(
    conn: &mut mysql::Conn,
    sql: &str,
    params: impl Into<mysql::Params>,
) -> Result<Vec<T>, IlsError> {
    let rows: Vec<mysql::Row> = conn.exec(sql, params)?;
    rows.into_iter().map(|row| convert(row, sql)).collect()
}

/// The first row of a query with parameters, if any.
pub fn first<T: FromRow>(
    conn: &mut mysql::Conn,
    sql: &str,
    params: impl Into<mysql::Params>,
) -> Result<Option<T>, IlsError> {
    let row: Option<mysql::Row> = conn.exec_first(sql, params)?;
    row.map(|row| convert(row, sql)).transpose()
}

/// The first row of a query without parameters, if any.
pub fn first_of<T: FromRow>(conn: &mut mysql::Conn, sql: &str) -> Result<Option<T>, IlsError> {
    let row: Option<mysql::Row> = conn.query_first(sql)?;
    row.map(|row| convert(row, sql)).transpose()
}
