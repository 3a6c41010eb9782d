//! A 1-to-1 message from end to end, the way it travels through a swarm: Alice builds a text
//! `Content`, pads it, encrypts it for Bob's Account ID, wraps it in an `Envelope` and a
//! `WebSocketMessage` and base64-encodes it as the storage `data`; Bob unwraps each layer,
//! decrypts, checks the sender and reads the text.
//!
//! ```sh
//! cargo run --example message
//! ```

use rand_core::OsRng;
use session_stack::identity::{AccountId, Seed};
use session_stack::protocol::prost::Message as _;
use session_stack::protocol::proto::Content;
use session_stack::protocol::{
    PaddingRule, RequestFraming, decrypt_incoming, encrypt_for_recipient, pad_message,
    session_envelope, to_storage_data, unpad_message, unwrap_storage_data, wrap_envelope,
};

fn main() -> anyhow::Result<()> {
    let mut rng = OsRng;
    let alice = Seed::generate(&mut rng).keypair();
    let bob = Seed::generate(&mut rng).keypair();
    // Alice only needs Bob's Account ID, e.g. pasted as text.
    let bob_id: AccountId = bob.account_id().to_string().parse()?;
    println!("Alice {}\nBob   {bob_id}", alice.account_id());

    // --- Alice sends ---------------------------------------------------------------------
    let sent_ms = 1_764_150_000_000; // the caller's clock: the crate is sans-IO
    // dataMessage.body and .timestamp, and the signed sigTimestamp.
    let content = Content::text("Hi Bob! Lunch at noon?", sent_ms);
    let serialized = content.encode_to_vec();
    let padded = pad_message(&serialized, PaddingRule::default());
    let ciphertext = encrypt_for_recipient(&mut rng, &alice, &bob_id, &padded)?;
    let envelope = session_envelope(sent_ms, ciphertext);
    let stored = wrap_envelope(&envelope, &RequestFraming::default());
    let data = to_storage_data(&stored);
    println!(
        "Content {} B -> padded {} B -> ciphertext {} B -> stored {} B -> data {} chars",
        serialized.len(),
        padded.len(),
        envelope.content.as_ref().map_or(0, Vec::len),
        stored.len(),
        data.len()
    );

    // --- Bob receives --------------------------------------------------------------------
    let received = unwrap_storage_data(&data)?;
    let ciphertext = received.envelope.content.unwrap_or_default();
    let opened = decrypt_incoming(&bob, &ciphertext)?;
    let content = Content::decode(unpad_message(&opened.message)?)?;
    anyhow::ensure!(
        content.sig_timestamp == Some(received.envelope.timestamp),
        "timestamp mismatch"
    );
    anyhow::ensure!(opened.sender == alice.account_id(), "unexpected sender");
    let text = content.text_body().unwrap_or_default();
    println!("Bob got from {}: {text:?}", opened.sender);

    // Somebody else cannot open it.
    let eve = Seed::generate(&mut rng).keypair();
    println!(
        "Eve trying to decrypt: {}",
        decrypt_incoming(&eve, &ciphertext).expect_err("only Bob can decrypt")
    );
    Ok(())
}
