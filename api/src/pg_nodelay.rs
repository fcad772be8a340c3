//! `TCP_NODELAY` on every PostgreSQL connection, which sqlx 0.9.0 no longer sets.
//!
//! Without it, Nagle's algorithm holds back a write while an earlier one is still
//! unacknowledged, and PostgreSQL acknowledges late (delayed ACK, about 40 ms on Linux).
//! sqlx hands its TLS records to the socket one `write` at a time, so any statement
//! longer than one record (16 KB: the writer's multi-row inserts, the reminder
//! materialiser's batch) waited about 40 ms in the kernel. Measured (`--bench http`,
//! PostgreSQL over TLS on loopback, 2026-12-01): a batch of 23 exercise-log requests took
//! about 60 ms in the writer, and 20-log requests ran at 13,000 logs/s with half the CPU
//! idle; with TLS turned off, 36,800 logs/s. sqlx fixed this upstream (launchbadge/sqlx
//! #4335, #4336) but has not released it; until then each new connection is found among
//! the process's sockets and given the option here.
//!
//! The connection is identified exactly: the server reports the client port it sees
//! (`inet_client_port()`), and the one socket of this process whose local port that is
//! and whose peer is the server's port is the connection. A Unix-socket connection has
//! no client port and needs nothing.

use sea_orm::sqlx::{Executor, PgConnection, Row};

/// Sets `TCP_NODELAY` on the socket of `conn`, a freshly opened connection. A failure to
/// find or set it costs speed, never correctness, so it is logged and not returned.
pub async fn set_on(conn: &mut PgConnection) -> Result<(), sea_orm::sqlx::Error> {
    let row = (&mut *conn).fetch_one("SELECT inet_client_port(), inet_server_port()").await?;
    let (client, server): (Option<i32>, Option<i32>) = (row.try_get(0)?, row.try_get(1)?);
    let (Some(client), Some(server)) = (client, server) else {
        return Ok(()); // a Unix socket
    };
    let (Ok(client), Ok(server)) = (u16::try_from(client), u16::try_from(server)) else {
        return Ok(());
    };
    match socket::set_nodelay_between(client, server) {
        Ok(true) => {}
        Ok(false) => tracing::warn!(client, server, "no socket found for a PostgreSQL connection; TCP_NODELAY unset"),
        Err(e) => tracing::warn!(error = %e, "could not set TCP_NODELAY on a PostgreSQL connection"),
    }
    Ok(())
}

#[cfg(target_os = "linux")]
pub(crate) mod socket {
    use std::{io, mem, os::fd::RawFd};

    /// The local and peer ports of `fd`, if it is an IPv4 or IPv6 socket.
    fn ports(fd: RawFd) -> Option<(u16, u16)> {
        let port = |get: unsafe extern "C" fn(RawFd, *mut libc::sockaddr, *mut libc::socklen_t) -> libc::c_int| {
            // SAFETY: `addr` is a zeroed sockaddr_storage, large enough for any address,
            // and `len` holds its size, as getsockname/getpeername require.
            let mut addr: libc::sockaddr_storage = unsafe { mem::zeroed() };
            let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            if unsafe { get(fd, (&raw mut addr).cast(), &mut len) } != 0 {
                return None;
            }
            match i32::from(addr.ss_family) {
                // SAFETY: the family says which address type the storage holds.
                libc::AF_INET => {
                    Some(u16::from_be(unsafe { (*(&raw const addr).cast::<libc::sockaddr_in>()).sin_port }))
                }
                libc::AF_INET6 => {
                    Some(u16::from_be(unsafe { (*(&raw const addr).cast::<libc::sockaddr_in6>()).sin6_port }))
                }
                _ => None,
            }
        };
        Some((port(libc::getsockname)?, port(libc::getpeername)?))
    }

    fn set_nodelay(fd: RawFd) -> io::Result<()> {
        let on: libc::c_int = 1;
        // SAFETY: TCP_NODELAY takes an int; `on` outlives the call.
        let rc = unsafe {
            libc::setsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                (&raw const on).cast(),
                mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
    }

    /// Whether TCP_NODELAY is on for `fd` (for the tests).
    #[cfg(test)]
    pub fn nodelay(fd: RawFd) -> io::Result<bool> {
        let mut on: libc::c_int = 0;
        let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: TCP_NODELAY reads back an int into `on`, whose size `len` holds.
        let rc = unsafe { libc::getsockopt(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, (&raw mut on).cast(), &mut len) };
        if rc == 0 { Ok(on != 0) } else { Err(io::Error::last_os_error()) }
    }

    /// The process's TCP socket from local port `local` to peer port `peer`, if any.
    pub fn find(local: u16, peer: u16) -> io::Result<Option<RawFd>> {
        for entry in std::fs::read_dir("/proc/self/fd")? {
            let Some(fd) = entry?.file_name().to_str().and_then(|name| name.parse::<RawFd>().ok()) else { continue };
            if ports(fd) == Some((local, peer)) {
                return Ok(Some(fd));
            }
        }
        Ok(None)
    }

    /// Sets TCP_NODELAY on the socket from `local` to `peer`; false when there is none.
    pub fn set_nodelay_between(local: u16, peer: u16) -> io::Result<bool> {
        match find(local, peer)? {
            Some(fd) => set_nodelay(fd).map(|()| true),
            None => Ok(false),
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) mod socket {
    /// Elsewhere the sockets are not enumerated; the connection keeps sqlx's defaults.
    pub fn set_nodelay_between(_local: u16, _peer: u16) -> std::io::Result<bool> {
        Ok(true)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::{
        net::{TcpListener, TcpStream},
        os::fd::AsRawFd,
    };

    use super::socket;

    #[test]
    fn finds_the_one_socket_between_two_ports_and_sets_the_option_on_it() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        let (local, peer) = (client.local_addr().unwrap().port(), client.peer_addr().unwrap().port());
        assert!(!socket::nodelay(client.as_raw_fd()).unwrap(), "Nagle is on by default");

        assert_eq!(socket::find(local, peer).unwrap(), Some(client.as_raw_fd()));
        assert!(socket::set_nodelay_between(local, peer).unwrap());
        assert!(socket::nodelay(client.as_raw_fd()).unwrap());
        // The accepted end (ports the other way round) is another socket, left alone.
        assert!(!socket::nodelay(accepted.as_raw_fd()).unwrap());
        // Ports no socket has.
        assert!(!socket::set_nodelay_between(local, local).unwrap());
    }

    /// Every connection the server's pool opens to PostgreSQL (the test cluster, when one
    /// is configured) has the option on.
    #[tokio::test]
    async fn the_servers_postgres_connections_have_nodelay() {
        use sea_orm::{ConnectionTrait, DbBackend, Statement};

        let Some(url) = std::env::var("FASCIA_TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) else {
            return;
        };
        let vars = [("FASCIA_DATABASE_URL".to_owned(), url), ("FASCIA_DB_MAX_CONNECTIONS".to_owned(), "2".to_owned())];
        let settings = crate::config::Settings::from_map(&vars.into_iter().collect()).unwrap();
        let db = crate::db::connect(&settings).await.unwrap();
        let sql = "SELECT inet_client_port() AS client, inet_server_port() AS server";
        let row = db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql)).await.unwrap().unwrap();
        let (client, server): (i32, i32) = (row.try_get("", "client").unwrap(), row.try_get("", "server").unwrap());
        let fd = socket::find(client as u16, server as u16).unwrap().expect("the connection's socket");
        assert!(socket::nodelay(fd).unwrap());
        db.close().await.unwrap();
    }
}
