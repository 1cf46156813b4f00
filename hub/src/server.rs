//! Serving the API (HTTP or HTTPS) with the bounds a server on a library's network needs:
//! a client that sends its request header one byte a second, or holds a connection open
//! doing nothing, or dribbles a body, is cut off; and only so many requests run at once.
//!
//! The stations' API and the web (public pages and the staff's) have a concurrency bound
//! each: whoever fills the web's slots (a crawler, or someone dribbling form posts) never
//! takes a station's. Stations behind one NAT share an address, so the bound is per part,
//! not per address.
//!
//! Both plain HTTP and TLS go through `axum-server`, so the same limits apply to both; a TLS
//! handshake must also finish within the header timeout.

use crate::api::{AppState, metrics_router, router};
use crate::config::Library;
use crate::metrics::Metrics;
use crate::storage::Storage;
use crate::tls;
use crate::web::{self, WebState};
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum_server::accept::Accept;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use hyper_util::rt::TokioTimer;
use std::future::Future;
use std::io;
use std::io::Write as _;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpStream;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// How long and how much a client may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// To send a whole request header; also how long an idle kept-alive connection waits
    /// for its next request.
    pub header: Duration,
    /// To send a whole request body, from the end of its header (not a gap between chunks:
    /// a client sending a byte now and then would never hit that).
    pub body: Duration,
    /// For a whole request to be answered (a pull page of 10,000 changes included).
    pub request: Duration,
    /// Requests handled at once by the stations' API, and as many again by the web; more
    /// wait their turn.
    pub concurrent: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header: Duration::from_secs(10),
            body: Duration::from_secs(60),
            request: Duration::from_secs(120),
            concurrent: 64,
        }
    }
}

/// The stations' API and the web as one router, each part with its own concurrency bound,
/// and the body and request bounds over both.
pub fn bounded_parts(api: Router, web: Router, limits: &Limits) -> Router {
    let slots = || GlobalConcurrencyLimitLayer::new(limits.concurrent.max(1));
    timed(api.layer(slots()).merge(web.layer(slots())), limits)
}

/// One router with the body, request and concurrency bounds (the metrics listener).
pub fn bounded(app: Router, limits: &Limits) -> Router {
    timed(
        app.layer(GlobalConcurrencyLimitLayer::new(limits.concurrent.max(1))),
        limits,
    )
}

/// The whole-body and whole-request time bounds.
fn timed(app: Router, limits: &Limits) -> Router {
    app.layer(axum::middleware::from_fn_with_state(
        limits.body,
        whole_body_within,
    ))
    .layer(TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        limits.request,
    ))
}

/// Gives a request's body `limit` to arrive whole, counted from now (its header is in).
async fn whole_body_within(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let request = request.map(|body| Body::new(WithinDeadline::new(body, limit)));
    next.run(request).await
}

/// A body that fails once its deadline passes, however it trickles. The handler reading it
/// then answers (400, or 413 over the size limit) and its concurrency slot is freed.
struct WithinDeadline {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl WithinDeadline {
    fn new(inner: Body, limit: Duration) -> WithinDeadline {
        WithinDeadline {
            inner,
            deadline: Box::pin(tokio::time::sleep(limit)),
        }
    }
}

/// Why a body was cut off.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within the time allowed for a whole body")]
pub struct BodyTooSlow;

impl HttpBody for WithinDeadline {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(BodyTooSlow.into())));
        }
        Pin::new(&mut self.inner)
            .poll_frame(cx)
            .map_err(axum::BoxError::from)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `app` (already [`bounded`] or [`bounded_parts`]) on a bound listener, over TLS when
/// `tls` is given, until `shutdown` completes; requests in flight then get 10 s to finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    tls: Option<RustlsConfig>,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    // With the peer address: the public pages rate-limit sign-in per client.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = listener.into_std()?;
    let first_byte = FirstByteWithin(limits.header);
    match tls {
        None => {
            let mut server = axum_server::from_tcp(listener)?
                .acceptor(first_byte)
                .handle(handle);
            configure(server.http_builder(), &limits);
            server.serve(app).await?;
        }
        Some(config) => {
            let acceptor = RustlsAcceptor::new(config)
                .handshake_timeout(limits.header)
                .acceptor(first_byte);
            let mut server = axum_server::from_tcp(listener)?
                .acceptor(acceptor)
                .handle(handle);
            configure(server.http_builder(), &limits);
            server.serve(app).await?;
        }
    }
    Ok(())
}

/// Drops a connection that sends nothing within the header timeout. hyper's own header
/// timeout only starts once it reads a request head, and the HTTP/1-or-2 detection before
/// that waits for the first bytes without a limit: an idle connection would stay forever.
#[derive(Debug, Clone, Copy)]
struct FirstByteWithin(Duration);

impl<S: Send + 'static> Accept<TcpStream, S> for FirstByteWithin {
    type Stream = TcpStream;
    type Service = S;
    type Future = Pin<Box<dyn Future<Output = io::Result<(TcpStream, S)>> + Send>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let wait = self.0;
        Box::pin(async move {
            let mut first = [0u8; 1];
            match tokio::time::timeout(wait, stream.peek(&mut first)).await {
                Ok(Ok(read)) if read > 0 => Ok((stream, service)),
                Ok(Ok(_)) => Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(io::ErrorKind::TimedOut.into()),
            }
        })
    }
}

fn configure(
    builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    limits: &Limits,
) {
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.header)
        .keep_alive_timeout(limits.header);
}

/// Why `serve` stopped or could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {address}")]
    Listen {
        address: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot handle {signal}")]
    Signal {
        signal: &'static str,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error(transparent)]
    Hub(#[from] crate::storage::HubError),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// `swalayan-hub serve`: the stations' API, the web and (when asked) the metrics on their own
/// address, until SIGTERM or SIGINT; ready for systemd once listening, and its watchdog fed
/// while the database answers.
/// What `serve` runs on threads beside the server, each when hub.toml configures it.
#[derive(Default)]
pub struct Beside {
    /// `[ils]`: the library system's link.
    pub ils: Option<crate::ils::IlsSettings>,
    /// `[notify]`: notifications, when it names channels.
    pub notify: Option<crate::notify::NotifySettings>,
    /// `[digital]`: where the digital library's files are, how large, the library's networks.
    pub digital: Option<crate::digital::DigitalSettings>,
}

pub fn run(
    storage: Arc<dyn Storage>,
    library: Library,
    listen: &str,
    tls: Option<(PathBuf, PathBuf)>,
    metrics_listen: Option<&str>,
    limits: Limits,
    beside: Beside,
) -> Result<(), ServeError> {
    let Beside {
        ils,
        notify,
        digital,
    } = beside;
    let branches = library.branches.clone();
    let notify = notify.filter(|n| !n.channels.is_empty());
    // The channels a kiosk visit's receipt can go by (the kiosk's receipt screen asks).
    let receipt_media: Vec<swalayan_core::contact::Notify> = notify
        .as_ref()
        .map(|n| {
            swalayan_core::contact::Notify::ALL
                .into_iter()
                .filter(|m| {
                    n.channel_for(*m)
                        .is_some_and(|c| c.carries(swalayan_core::contact::MessageKind::Receipt))
                })
                .collect()
        })
        .unwrap_or_default();
    // Notifications are sent from a thread beside the server and stop with it.
    let _notify = match notify {
        Some(settings) => Some(crate::notify::running::start(
            settings,
            Arc::clone(&storage),
            library.clone(),
        )?),
        None => None,
    };
    // The library system's link runs beside the server and stops with it.
    let _link = match ils {
        Some(settings) => Some(crate::ils::running::start(
            settings,
            Arc::clone(&storage),
            library.clone(),
        )?),
        None => None,
    };
    // Before the runtime: PostgreSQL's synchronous client must not block an async worker.
    let mut web = WebState::new(Arc::clone(&storage), library, tls.is_some())?;
    if let Some(digital) = digital {
        web = web.with_digital(digital);
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| ServeError::Listen {
                address: listen.to_string(),
                source,
            })?;
        let address = listener.local_addr()?;
        let storage_for_watchdog = Arc::clone(&storage);
        let state = AppState {
            branches: branches.into(),
            receipt_media: receipt_media.into(),
            storage,
            metrics: Arc::new(Metrics::default()),
        };
        let metrics = match metrics_listen {
            Some(at) => Some(tokio::net::TcpListener::bind(at).await.map_err(|source| {
                ServeError::Listen {
                    address: format!("{at} for metrics"),
                    source,
                }
            })?),
            None => None,
        };
        let app = bounded_parts(router(state.clone()), web::router(web), &limits);
        // Ctrl-C or systemd's SIGTERM: finish the requests in flight, then stop. (A kill
        // mid-batch loses nothing either: a batch commits whole or not at all.) The handlers
        // are installed before the "listening" line, so a stop sent right after it counts.
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|source| ServeError::Signal {
                signal: "SIGTERM",
                source,
            })?;
        let mut interrupt = tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::interrupt(),
        )
        .map_err(|source| ServeError::Signal {
            signal: "SIGINT",
            source,
        })?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = term.recv() => {}
            }
            let _ = stop.send(true);
        });
        let shutdown = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        let tls_config = match tls {
            Some((cert, key)) => Some(tls::server_config(&cert, &key)?),
            None => None,
        };
        let scheme = if tls_config.is_some() {
            "https"
        } else {
            "http"
        };
        // The first line is the stations' address (scripts and tests read it).
        println!("listening on {scheme}://{address}");
        if let Some(listener) = metrics {
            // Whoever read the first line may have stopped reading: not worth a panic.
            let mut out = std::io::stdout();
            let _ = writeln!(out, "metrics on http://{}/metrics", listener.local_addr()?);
            let _ = out.flush();
            let metrics_app = bounded(metrics_router(state), &limits);
            let until = shutdown(stopped.clone());
            tokio::spawn(async move {
                if let Err(e) = serve(listener, None, metrics_app, limits, until).await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            });
        }
        // Under systemd (Type=notify): ready once listening; the watchdog is fed only while
        // the database answers, so a hung database gets the hub restarted.
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
        if let Some(timeout) = sd_notify::watchdog_enabled() {
            tokio::spawn(feed_watchdog(storage_for_watchdog, timeout / 2));
        }
        serve(listener, tls_config, app, limits, shutdown(stopped)).await?;
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
        Ok::<(), ServeError>(())
    })
}

/// Pings systemd's watchdog every `every` while a cheap read of the database answers within
/// that time; a database that hangs stops the pings.
async fn feed_watchdog(storage: Arc<dyn Storage>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let storage = Arc::clone(&storage);
        let read = tokio::task::spawn_blocking(move || storage.changes(i64::MAX, 1).map(|_| ()));
        match tokio::time::timeout(every, read).await {
            Ok(Ok(Ok(()))) => {
                let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
            }
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "watchdog: the database did not answer"),
            _ => tracing::warn!("watchdog: the database did not answer in time"),
        }
    }
}
