//! `zego sign`: compute a request signature.

use zego_core::sign;

use crate::args::SignArgs;
use crate::exit;
use crate::out::outln;
use crate::runner::{credentials, nonce_and_time};

/// Runs `zego sign`; returns the exit code.
pub fn run(args: SignArgs) -> u8 {
    let (app_id, secret) = match credentials(&args.credentials) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (nonce, timestamp) = nonce_and_time(args.nonce, args.timestamp);
    let signature = sign(app_id, &nonce, &secret, timestamp);
    if args.json {
        let value = serde_json::json!({
            "app_id": app_id.get(),
            "nonce": nonce.as_str(),
            "timestamp": timestamp,
            "signature": signature.as_str(),
        });
        outln!("{value}");
    } else {
        outln!("{signature}");
    }
    exit::OK
}
