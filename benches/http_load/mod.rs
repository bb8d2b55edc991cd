//! A lean HTTP/1.1 load generator: keep-alive connections writing one prepared request and
//! reading the answer by its Content-Length, nothing parsed beyond the status line and
//! headers. The server, Redis and PostgreSQL share this machine's cores with it, so the less it
//! spends per request the more the numbers describe the API rather than the client.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    task::JoinSet,
};

/// The bytes of `POST /graphql` for `query` with a bearer token.
pub fn post(address: &str, token: &str, query: &str) -> Vec<u8> {
    let body = serde_json::json!({ "query": query }).to_string();
    format!(
        "POST /graphql HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

pub struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    pub async fn open(address: &str) -> Result<Self, String> {
        let stream = TcpStream::connect(address)
            .await
            .map_err(|e| format!("connect to {address}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        Ok(Self {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
        })
    }

    /// Sends `request` and returns the body of a 200 answer.
    pub async fn send(&mut self, request: &[u8]) -> Result<&[u8], String> {
        self.stream
            .write_all(request)
            .await
            .map_err(|e| e.to_string())?;
        self.buffer.clear();
        let head_end = loop {
            if let Some(at) = find(&self.buffer, b"\r\n\r\n") {
                break at + 4;
            }
            self.read_more().await?;
        };
        let head = std::str::from_utf8(&self.buffer[..head_end]).map_err(|e| e.to_string())?;
        if !head.starts_with("HTTP/1.1 200") {
            return Err(format!("unexpected answer: {head}"));
        }
        let length: usize = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .ok_or("an answer without content-length")?;
        while self.buffer.len() < head_end + length {
            self.read_more().await?;
        }
        Ok(&self.buffer[head_end..head_end + length])
    }

    /// Reads what has arrived into the spare capacity of the buffer (no zeroed chunk to copy
    /// from: the generator should spend as little of the shared cores as it can).
    async fn read_more(&mut self) -> Result<(), String> {
        self.buffer.reserve(16 * 1024);
        let read = self
            .stream
            .read_buf(&mut self.buffer)
            .await
            .map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("the server closed the connection".into());
        }
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `connections` clients, each sending `request` again as soon as its answer arrived, for
/// `seconds`, on one thread of their own; every answer must equal `expected`. Returns each
/// request's latency.
pub fn closed_loop(
    address: &str,
    request: Vec<u8>,
    expected: Vec<u8>,
    connections: usize,
    seconds: u64,
) -> Result<Vec<Duration>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (request, expected) = (Arc::new(request), Arc::new(expected));
    runtime.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut clients = JoinSet::new();
        for _ in 0..connections {
            let mut connection = Connection::open(address).await?;
            let (request, expected) = (Arc::clone(&request), Arc::clone(&expected));
            clients.spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    if connection.send(&request).await? != expected.as_slice() {
                        return Err("an answer differs from the expected one".to_string());
                    }
                    latencies.push(sent.elapsed());
                }
                Ok(latencies)
            });
        }
        let mut all = Vec::new();
        while let Some(latencies) = clients.join_next().await {
            all.extend(latencies.map_err(|e| e.to_string())??);
        }
        Ok(all)
    })
}
