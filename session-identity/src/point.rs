//! Curve helpers with libsodium's exact acceptance rules (identity.md §0.3, §6 item 11).
//!
//! Everything here works on public data except the scalars passed to the multiplication
//! helpers, which are only ever multiplied with constant-time dalek routines.

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use sha2::{Digest, Sha512};

use crate::{Error, Result};

/// Whether the 255-bit y of an encoding (bit 255 ignored) is below p = 2^255 − 19
/// (libsodium `ge25519_is_canonical`).
pub(crate) fn is_canonical_y(bytes: &[u8; 32]) -> bool {
    let top = bytes[31] & 0x7f == 0x7f;
    let middle = bytes[1..31].iter().all(|&b| b == 0xff);
    let low = bytes[0] >= 0xed;
    !(top && middle && low)
}

/// Whether a point is in the prime-order subgroup, `L·P = identity`, computed as
/// `(L − 1)·P = −P` with curve25519-dalek's variable-time double-scalar multiplication (the
/// scalar `L − 1 = −1 mod L` fits a reduced `Scalar`; the base-point half is multiplied by
/// zero). Variable time is fine: it only ever sees public keys. About 15% faster than
/// `EdwardsPoint::is_torsion_free`, whose constant-time multiplication public data does not need.
pub(crate) fn is_torsion_free(p: &EdwardsPoint) -> bool {
    EdwardsPoint::vartime_double_scalar_mul_basepoint(&-Scalar::ONE, p, &Scalar::ZERO) == -p
}

/// Decodes an Ed25519 point and requires it to be on the curve, not of small order and in the
/// prime-order subgroup (full check, L·P = identity, not libsodium-internal's coordinate test;
/// identity.md §6 item 0). With `canonical`, an encoding with y ≥ p is rejected as well.
pub(crate) fn decode_prime_order(bytes: &[u8; 32], canonical: bool) -> Result<EdwardsPoint> {
    if canonical && !is_canonical_y(bytes) {
        return Err(Error::InvalidPoint);
    }
    let point = CompressedEdwardsY(*bytes)
        .decompress()
        .ok_or(Error::InvalidPoint)?;
    if point.is_small_order() || !is_torsion_free(&point) {
        return Err(Error::InvalidPoint);
    }
    Ok(point)
}

/// libsodium `crypto_sign_ed25519_pk_to_curve25519`: u = (1+y)/(1−y) of a valid point.
pub(crate) fn ed_to_x25519(bytes: &[u8; 32]) -> Result<[u8; 32]> {
    let point = decode_prime_order(bytes, false)?;
    Ok(point.to_montgomery().to_bytes())
}

/// libsodium `crypto_scalarmult_ed25519_noclamp(n, P)`: rejects a non-canonical, small-order,
/// off-curve or non-prime-order P, a zero scalar and an identity result.
pub(crate) fn scalarmult_noclamp(n: &Scalar, p: &[u8; 32]) -> Result<[u8; 32]> {
    mul_prime_order(n, &decode_prime_order(p, true)?)
}

/// `n·P` for a point already checked by [`decode_prime_order`] (with `canonical`): rejects a
/// zero scalar and an identity result, as libsodium's noclamp multiplication does.
pub(crate) fn mul_prime_order(n: &Scalar, point: &EdwardsPoint) -> Result<[u8; 32]> {
    if *n == Scalar::ZERO {
        return Err(Error::InvalidPoint);
    }
    let q = point * n;
    if q.is_identity() {
        return Err(Error::InvalidPoint);
    }
    Ok(q.compress().to_bytes())
}

/// X25519 (RFC 7748; libsodium `crypto_scalarmult`): `clamp(k)·u`, bit 255 of `u` ignored and
/// `u ≥ p` taken mod p, for every `u`.
///
/// For a `u` on the curve the product is computed on the Edwards form: the point with that u
/// (either sign: `u(−P) = u(P)`) times the clamped, unreduced scalar, with curve25519-dalek's
/// variable-base multiplication (vectorised with AVX2 when the CPU has it, detected at run
/// time), then mapped back to u. A clamped scalar is a multiple of 8 below 2^255, so the result
/// is the Montgomery ladder's exactly, small-order and mixed-order points included (the
/// identity maps to u = 0, as the ladder gives). The other `u` (on the twist, and u = −1) take
/// the ladder of x25519-dalek. Which way is taken depends on public data only; the scalar only
/// meets constant-time code.
pub(crate) fn x25519(k: &[u8; 32], u: &[u8; 32]) -> [u8; 32] {
    match MontgomeryPoint(*u).to_edwards(0) {
        Some(p) => mul_clamped_to_u(&p, k),
        None => x25519_dalek::x25519(*k, *u),
    }
}

/// X25519 with a `u` that must be the key of an Ed25519 identity: canonical (below p, bit 255
/// clear) and mapping to a point of prime order, the rules of `AccountId::validate`. Decodes
/// the point once for the check and the product.
#[cfg(test)]
pub(crate) fn x25519_prime_order(k: &[u8; 32], u: &[u8; 32]) -> Result<[u8; 32]> {
    Ok(mul_clamped_to_u(&decode_prime_order_u(u)?, k))
}

/// The Edwards point of an X25519 key that must be the key of an Ed25519 identity: canonical
/// (below p, bit 255 clear) and mapping to a point of prime order (`AccountId::validate`).
pub(crate) fn decode_prime_order_u(u: &[u8; 32]) -> Result<EdwardsPoint> {
    if u[31] & 0x80 != 0 || !is_canonical_y(u) {
        return Err(Error::InvalidPoint);
    }
    let p = MontgomeryPoint(*u)
        .to_edwards(0)
        .ok_or(Error::InvalidPoint)?;
    if p.is_small_order() || !is_torsion_free(&p) {
        return Err(Error::InvalidPoint);
    }
    Ok(p)
}

/// `u(clamp(k)·P)`, zeroizing the secret product point.
pub(crate) fn mul_clamped_to_u(p: &EdwardsPoint, k: &[u8; 32]) -> [u8; 32] {
    use zeroize::Zeroize as _;
    let mut q = p.mul_clamped(*k);
    let u = q.to_montgomery().to_bytes();
    q.zeroize();
    u
}

/// reduce64: a 64-byte little-endian integer mod L.
pub(crate) fn reduce64(h: &[u8; 64]) -> Scalar {
    Scalar::from_bytes_mod_order_wide(h)
}

/// SHA-512 of the concatenation of `parts`, reduced mod L.
pub(crate) fn sha512_scalar(parts: &[&[u8]]) -> Scalar {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    let out: [u8; 64] = h.finalize().into();
    reduce64(&out)
}

/// The XEd25519 map (identity.md §3.1, LS `xed25519::pubkey`): y = (u−1)/(u+1) with bit 255 of u
/// ignored, encoded with sign bit 0. No validation: u = −1 gives y = 0, and a u on the twist
/// gives a y that is not on the curve (later operations reject both).
pub(crate) fn xed_pubkey(u: &[u8; 32]) -> [u8; 32] {
    if let Some(point) = MontgomeryPoint(*u).to_edwards(0) {
        return point.compress().to_bytes();
    }
    xed_pubkey_slow(u)
}

/// The same map in plain modular arithmetic, for the inputs dalek's `to_edwards` refuses
/// (u = −1 and u on the twist): public data only.
fn xed_pubkey_slow(u: &[u8; 32]) -> [u8; 32] {
    use num_bigint::BigUint;
    let p = (BigUint::from(1u8) << 255u32) - BigUint::from(19u8);
    let mut masked = *u;
    masked[31] &= 0x7f;
    let u = BigUint::from_bytes_le(&masked) % &p;
    let num = (&u + &p - BigUint::from(1u8)) % &p;
    let den = (&u + BigUint::from(1u8)) % &p;
    // Inverse by Fermat; 0 maps to 0 as in libsodium's fe25519_invert.
    let inv = den.modpow(&(&p - BigUint::from(2u8)), &p);
    let y = (num * inv) % &p;
    let mut out = [0u8; 32];
    for (o, b) in out.iter_mut().zip(y.to_bytes_le()) {
        *o = b;
    }
    out
}

/// libsodium `crypto_sign_ed25519_verify_detached` (strict): S < L, R not of small order, A
/// canonical and not of small order, and the encoding of S·B − h·A equal to R byte for byte.
pub(crate) fn verify_strict(pk: &[u8; 32], message: &[u8], sig: &[u8; 64]) -> bool {
    verify_strict_point(pk, message, sig).is_some()
}

/// [`verify_strict`], returning the decoded A when the signature verifies (so that a caller
/// converting A afterwards does not decode it again).
pub(crate) fn verify_strict_point(
    pk: &[u8; 32],
    message: &[u8],
    sig: &[u8; 64],
) -> Option<EdwardsPoint> {
    let (r_bytes, s_bytes) = sig.split_at(32);
    let mut r_arr = [0u8; 32];
    r_arr.copy_from_slice(r_bytes);
    let mut s_arr = [0u8; 32];
    s_arr.copy_from_slice(s_bytes);
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_arr))?;
    if is_small_order_encoding(&r_arr) {
        return None;
    }
    if !is_canonical_y(pk) {
        return None;
    }
    let a = CompressedEdwardsY(*pk).decompress()?;
    if a.is_small_order() {
        return None;
    }
    let h = sha512_scalar(&[&r_arr, pk, message]);
    let check = EdwardsPoint::vartime_double_scalar_mul_basepoint(&h, &(-a), &s);
    (check.compress().to_bytes() == r_arr).then_some(a)
}

/// Whether `bytes` decodes to a point of small order: every such encoding, canonical or not,
/// with either sign bit (what decoding and then testing the point gives, without decoding).
fn is_small_order_encoding(bytes: &[u8; 32]) -> bool {
    small_order_encodings().iter().any(|e| e == bytes)
}

/// The 14 encodings that decode to one of the 8 points of small order: their canonical
/// encodings, the sign-bit variants of the two points with x = 0 (decoding accepts "−0") and
/// of y = 0, and y + p for y = 0 and y = 1 (the only small-order y below 19).
fn small_order_encodings() -> &'static [[u8; 32]] {
    static TABLE: std::sync::OnceLock<Vec<[u8; 32]>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut out: Vec<[u8; 32]> = Vec::new();
        for t in curve25519_dalek::constants::EIGHT_TORSION {
            let enc = t.compress().to_bytes();
            let mut candidates = vec![enc];
            let mut flipped = enc;
            flipped[31] ^= 0x80;
            candidates.push(flipped);
            // y + p, when it still fits in 255 bits (y < 19).
            let mut y = enc;
            y[31] &= 0x7f;
            if y[1..].iter().all(|&b| b == 0) && y[0] < 19 {
                let mut alias = [0xffu8; 32];
                alias[31] = 0x7f;
                alias[0] = 0xed + y[0];
                alias[31] |= enc[31] & 0x80;
                let mut alias_flipped = alias;
                alias_flipped[31] ^= 0x80;
                candidates.push(alias);
                candidates.push(alias_flipped);
            }
            for c in candidates {
                let small = CompressedEdwardsY(c)
                    .decompress()
                    .is_some_and(|p| p.is_small_order());
                if small && !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_y() {
        let mut p = [0xffu8; 32];
        p[31] = 0x7f;
        p[0] = 0xec;
        assert!(is_canonical_y(&p)); // p - 1
        p[0] = 0xed;
        assert!(!is_canonical_y(&p)); // p
        p[31] = 0xff;
        assert!(!is_canonical_y(&p)); // p with the sign bit
        assert!(is_canonical_y(&[0u8; 32]));
    }

    #[test]
    fn slow_map_agrees_with_dalek_on_the_curve() {
        for i in 2u8..40 {
            let mut seed = [0u8; 32];
            seed[0] = i;
            let u = MontgomeryPoint::mul_base_clamped(seed).to_bytes();
            assert_eq!(xed_pubkey(&u), xed_pubkey_slow(&u));
        }
        // u = -1: y = 0.
        let mut minus_one = [0xffu8; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        assert_eq!(xed_pubkey(&minus_one), [0u8; 32]);
    }

    #[test]
    fn rejects_small_order_and_mixed_order() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            decode_prime_order(&identity, true),
            Err(Error::InvalidPoint)
        );
        // B + T where T is the order-2 point (0, -1): mixed order, must be rejected.
        let mut t = [0xffu8; 32];
        t[0] = 0xec;
        t[31] = 0x7f;
        let t = CompressedEdwardsY(t).decompress().unwrap();
        let mixed = (curve25519_dalek::constants::ED25519_BASEPOINT_POINT + t).compress();
        assert_eq!(
            decode_prime_order(mixed.as_bytes(), true),
            Err(Error::InvalidPoint)
        );
        let b = curve25519_dalek::constants::ED25519_BASEPOINT_POINT.compress();
        assert!(decode_prime_order(b.as_bytes(), true).is_ok());
    }

    /// The eight points of small order (as u: 0, 1, −1 and the five others of RFC 7748 §5's
    /// list) and their u ≥ p / bit-255 aliases give the ladder's results.
    #[test]
    fn x25519_small_order_and_aliases_match_the_ladder() {
        let mut inputs: Vec<[u8; 32]> = curve25519_dalek::constants::EIGHT_TORSION
            .iter()
            .map(|t| t.to_montgomery().to_bytes())
            .collect();
        let mut p = [0xffu8; 32];
        p[31] = 0x7f;
        p[0] = 0xed; // p itself (= 0)
        inputs.push(p);
        p[0] = 0xee; // p + 1 (= 1)
        inputs.push(p);
        inputs.push([0xff; 32]);
        let mut minus_one = [0xffu8; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        inputs.push(minus_one);
        for k in [[0u8; 32], [0xff; 32], [0x42; 32]] {
            for u in &inputs {
                let mut hi = *u;
                hi[31] |= 0x80;
                assert_eq!(x25519(&k, u), x25519_dalek::x25519(k, *u), "u {u:02x?}");
                assert_eq!(x25519(&k, &hi), x25519_dalek::x25519(k, hi), "u {hi:02x?}");
            }
        }
    }

    #[test]
    fn small_order_encodings_are_exactly_those_that_decode_to_small_order() {
        assert_eq!(small_order_encodings().len(), 14);
        for e in small_order_encodings() {
            assert!(
                CompressedEdwardsY(*e)
                    .decompress()
                    .unwrap()
                    .is_small_order()
            );
        }
        // Every y below 32 and above p − 32, both signs: decoding and testing agrees.
        for low in [true, false] {
            for v in 0u8..32 {
                for sign in [0u8, 0x80] {
                    let mut e = if low { [0u8; 32] } else { [0xffu8; 32] };
                    if low {
                        e[0] = v;
                    } else {
                        e[0] = 0xff - v;
                        e[31] = 0x7f;
                    }
                    e[31] |= sign;
                    let by_decoding = CompressedEdwardsY(e)
                        .decompress()
                        .is_some_and(|p| p.is_small_order());
                    assert_eq!(is_small_order_encoding(&e), by_decoding, "{e:02x?}");
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// The variable-time subgroup test agrees with curve25519-dalek's on points with every
        /// torsion component, the small-order points and the identity among them.
        #[test]
        fn torsion_test_matches_dalek(s in proptest::prelude::any::<[u8; 32]>(),
                                      t in 0usize..8, zero in proptest::prelude::any::<bool>()) {
            let torsion = curve25519_dalek::constants::EIGHT_TORSION[t];
            let base = if zero {
                EdwardsPoint::default()
            } else {
                EdwardsPoint::mul_base(&Scalar::from_bytes_mod_order(s))
            };
            let p = base + torsion;
            proptest::prop_assert_eq!(is_torsion_free(&p), p.is_torsion_free());
            proptest::prop_assert_eq!(is_torsion_free(&p), t == 0);
        }

        /// Any 32 bytes as u (about half of them on the twist) and any scalar.
        #[test]
        fn x25519_matches_the_ladder(k in proptest::prelude::any::<[u8; 32]>(),
                                     u in proptest::prelude::any::<[u8; 32]>()) {
            proptest::prop_assert_eq!(x25519(&k, &u), x25519_dalek::x25519(k, u));
        }

        /// Points of the curve with every torsion component (prime-order, mixed-order), and the
        /// validated variant: same result when it accepts, and it accepts exactly what
        /// `AccountId::validate` accepts.
        #[test]
        fn x25519_on_curve_points(k in proptest::prelude::any::<[u8; 32]>(),
                                  s in proptest::prelude::any::<[u8; 32]>(),
                                  t in 0usize..8) {
            let torsion = curve25519_dalek::constants::EIGHT_TORSION[t];
            let p = EdwardsPoint::mul_base_clamped(s) + torsion;
            let u = p.to_montgomery().to_bytes();
            let want = x25519_dalek::x25519(k, u);
            proptest::prop_assert_eq!(x25519(&k, &u), want);
            let id = crate::AccountId::from_key_bytes(&u);
            match x25519_prime_order(&k, &u) {
                Ok(got) => {
                    proptest::prop_assert_eq!(got, want);
                    proptest::prop_assert!(id.validate().is_ok());
                }
                Err(_) => proptest::prop_assert!(id.validate().is_err()),
            }
            proptest::prop_assert_eq!(t == 0, x25519_prime_order(&k, &u).is_ok());
        }

        /// The small-order test on R by encoding agrees with decoding R and testing the point.
        #[test]
        fn small_order_by_encoding(r in proptest::prelude::any::<[u8; 32]>(), t in 0usize..8,
                                   s in proptest::prelude::any::<[u8; 32]>()) {
            let by_decoding = |e: &[u8; 32]| CompressedEdwardsY(*e)
                .decompress()
                .is_some_and(|p| p.is_small_order());
            proptest::prop_assert_eq!(is_small_order_encoding(&r), by_decoding(&r));
            let p = (EdwardsPoint::mul_base_clamped(s) + curve25519_dalek::constants::EIGHT_TORSION[t])
                .compress()
                .to_bytes();
            proptest::prop_assert_eq!(is_small_order_encoding(&p), by_decoding(&p));
        }

        /// The validated variant on arbitrary bytes: never accepts what `AccountId::validate`
        /// refuses, and agrees with the ladder when it accepts.
        #[test]
        fn x25519_prime_order_on_any_bytes(k in proptest::prelude::any::<[u8; 32]>(),
                                           u in proptest::prelude::any::<[u8; 32]>()) {
            let id = crate::AccountId::from_key_bytes(&u);
            match x25519_prime_order(&k, &u) {
                Ok(got) => {
                    proptest::prop_assert!(id.validate().is_ok());
                    proptest::prop_assert_eq!(got, x25519_dalek::x25519(k, u));
                }
                Err(_) => proptest::prop_assert!(id.validate().is_err()),
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn xed_map_fast_and_slow_agree(u in proptest::prelude::any::<[u8; 32]>()) {
            proptest::prop_assert_eq!(xed_pubkey(&u), xed_pubkey_slow(&u));
        }

        #[test]
        fn verify_never_panics(pk in proptest::prelude::any::<[u8; 32]>(),
                               r in proptest::prelude::any::<[u8; 32]>(),
                               s in proptest::prelude::any::<[u8; 32]>()) {
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&r);
            sig[32..].copy_from_slice(&s);
            let _ = verify_strict(&pk, b"m", &sig);
            let _ = ed_to_x25519(&pk);
            let _ = scalarmult_noclamp(&Scalar::ONE, &pk);
        }
    }
}
