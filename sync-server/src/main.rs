//! `gridwalk-sync-server [--listen ADDR] [--data-dir DIR] [--demo]`

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let config = gridwalk_sync_server::ServerConfig::from_args(std::env::args().skip(1))?;
    let server = gridwalk_sync_server::spawn(config).await?;
    tracing::info!("gridwalk sync server listening on http://{}", server.addr());
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}
