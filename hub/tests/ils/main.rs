//! The connector to the library's own system (INLISLite, SLiMS) against a real MariaDB server:
//! the throwaway server scripts/test starts (`SWALAYAN_TEST_MARIADB` names it), a fresh
//! database per test loaded from the project's own fixtures (tests/fixtures/ils/), written
//! from the facts of each system's schema.

mod check;
mod inlislite;
mod kiosk;
mod library;
mod pins;
mod support;
mod sync;
mod write;
