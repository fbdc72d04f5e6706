//! A TCP relay in front of the sync server that counts every byte each way,
//! so the figures are what a phone's radio would carry: HTTP headers,
//! bodies, everything on the connection.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Default)]
pub struct Meter {
    up: AtomicU64,
    down: AtomicU64,
}

/// Bytes sent to the server and received from it, so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bytes {
    pub up: u64,
    pub down: u64,
}

impl Bytes {
    pub fn since(self, start: Bytes) -> Bytes {
        Bytes {
            up: self.up - start.up,
            down: self.down - start.down,
        }
    }

    pub fn both(self) -> u64 {
        self.up + self.down
    }
}

impl Meter {
    pub fn read(&self) -> Bytes {
        Bytes {
            up: self.up.load(Ordering::SeqCst),
            down: self.down.load(Ordering::SeqCst),
        }
    }
}

/// Starts a relay to `server`; returns its URL and its meter.
pub async fn relay(server: SocketAddr) -> (String, Arc<Meter>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let meter = Arc::new(Meter::default());
    let m = meter.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = TcpStream::connect(server).await.unwrap();
            let _ = client.set_nodelay(true);
            let _ = upstream.set_nodelay(true);
            let (cr, cw) = client.into_split();
            let (ur, uw) = upstream.into_split();
            tokio::spawn(pump(cr, uw, m.clone(), true));
            tokio::spawn(pump(ur, cw, m.clone(), false));
        }
    });
    (url, meter)
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    meter: Arc<Meter>,
    up: bool,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let counter = if up { &meter.up } else { &meter.down };
        counter.fetch_add(n as u64, Ordering::SeqCst);
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
