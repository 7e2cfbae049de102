# The example Ollama client (examples/rust-app): std only, so the lock file lists no crates.
{ rustPlatform, src }:

rustPlatform.buildRustPackage {
  pname = "ollama-ask";
  version = "0.1.0";
  inherit src;
  cargoLock.lockFile = src + "/Cargo.lock";
  meta.mainProgram = "ollama-ask";
}
