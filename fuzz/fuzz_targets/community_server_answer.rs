//! Community server answers: the typed answer parsers on an arbitrary `(status, body)`, the
//! same body as a decrypted v4 onion reply, and the signature check of every message a poll
//! answer carries. Input: first byte picks the endpoint, second the status, the rest is the
//! body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_community::api::{self, check_messages};

fuzz_target!(|data: &[u8]| {
    let [which, status, body @ ..] = data else {
        return;
    };
    let status = match status {
        0 => 304,
        1 => 412,
        s => 100 + u16::from(*s) * 2,
    };
    let token = "r".parse().expect("room token");
    match which % 8 {
        0 => {
            if let Ok(msgs) = api::messages_since(&token, 0, Default::default())
                .parse_response(status, body)
            {
                let checked = check_messages(&msgs);
                assert_eq!(checked.updates.len() + checked.rejected.len(), msgs.len());
            }
        }
        1 => drop(api::rooms().parse_response(status, body)),
        2 => drop(api::poll_info(&token, 0).parse_response(status, body)),
        3 => drop(api::capabilities(&["x"]).parse_response(status, body)),
        4 => {
            let b = api::batch(&[]);
            if let Ok(items) = b.parse_response(status, body) {
                for i in &items {
                    drop(api::inbox(Some(1), None).parse_batch_item(i));
                    drop(api::download_file(&token, 1).parse_batch_item(i));
                }
            }
        }
        5 => drop(api::inbox(None, None).parse_response(status, body)),
        6 => drop(api::rooms().parse_v4_response(body)),
        _ => {
            if let Ok(m) = api::message(&token, 1).parse_v4_response(body) {
                drop(m.verify());
            }
        }
    }
});
