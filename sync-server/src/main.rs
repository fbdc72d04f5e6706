//! `gridwalk-sync-server [--listen ADDR] [--data-dir DIR] [--demo]`, or
//! `gridwalk-sync-server backup FOLDER` / `restore FOLDER` (see `backup.rs`).
//!
//! Logs go to stdout, as text or — with `GRIDWALK_LOG_FORMAT=json` — one
//! JSON object a line for a log collector. `RUST_LOG` picks the levels.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=warn".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match std::env::var("GRIDWALK_LOG_FORMAT").as_deref() {
        Ok("json") => logs.json().flatten_event(true).init(),
        Ok("text") | Err(_) => logs.init(),
        Ok(other) => anyhow::bail!("GRIDWALK_LOG_FORMAT must be json or text, not {other:?}"),
    }
    use gridwalk_sync_server::config::Invocation;
    let invocation = match gridwalk_sync_server::ServerConfig::from_args(std::env::args().skip(1)) {
        Ok(invocation) => invocation?,
        // --help, --version and mistyped flags: clap prints and exits.
        Err(e) => e.exit(),
    };
    let config = match invocation {
        Invocation::Serve(config) => config,
        Invocation::Backup(config, folder) => {
            let done = gridwalk_sync_server::backup::backup(&config, &folder)?;
            tracing::info!("{done}");
            return Ok(());
        }
        Invocation::Restore(config, folder) => {
            let done = gridwalk_sync_server::backup::restore(&config, &folder)?;
            tracing::info!("{done}");
            return Ok(());
        }
    };
    let server = gridwalk_sync_server::spawn(config).await?;
    tracing::info!("gridwalk sync server listening on http://{}", server.addr());
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}
