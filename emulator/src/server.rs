//! A small HTTP/1.1 server for the emulator: a thread per connection, keep-alive, bodies by
//! `Content-Length` or chunked. Written out here (rather than a server crate) so its behaviour
//! under the worker's connection pool is simple to reason about and fully under test control.

use crate::http::{EmuRequest, Reply};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Idle keep-alive connections are closed after this long.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

pub fn serve_forever(
    listener: TcpListener,
    handler: impl Fn(&EmuRequest) -> Reply + Clone + Send + 'static,
) {
    for stream in listener.incoming().flatten() {
        let handler = handler.clone();
        thread::spawn(move || {
            let _ = connection(stream, handler);
        });
    }
}

fn connection(stream: TcpStream, handler: impl Fn(&EmuRequest) -> Reply) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let Some((request, keep_alive)) = read_request(&mut reader, crate::MAX_REQUEST_BYTES)?
        else {
            return Ok(());
        };
        let reply = handler(&request);
        if reply.delay_ms > 0 {
            thread::sleep(Duration::from_millis(reply.delay_ms));
        }
        write_reply(&mut writer, &reply, keep_alive)?;
        if !keep_alive {
            return Ok(());
        }
    }
}

fn read_line(reader: &mut impl BufRead, budget: &mut usize) -> io::Result<Option<String>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    *budget = budget
        .checked_sub(line.len())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "headers too large"))?;
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
}

/// One request, or `None` when the client closed the connection between requests.
fn read_request(
    reader: &mut impl BufRead,
    max_body: u64,
) -> io::Result<Option<(EmuRequest, bool)>> {
    let mut budget = MAX_HEADER_BYTES;
    let request_line = loop {
        match read_line(reader, &mut budget)? {
            None => return Ok(None),
            Some(line) if line.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "bad request line",
        ));
    };
    let http10 = parts.next() == Some("HTTP/1.0");
    let mut request = EmuRequest::new(method, target);
    while let Some(line) = read_line(reader, &mut budget)? {
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            request = request.header(name.trim(), value.trim());
        }
    }
    let chunked = request
        .get_header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    request.body = if chunked {
        read_chunked(reader, max_body)?
    } else {
        let length: u64 = request
            .get_header("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = Vec::new();
        reader.take(length.min(max_body)).read_to_end(&mut body)?;
        // Drain whatever exceeds the cap so the connection stays in sync.
        io::copy(
            &mut reader.take(length.saturating_sub(max_body)),
            &mut io::sink(),
        )?;
        body
    };
    let connection = request
        .get_header("connection")
        .map(str::to_ascii_lowercase);
    let keep_alive = match connection.as_deref() {
        Some(c) if c.contains("close") => false,
        Some(c) if c.contains("keep-alive") => true,
        _ => !http10,
    };
    Ok(Some((request, keep_alive)))
}

fn read_chunked(reader: &mut impl BufRead, max_body: u64) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut budget = MAX_HEADER_BYTES;
    loop {
        let size_line = read_line(reader, &mut budget)?.unwrap_or_default();
        let size = u64::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
        if size == 0 {
            // Trailers, then the blank line.
            while let Some(line) = read_line(reader, &mut budget)? {
                if line.is_empty() {
                    break;
                }
            }
            return Ok(body);
        }
        let room = max_body.saturating_sub(body.len() as u64);
        reader.take(size.min(room)).read_to_end(&mut body)?;
        io::copy(&mut reader.take(size.saturating_sub(room)), &mut io::sink())?;
        read_line(reader, &mut budget)?;
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn write_reply(writer: &mut impl Write, reply: &Reply, keep_alive: bool) -> io::Result<()> {
    let body = reply
        .body
        .as_ref()
        .map(|b| b.to_string().into_bytes())
        .unwrap_or_default();
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    if reply.body.is_some() {
        head.push_str("Content-Type: application/json;charset=UTF-8\r\n");
    }
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: {}\r\n\r\n",
        body.len(),
        if keep_alive { "keep-alive" } else { "close" }
    ));
    writer.write_all(head.as_bytes())?;
    writer.write_all(&body)?;
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_and_chunked_bodies_are_read_and_keep_alive_is_honoured() {
        let raw = b"POST /v2/x?a=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /y HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let mut reader = BufReader::new(&raw[..]);
        let (first, keep) = read_request(&mut reader, 1024).unwrap().unwrap();
        assert_eq!(
            (first.method.as_str(), first.path.as_str(), keep),
            ("POST", "/v2/x", true)
        );
        assert_eq!(first.query["a"], "1");
        assert_eq!(first.body, b"hello");
        let (second, keep) = read_request(&mut reader, 1024).unwrap().unwrap();
        assert_eq!((second.body.as_slice(), keep), (&b"abcde"[..], false));
        assert!(read_request(&mut reader, 1024).unwrap().is_none());
    }

    #[test]
    fn oversized_bodies_are_cut_but_the_stream_stays_in_sync() {
        let raw =
            b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789GET /next HTTP/1.1\r\n\r\n";
        let mut reader = BufReader::new(&raw[..]);
        let (first, _) = read_request(&mut reader, 4).unwrap().unwrap();
        assert_eq!(first.body, b"0123");
        let (next, _) = read_request(&mut reader, 4).unwrap().unwrap();
        assert_eq!(next.path, "/next");
    }
}
