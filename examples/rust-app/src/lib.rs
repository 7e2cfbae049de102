//! ollama-ask: ask an Ollama server for one completion (POST /api/generate, "stream": false).
//! std only, so it builds offline and in Nix without vendored crates.

pub mod http;
pub mod json;

use std::fmt;
use std::time::Duration;

pub use http::Endpoint;

/// Ollama's own default address (what `OLLAMA_HOST` defaults to).
pub const DEFAULT_HOST: &str = "http://127.0.0.1:11434";
pub const DEFAULT_PORT: u16 = 11434;
pub const DEFAULT_MODEL: &str = "llama3.2";

pub struct Request<'a> {
    pub endpoint: &'a Endpoint,
    pub model: &'a str,
    pub prompt: &'a str,
    pub timeout: Duration,
}

/// Everything that can go wrong, each with the message a person needs to fix it.
#[derive(Debug)]
pub enum Error {
    /// Nothing listens there, or it cannot be reached at all.
    Unreachable { endpoint: String, detail: String },
    /// Connected, then the exchange failed or timed out.
    Transport { endpoint: String, detail: String },
    /// Ollama answered with an HTTP error; `message` is its "error" field when it sent one.
    Status { endpoint: String, status: u16, reason: String, message: Option<String>, model: String },
    /// The body is not JSON, or not the JSON Ollama sends.
    BadAnswer { endpoint: String, detail: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unreachable { endpoint, detail } => write!(
                f,
                "cannot reach Ollama at {endpoint}: {detail}.\n\
                 Is the Ollama container running? Start it, for example:\n  \
                 podman run -d --name ollama -p 11434:11434 --device nvidia.com/gpu=all -v models:/models ollama-cuda:latest\n\
                 (examples/podman/run-ollama.sh), or point --host or OLLAMA_HOST at where it listens."
            ),
            Error::Transport { endpoint, detail } => {
                write!(f, "Ollama at {endpoint} did not answer properly: {detail}")
            }
            Error::Status { endpoint, status, reason, message, model } => {
                write!(f, "Ollama at {endpoint} answered {status} {reason}")?;
                if let Some(m) = message {
                    write!(f, ": {m}")?;
                }
                if *status == 404 {
                    write!(f, "\nThe model may not be pulled yet: podman exec ollama ollama pull {model}")?;
                }
                Ok(())
            }
            Error::BadAnswer { endpoint, detail } => {
                write!(f, "Ollama at {endpoint} sent an answer this client cannot read: {detail}")
            }
        }
    }
}

impl std::error::Error for Error {}

/// The JSON body of the request.
pub fn request_body(model: &str, prompt: &str) -> String {
    format!("{{\"model\":{},\"prompt\":{},\"stream\":false}}", json::encode_string(model), json::encode_string(prompt))
}

/// Ask for one completion and return Ollama's "response" text.
pub fn ask(req: &Request) -> Result<String, Error> {
    let endpoint = req.endpoint.to_string();
    let body = request_body(req.model, req.prompt);
    let resp = http::post_json(req.endpoint, "/api/generate", &body, Duration::from_secs(5), req.timeout).map_err(|e| match e {
        http::HttpError::Connect(detail) => Error::Unreachable { endpoint: endpoint.clone(), detail },
        http::HttpError::Io(detail) | http::HttpError::Protocol(detail) => Error::Transport { endpoint: endpoint.clone(), detail },
    })?;
    interpret(&endpoint, req.model, &resp)
}

/// Turn an HTTP answer into the completion text or an error.
pub fn interpret(endpoint: &str, model: &str, resp: &http::Response) -> Result<String, Error> {
    let text = String::from_utf8_lossy(&resp.body);
    let doc = json::parse(&text);
    if !(200..300).contains(&resp.status) {
        // Ollama explains errors as {"error": "..."}; show that, or a short piece of the body.
        let message = match &doc {
            Ok(v) => v.get_str("error").map(str::to_string),
            Err(_) if text.trim().is_empty() => None,
            Err(_) => Some(http::truncate(text.trim(), 200)),
        };
        return Err(Error::Status {
            endpoint: endpoint.to_string(),
            status: resp.status,
            reason: resp.reason.clone(),
            message,
            model: model.to_string(),
        });
    }
    let doc = doc.map_err(|e| Error::BadAnswer {
        endpoint: endpoint.to_string(),
        detail: format!("not valid JSON ({e}): '{}'", http::truncate(text.trim(), 80)),
    })?;
    if let Some(msg) = doc.get_str("error") {
        return Err(Error::Status {
            endpoint: endpoint.to_string(),
            status: resp.status,
            reason: resp.reason.clone(),
            message: Some(msg.to_string()),
            model: model.to_string(),
        });
    }
    match doc.get_str("response") {
        Some(r) => Ok(r.to_string()),
        None if doc.has("response") => Err(Error::BadAnswer { endpoint: endpoint.to_string(), detail: "\"response\" is not a string".to_string() }),
        None => Err(Error::BadAnswer { endpoint: endpoint.to_string(), detail: "no \"response\" field in the JSON answer".to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, reason: &str, body: &str) -> http::Response {
        http::Response { status, reason: reason.to_string(), headers: vec![], body: body.as_bytes().to_vec() }
    }

    #[test]
    fn body_is_json_with_stream_false() {
        let b = request_body("llama3.2", "say \"hi\"\n");
        let v = json::parse(&b).unwrap();
        assert_eq!(v.get_str("model"), Some("llama3.2"));
        assert_eq!(v.get_str("prompt"), Some("say \"hi\"\n"));
        assert!(b.contains("\"stream\":false"));
    }

    #[test]
    fn success_returns_the_response_field() {
        let r = resp(200, "OK", r#"{"model":"m","response":"Hello!","done":true}"#);
        assert_eq!(interpret("http://x:1", "m", &r).unwrap(), "Hello!");
    }

    #[test]
    fn http_error_shows_ollamas_error_field() {
        let r = resp(404, "Not Found", r#"{"error":"model \"nope\" not found, try pulling it first"}"#);
        let e = interpret("http://x:1", "nope", &r).unwrap_err().to_string();
        assert!(e.starts_with("Ollama at http://x:1 answered 404 Not Found: model \"nope\" not found, try pulling it first"), "{e}");
        assert!(e.contains("ollama pull nope"), "{e}");
    }

    #[test]
    fn http_error_without_json_shows_the_body() {
        let r = resp(502, "Bad Gateway", "<html>upstream down</html>");
        let e = interpret("http://x:1", "m", &r).unwrap_err().to_string();
        assert_eq!(e, "Ollama at http://x:1 answered 502 Bad Gateway: <html>upstream down</html>");
    }

    #[test]
    fn malformed_json_is_named() {
        let r = resp(200, "OK", "{\"response\": \"cut");
        let e = interpret("http://x:1", "m", &r).unwrap_err().to_string();
        assert!(e.contains("not valid JSON (at byte 17: unterminated string)"), "{e}");
    }

    #[test]
    fn missing_or_mistyped_response_field() {
        let e = interpret("http://x:1", "m", &resp(200, "OK", r#"{"done":true}"#)).unwrap_err().to_string();
        assert!(e.contains("no \"response\" field"), "{e}");
        let e = interpret("http://x:1", "m", &resp(200, "OK", r#"{"response":42}"#)).unwrap_err().to_string();
        assert!(e.contains("\"response\" is not a string"), "{e}");
    }

    #[test]
    fn error_field_in_a_200_answer_is_an_error() {
        let e = interpret("http://x:1", "m", &resp(200, "OK", r#"{"error":"out of memory"}"#)).unwrap_err().to_string();
        assert!(e.contains(": out of memory"), "{e}");
    }

    #[test]
    fn unreachable_message_says_how_to_start_ollama() {
        let e = Error::Unreachable { endpoint: "http://127.0.0.1:11434".into(), detail: "Connection refused (os error 111)".into() }.to_string();
        assert!(e.starts_with("cannot reach Ollama at http://127.0.0.1:11434: Connection refused"), "{e}");
        assert!(e.contains("podman run -d --name ollama"), "{e}");
    }
}
