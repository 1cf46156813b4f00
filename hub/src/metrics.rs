//! Prometheus metrics (`GET /metrics`, OpenMetrics text): counters kept by the API, and
//! the database's counts read at scrape time (right across several hub processes).

use crate::storage::Status;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Default)]
pub struct Metrics {
    transactions: Family<OutcomeLabel, Counter>,
    pulled: Counter,
}

impl Metrics {
    /// A pushed transaction this process answered: applied, duplicate or conflict.
    pub fn transaction(&self, outcome: &'static str) {
        self.transactions
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    /// Catalog changes served to stations.
    pub fn pulled(&self, changes: u64) {
        self.pulled.inc_by(changes);
    }

    /// The exposition text, with the database's counts as gauges.
    pub fn render(&self, status: &Status) -> String {
        let mut registry = Registry::with_prefix("swalayan_hub");
        registry.register(
            "pushed_transactions",
            "Pushed transactions this process answered, by outcome",
            self.transactions.clone(),
        );
        registry.register(
            "pulled_changes",
            "Catalog changes this process served to stations",
            self.pulled.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str, value: i64| {
            let g: Gauge = Gauge::default();
            g.set(value);
            registry.register(name, help, g);
        };
        gauge(
            &mut registry,
            "transactions",
            "Distinct transactions received",
            status.transactions,
        );
        gauge(
            &mut registry,
            "conflicts_open",
            "Conflicts awaiting staff",
            status.conflicts,
        );
        gauge(
            &mut registry,
            "stations",
            "Registered stations",
            status.stations,
        );
        gauge(
            &mut registry,
            "items",
            "Copies in the central catalog",
            status.items,
        );
        gauge(&mut registry, "loans_open", "Open loans", status.loans);
        gauge(&mut registry, "holds_live", "Live holds", status.holds);
        gauge(
            &mut registry,
            "catalog_revision",
            "Newest catalog revision",
            status.revision,
        );
        let mut text = String::new();
        // Encoding into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        text
    }
}
