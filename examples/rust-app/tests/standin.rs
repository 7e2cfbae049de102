//! Runs the real ollama-ask binary against a local TcpListener that stands in for Ollama's
//! /api/generate, and checks both what the client sent and what it printed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ollama_ask::json;

/// What the stand-in received.
struct Seen {
    request_line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn read_request(s: &mut TcpStream) -> Seen {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = s.read(&mut buf).expect("read request");
        assert!(n > 0, "client closed before sending its request");
        raw.extend_from_slice(&buf[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8(raw[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap().to_string();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (k, v) = l.split_once(':').expect("header line");
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect();
    let len: usize = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).expect("Content-Length").1.parse().unwrap();
    let mut body = raw[head_end + 4..].to_vec();
    while body.len() < len {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "body cut short");
        body.extend_from_slice(&buf[..n]);
    }
    Seen { request_line, headers, body: String::from_utf8(body).unwrap() }
}

/// Serve one connection with `answer` (raw HTTP bytes; None: close without answering, or hang
/// when `hang`). Returns the address and a channel that yields what was received.
fn standin(answer: Option<Vec<u8>>, hang: bool) -> (String, mpsc::Receiver<Seen>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let seen = read_request(&mut s);
        tx.send(seen).unwrap();
        if let Some(a) = answer {
            s.write_all(&a).unwrap();
        } else if hang {
            thread::sleep(Duration::from_secs(5));
        }
    });
    (addr, rx)
}

fn http(status: &str, body: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn run(args: &[&str], env_host: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ollama-ask"));
    c.args(args).env_remove("OLLAMA_HOST").env_remove("OLLAMA_MODEL");
    if let Some(h) = env_host {
        c.env("OLLAMA_HOST", h);
    }
    c.output().expect("run ollama-ask")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn prints_the_completion_and_sends_a_proper_request() {
    let (addr, rx) = standin(Some(http("200 OK", r#"{"model":"tiny","response":"The sky is blue.","done":true,"context":[1,2]}"#)), false);
    let out = run(&["--host", &format!("http://{addr}"), "--model", "tiny", "Why", "is", "the", "sky", "\"blue\"?"], None);
    assert_eq!(text(&out.stderr), "");
    assert_eq!(text(&out.stdout), "The sky is blue.\n");
    assert_eq!(out.status.code(), Some(0));

    let seen = rx.recv().unwrap();
    assert_eq!(seen.request_line, "POST /api/generate HTTP/1.1");
    assert_eq!(seen.header("Host"), Some(addr.as_str()));
    assert_eq!(seen.header("Content-Type"), Some("application/json"));
    let body = json::parse(&seen.body).expect("request body is JSON");
    assert_eq!(body.get_str("model"), Some("tiny"));
    assert_eq!(body.get_str("prompt"), Some("Why is the sky \"blue\"?"));
    match body {
        json::Value::Object(m) => assert_eq!(m.get("stream"), Some(&json::Value::Bool(false))),
        other => panic!("body is not an object: {other:?}"),
    }
}

#[test]
fn ollama_host_from_the_environment_with_a_path_prefix() {
    let (addr, rx) = standin(Some(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nf\r\n{\"response\":\"hi\r\n2\r\n\"}\r\n0\r\n\r\n".to_vec()), false);
    let out = run(&["hello"], Some(&format!("{addr}/ollama/")));
    assert_eq!(text(&out.stdout), "hi\n", "stderr: {}", text(&out.stderr));
    let seen = rx.recv().unwrap();
    assert_eq!(seen.request_line, "POST /ollama/api/generate HTTP/1.1");
    assert_eq!(json::parse(&seen.body).unwrap().get_str("model"), Some("llama3.2"));
}

#[test]
fn an_ollama_error_is_shown_with_its_message() {
    let (addr, _rx) = standin(Some(http("404 Not Found", r#"{"error":"model \"nope\" not found, try pulling it first"}"#)), false);
    let out = run(&["--host", &addr, "--model", "nope", "hi"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    let err = text(&out.stderr);
    assert!(err.contains(&format!("Ollama at http://{addr} answered 404 Not Found: model \"nope\" not found, try pulling it first")), "{err}");
    assert!(err.contains("ollama pull nope"), "{err}");
}

#[test]
fn malformed_json_is_reported() {
    let (addr, _rx) = standin(Some(http("200 OK", "{\"response\": \"cut off")), false);
    let out = run(&["--host", &addr, "hi"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("sent an answer this client cannot read: not valid JSON"), "{err}");
}

#[test]
fn a_peer_that_hangs_up_is_reported() {
    let (addr, _rx) = standin(None, false);
    let out = run(&["--host", &addr, "hi"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("did not answer properly: the connection was closed without an answer"), "{err}");
}

#[test]
fn a_silent_server_times_out() {
    let (addr, _rx) = standin(None, true);
    let out = run(&["--host", &addr, "--timeout", "1", "hi"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("no complete answer within 1 s"), "{err}");
}

#[test]
fn unreachable_names_the_host_and_says_to_start_ollama() {
    // A port that was just free: nothing listens there now.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = run(&["hi"], Some(&format!("http://127.0.0.1:{port}")));
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with(&format!("ollama-ask: cannot reach Ollama at http://127.0.0.1:{port}: ")), "{err}");
    assert!(err.contains("Is the Ollama container running?"), "{err}");
    assert!(err.contains("podman run -d --name ollama"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [&[][..], &["--model"][..], &["--timeout", "soon", "hi"][..], &["--frobnicate", "hi"][..]] {
        let out = run(args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("Try 'ollama-ask --help'"));
    }
    let out = run(&["--host", "https://example.org", "hi"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("https is not supported"));
    let out = run(&["--help"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("Usage: ollama-ask"));
}
