//! Prometheus metrics (OpenMetrics text), served only on `serve --metrics-listen ADDR`.
//!
//! Everything here is counted as it happens in this process, so a scrape reads no table:
//! a scraper every few seconds costs the database nothing. The catalog revision is one
//! indexed read. The library's totals (loans, holds, conflicts) are `swalayan-hub status`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: u16,
}

#[derive(Default)]
pub struct Metrics {
    transactions: Family<OutcomeLabel, Counter>,
    conflicts: Family<CodeLabel, Counter>,
    refused: Family<StatusLabel, Counter>,
    pulled: Counter,
}

impl Metrics {
    /// A pushed transaction this process answered: applied, duplicate or conflict.
    pub fn transaction(&self, outcome: &'static str) {
        self.transactions
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    /// A conflict kept for staff, by its code.
    pub fn conflict(&self, code: &str) {
        self.conflicts
            .get_or_create(&CodeLabel {
                code: code.to_string(),
            })
            .inc();
    }

    /// A request refused (401 unknown token, 403 not the role's, 4xx bad input).
    pub fn refused(&self, status: u16) {
        self.refused.get_or_create(&StatusLabel { status }).inc();
    }

    /// Catalog changes served to stations.
    pub fn pulled(&self, changes: u64) {
        self.pulled.inc_by(changes);
    }

    /// The exposition text.
    pub fn render(&self, revision: i64) -> String {
        let mut registry = Registry::with_prefix("swalayan_hub");
        registry.register(
            "pushed_transactions",
            "Pushed transactions this process answered, by outcome",
            self.transactions.clone(),
        );
        registry.register(
            "conflicts_kept",
            "Conflicts this process kept for staff, by reason code",
            self.conflicts.clone(),
        );
        registry.register(
            "refused_requests",
            "Requests this process refused, by HTTP status",
            self.refused.clone(),
        );
        registry.register(
            "pulled_changes",
            "Catalog changes this process served to stations",
            self.pulled.clone(),
        );
        let gauge: Gauge = Gauge::default();
        gauge.set(revision);
        registry.register("catalog_revision", "Newest catalog revision", gauge);
        let mut text = String::new();
        // Encoding into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        text
    }
}
