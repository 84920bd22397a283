//! The proxy's side of HTTP/1.1: one request read off a connection (its body by
//! `Content-Length` or chunks), and forwarded upstream on a connection of its own.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Seen;

/// A request as read off the wire: what to match on, and its head and body to forward.
pub(super) struct Request {
    pub(super) seen: Seen,
    head: Vec<(String, String)>,
    request_line: String,
    body: Vec<u8>,
}

/// Reads one request (its head, then its body by `Content-Length` or chunks).
pub(super) async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 1 << 20 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut rest = buf[end + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let body = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        read_chunked(stream, rest).await?
    } else {
        let length: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while rest.len() < length {
            let mut chunk = vec![0u8; (length - rest.len()).min(1 << 16)];
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            rest.extend_from_slice(&chunk[..n]);
        }
        rest.truncate(length);
        rest
    };
    let mut parts = request_line.split(' ');
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let seen = Seen {
        method,
        path: path.to_string(),
        query: query.to_string(),
        operation: header("x-amz-target"),
        body: String::from_utf8_lossy(&body).into_owned(),
        faulted: false,
    };
    Some(Request {
        seen,
        head: headers,
        request_line,
        body,
    })
}

/// The rest of a chunked body, `buf` holding what was already read.
async fn read_chunked(stream: &mut TcpStream, mut buf: Vec<u8>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        while find(&buf, b"\r\n").is_none() {
            read_more(stream, &mut buf).await?;
        }
        let line_end = find(&buf, b"\r\n")?;
        let size_text = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        while buf.len() < line_end + 2 + size + 2 {
            read_more(stream, &mut buf).await?;
        }
        body.extend_from_slice(&buf[line_end + 2..line_end + 2 + size]);
        buf.drain(..line_end + 2 + size + 2);
        if size == 0 {
            return Some(body);
        }
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await.ok()?;
    (n > 0).then(|| buf.extend_from_slice(&chunk[..n]))
}

/// Sends the request to `upstream` on a connection of its own and returns the answer as read,
/// its head saying `Connection: close`.
pub(super) async fn forward(upstream: &str, request: &Request) -> Option<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).await.ok()?;
    let mut head = format!("{}\r\n", request.request_line);
    for (name, value) in &request.head {
        if !matches!(
            name.as_str(),
            "connection" | "keep-alive" | "transfer-encoding" | "content-length"
        ) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        request.body.len()
    ));
    server.write_all(head.as_bytes()).await.ok()?;
    server.write_all(&request.body).await.ok()?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), server.read_to_end(&mut answer))
        .await
        .ok()?
        .ok()?;
    // The client must not reuse a connection this proxy is about to close.
    let end = find(&answer, b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&answer[..end]).into_owned();
    let mut rewritten: String = head
        .split("\r\n")
        .filter(|l| {
            let name = l
                .split(':')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            name != "connection" && name != "keep-alive"
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    rewritten.push_str("\r\nconnection: close\r\n\r\n");
    let mut out = rewritten.into_bytes();
    out.extend_from_slice(&answer[end + 4..]);
    Some(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
