//! XEd25519 signing with an X25519 secret (identity.md §4, libsession's variant: the nonce is a
//! personalised BLAKE2b, so signatures are not interchangeable with Signal's test vectors).

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use zeroize::Zeroizing;

use crate::keys::Signature;
use crate::point::{reduce64, sha512_scalar};

/// BLAKE2b personalisation of the nonce hash (16 bytes: the final `e` does not fit).
pub(crate) const PERSONAL: &[u8; 16] = b"xed25519signatur";

/// Signs `message` with the X25519 secret `x` and the 64 random bytes `z`.
pub(crate) fn sign(x: &[u8; 32], message: &[u8], z: &[u8; 64]) -> Signature {
    let mut a_pub = EdwardsPoint::mul_base_clamped(*x).compress().to_bytes();
    let negative = a_pub[31] & 0x80 != 0;
    a_pub[31] &= 0x7f;
    // a = x as raw bytes (unreduced) when A is positive, −x mod L when it is negative.
    let a_bytes: Zeroizing<[u8; 32]> = if negative {
        Zeroizing::new((-Scalar::from_bytes_mod_order(*x)).to_bytes())
    } else {
        Zeroizing::new(*x)
    };
    let mut params = blake2b_simd::Params::new();
    params.hash_length(64).personal(PERSONAL);
    let mut state = params.to_state();
    state.update(a_bytes.as_ref()).update(message).update(z);
    let mut h = Zeroizing::new([0u8; 64]);
    h.copy_from_slice(state.finalize().as_bytes());
    let r = reduce64(&h);
    let r_pub = EdwardsPoint::mul_base(&r).compress().to_bytes();
    let a = Scalar::from_bytes_mod_order(*a_bytes);
    let k = sha512_scalar(&[&r_pub, &a_pub, message]);
    let s = r + k * a;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r_pub);
    sig[32..].copy_from_slice(s.as_bytes());
    Signature::from_bytes(&sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Ed25519KeyPair;

    #[test]
    fn verifies_under_positive_key_only() {
        for i in 0u8..8 {
            let kp = Ed25519KeyPair::from_seed(&[i; 32]);
            let sig = sign(kp.x25519_secret().as_bytes(), b"msg", &[i; 64]);
            let x = kp.x25519_public();
            assert!(x.xed25519_verify(b"msg", &sig).is_ok());
            assert!(x.xed25519_verify(b"msh", &sig).is_err());
            let pk = kp.public_key();
            assert_eq!(pk.verify(b"msg", &sig).is_ok(), !pk.is_negative());
        }
    }
}
