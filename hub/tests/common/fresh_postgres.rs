//! A fresh database on the throwaway PostgreSQL cluster scripts/test starts, for a hub on
//! PostgreSQL in the tests.

/// Creates a database on the test cluster and returns its URL.
pub fn database() -> String {
    let admin = std::env::var("SWALAYAN_TEST_POSTGRES").expect(
        "SWALAYAN_TEST_POSTGRES is not set: run the tests through scripts/test, which starts a \
         throwaway PostgreSQL cluster on loopback (or point it at one: postgres://USER@127.0.0.1:PORT/postgres)",
    );
    let name = format!("hub_{}", uuid::Uuid::now_v7().simple());
    let mut client = postgres::Client::connect(&admin, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot reach the test cluster at {admin}: {e}"));
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    format!("{base}/{name}")
}
