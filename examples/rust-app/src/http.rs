//! A minimal HTTP/1.1 client over std::net::TcpStream: one POST, `Connection: close`, the answer
//! read to the end. Enough for Ollama's /api/generate with "stream": false.

use std::fmt;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Answers bigger than this are refused (a completion is text; this is generous).
pub const MAX_RESPONSE: usize = 64 << 20;

/// Where the server is: http://HOST[:PORT][/PREFIX]
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub prefix: String,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "http://[{}]:{}{}", self.host, self.port, self.prefix)
        } else {
            write!(f, "http://{}:{}{}", self.host, self.port, self.prefix)
        }
    }
}

impl Endpoint {
    /// Parse "http://host:port", "host:port", "host", "[::1]:11434" or with a path prefix, the way
    /// OLLAMA_HOST is written. The port defaults to Ollama's 11434.
    pub fn parse(s: &str, default_port: u16) -> Result<Endpoint, String> {
        let s = s.trim();
        let rest = if let Some(r) = s.strip_prefix("http://") {
            r
        } else if s.starts_with("https://") {
            return Err(format!("'{s}': https is not supported by this client; use the plain http address of a local Ollama"));
        } else if s.contains("://") {
            return Err(format!("'{s}': only http:// addresses are supported"));
        } else {
            s
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let prefix = path.trim_end_matches('/').to_string();
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let end = v6.find(']').ok_or_else(|| format!("'{s}': missing ']' after an IPv6 address"))?;
            let after = &v6[end + 1..];
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(format!("'{s}': unexpected '{after}' after the IPv6 address")),
            };
            (v6[..end].to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (authority.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(format!("'{s}': no host name"));
        }
        let port = match port {
            None => default_port,
            Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| format!("'{s}': '{p}' is not a port number"))?,
        };
        Ok(Endpoint { host, port, prefix })
    }
}

#[derive(Debug)]
pub enum HttpError {
    /// No TCP connection: refused, no route, name not resolved, timed out connecting.
    Connect(String),
    /// Connected, but sending or receiving failed (or timed out).
    Io(String),
    /// The peer did not answer with a well-formed HTTP/1.x response.
    Protocol(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Connect(s) | HttpError::Io(s) | HttpError::Protocol(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, PartialEq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// POST a JSON body to `path` (after the endpoint's prefix) and read the whole answer.
pub fn post_json(ep: &Endpoint, path: &str, body: &str, connect_timeout: Duration, io_timeout: Duration) -> Result<Response, HttpError> {
    let addrs: Vec<_> = (ep.host.as_str(), ep.port)
        .to_socket_addrs()
        .map_err(|e| HttpError::Connect(format!("cannot resolve '{}': {e}", ep.host)))?
        .collect();
    let mut last = None;
    let mut stream = None;
    for a in &addrs {
        match TcpStream::connect_timeout(a, connect_timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let mut stream = match stream {
        Some(s) => s,
        None => {
            let why = last.map(|e| e.to_string()).unwrap_or_else(|| "no address".to_string());
            return Err(HttpError::Connect(why));
        }
    };
    let io = |e: std::io::Error| HttpError::Io(e.to_string());
    stream.set_read_timeout(Some(io_timeout)).map_err(io)?;
    stream.set_write_timeout(Some(io_timeout)).map_err(io)?;

    let host_header = if ep.host.contains(':') { format!("[{}]:{}", ep.host, ep.port) } else { format!("{}:{}", ep.host, ep.port) };
    let request = format!(
        "POST {}{} HTTP/1.1\r\nHost: {}\r\nUser-Agent: ollama-ask/{}\r\nAccept: application/json\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        ep.prefix,
        path,
        host_header,
        env!("CARGO_PKG_VERSION"),
        body.len(),
        body
    );
    stream.write_all(request.as_bytes()).map_err(io)?;
    stream.flush().map_err(io)?;

    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {
                return Err(HttpError::Io(format!("no complete answer within {} s", io_timeout.as_secs())));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        };
        if n == 0 {
            break;
        }
        if raw.len() + n > MAX_RESPONSE {
            return Err(HttpError::Protocol(format!("the answer is larger than {} MiB", MAX_RESPONSE >> 20)));
        }
        raw.extend_from_slice(&buf[..n]);
    }
    parse_response(&raw)
}

/// Parse a complete HTTP/1.x response (status line, headers, body by Content-Length, chunked
/// transfer coding, or up to the end of the connection).
pub fn parse_response(raw: &[u8]) -> Result<Response, HttpError> {
    let proto = |s: &str| HttpError::Protocol(s.to_string());
    if raw.is_empty() {
        return Err(proto("the connection was closed without an answer"));
    }
    let head_end = find(raw, b"\r\n\r\n").ok_or_else(|| proto("the answer is not HTTP (no end of headers)"))?;
    let head = std::str::from_utf8(&raw[..head_end]).map_err(|_| proto("the answer's headers are not text"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(HttpError::Protocol(format!("the answer is not HTTP/1.x: '{}'", truncate(status_line, 60))));
    }
    let status = parts
        .next()
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|c| (100..600).contains(c))
        .ok_or_else(|| HttpError::Protocol(format!("bad status line '{}'", truncate(status_line, 60))))?;
    let reason = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    for l in lines {
        let (k, v) = l.split_once(':').ok_or_else(|| HttpError::Protocol(format!("bad header line '{}'", truncate(l, 60))))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let mut resp = Response { status, reason, headers, body: Vec::new() };
    let rest = &raw[head_end + 4..];
    let chunked = resp.header("Transfer-Encoding").map(|v| v.to_ascii_lowercase().contains("chunked")).unwrap_or(false);
    resp.body = if chunked {
        dechunk(rest)?
    } else if let Some(cl) = resp.header("Content-Length") {
        let n: usize = cl.parse().map_err(|_| HttpError::Protocol(format!("bad Content-Length '{cl}'")))?;
        if rest.len() < n {
            return Err(HttpError::Protocol(format!("the answer was cut short: {} of {} bytes", rest.len(), n)));
        }
        rest[..n].to_vec()
    } else {
        rest.to_vec()
    };
    Ok(resp)
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, HttpError> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n").ok_or_else(|| HttpError::Protocol("the chunked answer was cut short".to_string()))?;
        let size_text = std::str::from_utf8(&rest[..line_end]).unwrap_or("");
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| HttpError::Protocol(format!("bad chunk size '{}'", truncate(size_text, 20))))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            return Err(HttpError::Protocol("the chunked answer was cut short".to_string()));
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_as_ollama_host_is_written() {
        let e = |s| Endpoint::parse(s, 11434);
        assert_eq!(e("http://127.0.0.1:11434").unwrap(), Endpoint { host: "127.0.0.1".into(), port: 11434, prefix: "".into() });
        assert_eq!(e("0.0.0.0:8080").unwrap(), Endpoint { host: "0.0.0.0".into(), port: 8080, prefix: "".into() });
        assert_eq!(e("ollama").unwrap(), Endpoint { host: "ollama".into(), port: 11434, prefix: "".into() });
        assert_eq!(e("http://[::1]:99/proxy/").unwrap(), Endpoint { host: "::1".into(), port: 99, prefix: "/proxy".into() });
        assert_eq!(e("[::1]").unwrap().port, 11434);
        assert_eq!(e("http://[::1]:99/proxy").unwrap().to_string(), "http://[::1]:99/proxy");
        assert!(e("https://x").unwrap_err().contains("https is not supported"));
        assert!(e("ftp://x").is_err());
        assert!(e("host:0").is_err());
        assert!(e("host:99999").is_err());
        assert!(e("host:abc").unwrap_err().contains("'abc' is not a port number"));
        assert!(e("http://:80").is_err());
        assert!(e("[::1").is_err());
    }

    #[test]
    fn content_length_body() {
        let r = parse_response(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\nabcdEXTRA").unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.reason, "OK");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.body, b"abcd");
    }

    #[test]
    fn chunked_body() {
        let r = parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\na;ext=1\r\n0123456789\r\n0\r\n\r\n").unwrap();
        assert_eq!(r.body, b"abc0123456789");
    }

    #[test]
    fn body_to_end_of_connection() {
        let r = parse_response(b"HTTP/1.0 404 Not Found\r\n\r\n{\"error\":\"x\"}").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (404, &b"{\"error\":\"x\"}"[..]));
    }

    #[test]
    fn malformed_answers_are_protocol_errors() {
        for raw in [
            &b""[..],
            b"SSH-2.0-OpenSSH_9.2\r\n",
            b"hello\r\n\r\n",
            b"HTTP/1.1 abc OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        ] {
            match parse_response(raw) {
                Err(HttpError::Protocol(_)) => {}
                other => panic!("{:?}: {:?}", String::from_utf8_lossy(raw), other),
            }
        }
    }
}
