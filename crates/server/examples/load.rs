//! A bounded loopback load test for any HTTP JSON endpoint (ours or the
//! FastAPI comparison): `requests` POSTs of one body, spread over
//! `concurrency` keep-alive connections, each on its own thread; prints
//! throughput and latency percentiles as one tab-separated line.
//!
//! `cargo run --release -p glassbox-server --example load -- ADDR PATH BODY_FILE REQUESTS CONCURRENCY`
//!
//! Written with the standard library only, so the measurement has no
//! client library's own costs or tuning in it; `scripts/bench_serve.sh`
//! runs the whole table.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

fn one(reader: &mut BufReader<TcpStream>, request: &[u8]) -> Result<u16, String> {
    reader.get_mut().write_all(request).map_err(|e| e.to_string())?;
    let mut status_line = String::new();
    reader.read_line(&mut status_line).map_err(|e| e.to_string())?;
    let status: u16 = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or("no status")?;
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().map_err(|_| "bad content-length")?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    Ok(status)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, path, body_file, requests, concurrency] = args.as_slice() else {
        eprintln!("usage: load ADDR PATH BODY_FILE REQUESTS CONCURRENCY");
        std::process::exit(2);
    };
    let body = std::fs::read(body_file).expect("the body file reads");
    let requests: usize = requests.parse().expect("REQUESTS is a number");
    let concurrency: usize = concurrency.parse().expect("CONCURRENCY is a number");
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    let per = requests.div_ceil(concurrency);
    let start = Instant::now();
    let threads: Vec<_> = (0..concurrency)
        .map(|_| {
            let (addr, request) = (addr.clone(), request.clone());
            std::thread::spawn(move || {
                let stream = TcpStream::connect(&addr).expect("the server accepts");
                stream.set_nodelay(true).expect("nodelay");
                let mut reader = BufReader::new(stream);
                let mut latencies = Vec::with_capacity(per);
                for _ in 0..per {
                    let t = Instant::now();
                    let status = one(&mut reader, &request).expect("an answer");
                    assert_eq!(status, 200, "the server refused the body");
                    latencies.push(t.elapsed().as_secs_f64());
                }
                latencies
            })
        })
        .collect();
    let mut all: Vec<f64> = threads.into_iter().flat_map(|t| t.join().expect("no client panicked")).collect();
    let seconds = start.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let pct = |q: f64| all[((all.len() as f64 * q).ceil() as usize).clamp(1, all.len()) - 1] * 1000.0;
    println!(
        "requests {}\tconcurrency {concurrency}\tthroughput {:.0}/s\tp50 {:.3} ms\tp99 {:.3} ms",
        all.len(),
        all.len() as f64 / seconds,
        pct(0.50),
        pct(0.99)
    );
}
