//! A TCP proxy a test can cut and restore, standing in for a database server that goes
//! away and comes back without touching the real one (other tests share it).
//!
//! Cutting closes every proxied connection abortively (the peer sees a reset, as when a
//! server process dies) and closes the listening socket, so new connections are refused
//! as by a stopped server. Restoring listens on the same port again.

use std::{io, net::SocketAddr};

use tokio::{
    net::{TcpListener, TcpSocket, TcpStream},
    sync::watch,
    task::JoinHandle,
};

pub struct CuttableProxy {
    addr: SocketAddr,
    open: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl CuttableProxy {
    /// Listens on a free loopback port and forwards every connection to `upstream`.
    pub async fn start(upstream: SocketAddr) -> io::Result<Self> {
        let listener = listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;
        let (open, watching) = watch::channel(true);
        let task = tokio::spawn(serve(listener, addr, upstream, watching));
        Ok(Self { addr, open, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Drops every connection and refuses new ones until [`restore`](Self::restore).
    pub fn cut(&self) {
        self.open.send_replace(false);
    }

    pub fn restore(&self) {
        self.open.send_replace(true);
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.cut();
        self.task.abort();
    }
}

/// A listening socket that may take over a port whose earlier connections linger in
/// TIME_WAIT, which a restore right after a cut needs.
fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

async fn serve(mut listener: TcpListener, addr: SocketAddr, upstream: SocketAddr, mut open: watch::Receiver<bool>) {
    let for_connections = open.clone();
    loop {
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    if let Ok((client, _)) = accepted {
                        tokio::spawn(pipe(client, upstream, for_connections.clone()));
                    }
                }
                _ = open.wait_for(|open| !open) => break,
            }
        }
        drop(listener);
        if open.wait_for(|open| *open).await.is_err() {
            return;
        }
        listener = match listen(addr) {
            Ok(l) => l,
            Err(e) => panic!("the proxy cannot listen on {addr} again: {e}"),
        };
    }
}

async fn pipe(mut client: TcpStream, upstream: SocketAddr, mut open: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = open.wait_for(|open| !open) => {
            // A zero linger makes the close a reset, as when the server process dies.
            let _ = client.set_zero_linger();
            let _ = server.set_zero_linger();
        }
    }
}
