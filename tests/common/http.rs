//! A strict little HTTP/1.1 client on `TcpStream` for the preview server's
//! tests: raw requests go out as written (malformed ones included), and
//! exactly one response is read back and checked (status line, header
//! syntax, framing by `Content-Length` or chunked encoding).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Any single wait for the server; a server that takes longer is broken.
pub const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The server closes the connection after this response.
    pub fn closes(&self) -> bool {
        self.header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"))
    }
}

pub fn connect(addr: impl ToSocketAddrs) -> std::io::Result<TcpStream> {
    let addr: SocketAddr = addr
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other("no address"))?;
    let s = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    s.set_read_timeout(Some(TIMEOUT))?;
    s.set_write_timeout(Some(TIMEOUT))?;
    Ok(s)
}

/// Sends `request` on a new connection and reads one response.
pub fn exchange(addr: impl ToSocketAddrs, request: &[u8]) -> Result<Response, String> {
    let mut s = connect(addr).map_err(|e| format!("connect: {e}"))?;
    // The server may answer (and close) before reading all of a refused
    // request; what it answered is still to be read.
    let _ = s.write_all(request);
    read_response(&mut s, request.starts_with(b"HEAD "))
}

/// Reads one response from `s` (no body for HEAD), and checks it. Bytes
/// after it are dropped; [`Conn`] keeps them for pipelined responses.
pub fn read_response(s: &mut TcpStream, head_only: bool) -> Result<Response, String> {
    Conn {
        stream: s,
        buf: Vec::new(),
    }
    .read_response(head_only)
}

/// A connection whose responses are read one after the other.
pub struct Conn<'a> {
    pub stream: &'a mut TcpStream,
    /// Read but not yet used.
    pub buf: Vec<u8>,
}

impl Conn<'_> {
    pub fn new(stream: &mut TcpStream) -> Conn<'_> {
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    fn fill(&mut self) -> Result<(), String> {
        let mut chunk = [0u8; 8192];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(format!("closed with {} bytes unread", self.buf.len())),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(e) => Err(format!("after {} bytes: {e}", self.buf.len())),
        }
    }

    /// Takes `n` bytes, reading as needed.
    fn take(&mut self, n: usize) -> Result<Vec<u8>, String> {
        while self.buf.len() < n {
            self.fill()?;
        }
        Ok(self.buf.drain(..n).collect())
    }

    fn line(&mut self) -> Result<Vec<u8>, String> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.take(i + 2)?;
                return Ok(line[..i].to_vec());
            }
            self.fill()?;
        }
    }

    /// Reads the next response (no body for HEAD), and checks it.
    pub fn read_response(&mut self, head_only: bool) -> Result<Response, String> {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().map_err(|e| format!("no complete head: {e}"))?;
        };
        let head = self.take(end)?;
        let mut r = parse_head(&head)?;
        let bodiless = head_only || r.status == 304 || r.status == 204;
        if bodiless {
        } else if let Some(len) = r.header("content-length") {
            let len: usize = len.parse().map_err(|_| "bad Content-Length")?;
            r.body = self
                .take(len)
                .map_err(|e| format!("body of Content-Length {len}: {e}"))?;
        } else if r
            .header("transfer-encoding")
            .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
        {
            loop {
                let line = self.line()?;
                let size = std::str::from_utf8(&line)
                    .ok()
                    .and_then(|l| usize::from_str_radix(l.split(';').next().unwrap_or("").trim(), 16).ok())
                    .ok_or("bad chunk size")?;
                let data = self.take(size + 2)?;
                if size == 0 {
                    break;
                }
                r.body.extend_from_slice(&data[..size]);
            }
        } else {
            // Delimited by the close.
            r.body = std::mem::take(&mut self.buf);
            let _ = self.stream.read_to_end(&mut r.body);
        }
        if !r.body.is_empty() && r.header("content-type").is_none() {
            return Err("a body without Content-Type".into());
        }
        Ok(r)
    }
}

/// Parses a response head (status line and headers, with the blank line).
pub fn parse_head(head: &[u8]) -> Result<Response, String> {
    let show = || String::from_utf8_lossy(&head[..head.len().min(300)]).into_owned();
    let text = std::str::from_utf8(head).map_err(|_| format!("head is not UTF-8: {:?}", show()))?;
    let mut lines = text[..text.len() - 4].split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    // HTTP/1.0 requests are answered in 1.0.
    let (Some("HTTP/1.1" | "HTTP/1.0"), Some(code), Some(reason)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("bad status line {status_line:?}"));
    };
    let status: u16 = code
        .parse()
        .ok()
        .filter(|c| (100..600).contains(c) && code.len() == 3)
        .ok_or_else(|| format!("bad status {code:?}"))?;
    if reason.is_empty() {
        return Err(format!("no reason phrase in {status_line:?}"));
    }
    let mut headers = Vec::new();
    for l in lines {
        let (k, v) = l.split_once(':').ok_or_else(|| format!("bad header line {l:?}"))?;
        if k.is_empty() || k.contains(' ') {
            return Err(format!("bad header name in {l:?}"));
        }
        headers.push((k.to_string(), v.trim().to_string()));
    }
    Ok(Response {
        status,
        headers,
        body: Vec::new(),
    })
}

/// Parses one complete response held in `buf` (framed by
/// `Content-Length`; no body for HEAD).
pub fn parse_buffer(buf: &[u8], head_only: bool) -> Result<Response, String> {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no complete head in {} bytes", buf.len()))?
        + 4;
    let mut r = parse_head(&buf[..end])?;
    let len: usize = if head_only {
        0
    } else {
        r.header("content-length")
            .ok_or("no Content-Length")?
            .parse()
            .map_err(|_| "bad Content-Length")?
    };
    let body = &buf[end..];
    if body.len() < len {
        return Err(format!("{} body bytes, Content-Length {len}", body.len()));
    }
    r.body = body[..len].to_vec();
    Ok(r)
}

/// Moves the complete chunks at the start of `raw` (a chunked body as it
/// arrives) to `out`; `Ok(true)` once the last chunk has come.
pub fn dechunk(raw: &mut Vec<u8>, out: &mut Vec<u8>) -> Result<bool, String> {
    loop {
        let Some(line_end) = raw.windows(2).position(|w| w == b"\r\n") else {
            return Ok(false);
        };
        let size = std::str::from_utf8(&raw[..line_end])
            .ok()
            .and_then(|l| usize::from_str_radix(l.split(';').next().unwrap_or("").trim(), 16).ok())
            .ok_or_else(|| format!("bad chunk size line {:?}", String::from_utf8_lossy(&raw[..line_end])))?;
        if raw.len() < line_end + 2 + size + 2 {
            return Ok(false);
        }
        if size == 0 {
            return Ok(true);
        }
        out.extend_from_slice(&raw[line_end + 2..line_end + 2 + size]);
        if &raw[line_end + 2 + size..line_end + 4 + size] != b"\r\n" {
            return Err("a chunk not followed by CRLF".into());
        }
        raw.drain(..line_end + 4 + size);
    }
}
