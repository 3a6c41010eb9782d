//! Session identities as an app uses them: make a new account, restore it from its recovery
//! phrase, and find the blinded ids it has on a community server.
//!
//! ```sh
//! cargo run --example identity
//! ```

use rand_core::OsRng;
use session_stack::identity::blinding::{self, Blind15Nonce};
use session_stack::identity::{AccountId, Seed, SessionId, X25519PublicKey};

fn main() -> anyhow::Result<()> {
    // 1. A new account: 16 random bytes are the only secret to keep. The app stores them and
    //    shows the user the 13-word recovery phrase.
    let seed = Seed::generate(&mut OsRng);
    let phrase = seed.to_mnemonic();
    let keys = seed.keypair();
    let account_id = keys.account_id();
    println!("new account");
    println!("  Account ID       {account_id}");
    println!("  recovery phrase  {}", phrase.as_str());

    // 2. Restore on another device from the phrase, typed with any case and spacing; only
    //    the first three letters of each word count.
    let typed = phrase.to_uppercase().replace(' ', "   ");
    let restored = Seed::from_mnemonic(&typed)?;
    assert_eq!(restored, seed);
    assert_eq!(restored.keypair().account_id(), account_id);
    println!("restored from the phrase: same Account ID");

    // A typo in the checksum word is caught.
    let mut words: Vec<&str> = phrase.split(' ').collect();
    let wrong = if words[12] == words[0] {
        words[1]
    } else {
        words[0]
    };
    words[12] = wrong;
    match Seed::from_mnemonic(&words.join(" ")) {
        Err(e) => println!("a mistyped phrase is rejected: {e}"),
        Ok(_) => println!("(unexpected: the mistyped phrase was accepted)"),
    }

    // 3. Someone else's Account ID arrives as text: parse it (syntax) before use.
    let contact: AccountId = "05FE94B7AD4B7F1CC1BB92671F1F0D243F226E115B33770465E82B503FC3E96E1F"
        .trim()
        .parse()?;
    println!("contact (normalised)  {contact}");
    let any: SessionId =
        "150000000000000000000000000000000000000000000000000000000000000000".parse()?;
    println!("an id of kind {:?} (prefix {})", any, any.prefix());

    // 4. A community server sees blinded ids instead of Account IDs.
    let server: X25519PublicKey =
        "a03c383cf63c3c4efe67acc52112a6dd734b3a946b9545f488aaa93da7991238".parse()?;
    let mine15 = keys.blind15(&server);
    let mine25 = keys.blind25(&server);
    println!("on server {}…", &server.to_string()[..8]);
    println!("  my 15-blinded id  {}", mine15.blinded_id());
    println!("  my 25-blinded id  {}", mine25.blinded_id());

    // Requests to the server are signed with the blinded key; the server verifies them as
    // plain Ed25519 under the blinded id's key.
    let request = b"GET /room/session/messages";
    let sig = mine25.sign(request);
    mine25.public_key().verify(request, &sig)?;
    let sig15 = mine15.sign_with(request, Blind15Nonce::SecretKey64);
    mine15.public_key().verify(request, &sig15)?;
    println!("  blinded request signatures verify");

    // Knowing only an Account ID, anyone can compute the 25 id and the two 15 candidates, and
    // check whether a blinded id seen on the server belongs to that account.
    let [pos, neg] = blinding::blind15_ids(&account_id, &server)?;
    println!("  15 candidates from my Account ID: {pos} / {neg}");
    let seen = SessionId::from(mine25.blinded_id());
    println!(
        "  does {}… belong to me? {}",
        &seen.to_string()[..10],
        blinding::blinded_id_matches(&account_id, &seen, &server)?
    );
    println!(
        "  does it belong to the contact? {}",
        blinding::blinded_id_matches(&contact, &seen, &server)?
    );
    // 15-blinding can be undone by anyone who knows the server key: this is why 25 exists.
    let unblinded = blinding::unblind15(&mine15.blinded_id(), &server)?;
    println!(
        "  my 15 id unblinds to {unblinded} (= my Account ID: {})",
        unblinded == account_id
    );
    Ok(())
}
