//! Serving the API (HTTP or HTTPS) with the bounds a server on a library's network needs:
//! a client that sends its request header one byte a second, or holds a connection open
//! doing nothing, or dribbles a body, is cut off; and only so many requests run at once.
//!
//! Both plain HTTP and TLS go through `axum-server`, so the same limits apply to both; a TLS
//! handshake must also finish within the header timeout.

use axum::Router;
use axum_server::accept::Accept;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use hyper_util::rt::TokioTimer;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::time::Duration;
use tokio::net::TcpStream;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

/// How long and how much a client may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// To send a whole request header; also how long an idle kept-alive connection waits
    /// for its next request.
    pub header: Duration,
    /// To send a request body.
    pub body: Duration,
    /// For a whole request to be answered (a pull page of 10,000 changes included).
    pub request: Duration,
    /// Requests handled at once; more wait their turn.
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

/// The router with the body, request and concurrency bounds.
pub fn bounded(app: Router, limits: &Limits) -> Router {
    app.layer(RequestBodyTimeoutLayer::new(limits.body))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            limits.request,
        ))
        .layer(GlobalConcurrencyLimitLayer::new(limits.concurrent.max(1)))
}

/// Serves `app` on an already bound listener, over TLS when `tls` is given, until `shutdown`
/// completes; requests in flight then get 10 s to finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    tls: Option<RustlsConfig>,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    // With the peer address: the public pages rate-limit sign-in per client.
    let app = bounded(app, &limits).into_make_service_with_connect_info::<std::net::SocketAddr>();
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
