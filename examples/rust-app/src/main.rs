//! ollama-ask [--host URL] [--model NAME] [--timeout SECONDS] PROMPT...

use std::process::ExitCode;
use std::time::Duration;

use ollama_ask::{ask, Endpoint, Request, DEFAULT_HOST, DEFAULT_MODEL, DEFAULT_PORT};

const USAGE: &str = "Usage: ollama-ask [--host URL] [--model NAME] [--timeout SECONDS] PROMPT...

Ask an Ollama server for a completion and print it.

  --host URL         Ollama's address (default: $OLLAMA_HOST, else http://127.0.0.1:11434)
  --model NAME       model to use (default: $OLLAMA_MODEL, else llama3.2)
  --timeout SECONDS  how long to wait for the answer (default 300)
  -h, --help         show this help
  -V, --version      show the version

Exit status: 0 answer printed, 1 Ollama unreachable or answered with an error, 2 usage error.";

struct Args {
    host: String,
    model: String,
    timeout: u64,
    prompt: String,
}

enum Parsed {
    Run(Args),
    Exit(ExitCode),
}

fn usage_error(msg: &str) -> Parsed {
    eprintln!("ollama-ask: {msg}\nTry 'ollama-ask --help'.");
    Parsed::Exit(ExitCode::from(2))
}

fn parse_args(argv: Vec<String>) -> Parsed {
    let mut host = std::env::var("OLLAMA_HOST").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| DEFAULT_HOST.to_string());
    let mut model = std::env::var("OLLAMA_MODEL").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| DEFAULT_MODEL.to_string());
    let mut timeout = 300u64;
    let mut words: Vec<String> = Vec::new();
    let mut it = argv.into_iter();
    while let Some(a) = it.next() {
        // Options come first; "--" or the first word that is not an option starts the prompt.
        if a == "--" {
            words.extend(it.by_ref());
            break;
        }
        if !a.starts_with('-') || a == "-" {
            words.push(a);
            words.extend(it.by_ref());
            break;
        }
        // --opt=value and --opt value
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        match name.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Parsed::Exit(ExitCode::SUCCESS);
            }
            "-V" | "--version" => {
                println!("ollama-ask {}", env!("CARGO_PKG_VERSION"));
                return Parsed::Exit(ExitCode::SUCCESS);
            }
            "--host" | "--model" | "--timeout" => {
                let v = match inline.or_else(|| it.next()) {
                    Some(v) => v,
                    None => return usage_error(&format!("{name} needs a value")),
                };
                match name.as_str() {
                    "--host" => host = v,
                    "--model" => model = v,
                    _ => match v.parse::<u64>() {
                        Ok(t) if t > 0 => timeout = t,
                        _ => return usage_error(&format!("--timeout '{v}': expected a number of seconds")),
                    },
                }
            }
            s => return usage_error(&format!("unknown option '{s}'")),
        }
    }
    if words.is_empty() {
        return usage_error("no PROMPT given");
    }
    if model.trim().is_empty() {
        return usage_error("--model: empty model name");
    }
    Parsed::Run(Args { host, model, timeout, prompt: words.join(" ") })
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1).collect()) {
        Parsed::Run(a) => a,
        Parsed::Exit(code) => return code,
    };
    let endpoint = match Endpoint::parse(&args.host, DEFAULT_PORT) {
        Ok(e) => e,
        Err(msg) => {
            eprintln!("ollama-ask: --host {msg}");
            return ExitCode::from(2);
        }
    };
    let req = Request { endpoint: &endpoint, model: &args.model, prompt: &args.prompt, timeout: Duration::from_secs(args.timeout) };
    match ask(&req) {
        Ok(text) => {
            if text.ends_with('\n') {
                print!("{text}");
            } else {
                println!("{text}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ollama-ask: {e}");
            ExitCode::from(1)
        }
    }
}
