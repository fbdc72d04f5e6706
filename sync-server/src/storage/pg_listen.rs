//! Each instance on PostgreSQL listens for the others' pushes on a
//! connection of its own and passes each notice on to its held pulls.
//! When the connection drops it reconnects, and once listening again it
//! wakes every held pull, since notices sent meanwhile are lost.

use std::time::Duration;
use tokio_postgres::{AsyncMessage, NoTls};

use super::feed_signal::{CHANNEL, FeedMoved, FeedSignal};

const FIRST_RETRY: Duration = Duration::from_millis(500);
const MAX_RETRY: Duration = Duration::from_secs(30);

/// Runs until the backend's runtime shuts down.
pub async fn relay(config: tokio_postgres::Config, signal: FeedSignal) {
    let mut retry = FIRST_RETRY;
    loop {
        match listen_once(&config, &signal).await {
            Ok(()) => retry = FIRST_RETRY,
            Err(e) => tracing::warn!("listening for other instances' pushes failed: {e}"),
        }
        tokio::time::sleep(retry).await;
        retry = (retry * 2).min(MAX_RETRY);
    }
}

/// One connection's life: `LISTEN`, then notices until it closes.
async fn listen_once(
    config: &tokio_postgres::Config,
    signal: &FeedSignal,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let to = signal.clone();
    // The connection's messages must be read for `LISTEN` itself to finish.
    let reader = tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(n)) => to.send(FeedMoved::from_payload(n.payload())),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("the listening connection failed: {e}");
                    break;
                }
            }
        }
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    signal.send(FeedMoved::anywhere());
    let _ = reader.await;
    Ok(())
}
