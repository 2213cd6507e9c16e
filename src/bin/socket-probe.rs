//! Test helper: connects to a daemon socket, sends `daemon.hello`, prints the
//! first line the daemon answers, and exits. Copied to a place an
//! unprivileged test user can run it, to show other uids are refused.
//!
//! Usage: socket-probe SOCKET
//! Exit: 0 a line was read; 2 connect failed; 3 no answer.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: socket-probe SOCKET");
        std::process::exit(64);
    };
    let mut stream = match UnixStream::connect(&path) {
        Ok(s) => s,
        Err(e) => {
            println!("connect-error: {e}");
            std::process::exit(2);
        }
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let hello = r#"{"jsonrpc":"2.0","id":1,"method":"daemon.hello","params":{"protocol_versions":[1],"client":{"name":"socket-probe","version":"0"}}}"#;
    let _ = stream.write_all(format!("{hello}\n").as_bytes());
    let mut line = String::new();
    match BufReader::new(stream).read_line(&mut line) {
        Ok(n) if n > 0 => {
            print!("{line}");
        }
        _ => {
            println!("no-answer");
            std::process::exit(3);
        }
    }
}
