//! The X25519 engine of an [`X25519SecretKey`](crate::X25519SecretKey).
//!
//! Without the `aws-lc` feature, products are computed with curve25519-dalek (the variable-base
//! product on the Edwards form, [`crate::point::x25519`]; the public key with the fixed-base
//! table). With it, they are computed by aws-lc's X25519 (assembly, CPU features detected at
//! run time), through `aws-lc-rs`'s safe API: the key is loaded into aws-lc once, on first use,
//! and kept with the secret key. The results are the same bit for bit (RFC 7748 / libsodium
//! `crypto_scalarmult`); an all-zero product, which aws-lc refuses to return, is computed by
//! the generic path.

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;

use crate::point;

/// The per-key state of the engine: nothing, or the key loaded into aws-lc.
#[derive(Clone, Default)]
pub(crate) struct Engine {
    #[cfg(feature = "aws-lc")]
    loaded: std::sync::OnceLock<std::sync::Arc<aws_lc_rs::agreement::PrivateKey>>,
}

impl Engine {
    /// An engine with nothing loaded yet.
    pub(crate) const fn new() -> Self {
        Self {
            #[cfg(feature = "aws-lc")]
            loaded: std::sync::OnceLock::new(),
        }
    }

    /// `X25519(k, u)`. `decoded` is the Edwards point of `u` when the caller has it already.
    pub(crate) fn x25519(
        &self,
        k: &[u8; 32],
        u: &[u8; 32],
        decoded: Option<&EdwardsPoint>,
    ) -> [u8; 32] {
        #[cfg(feature = "aws-lc")]
        if let Some(key) = self.load(k) {
            use aws_lc_rs::agreement::{UnparsedPublicKey, X25519, agree};
            let out = agree(key, UnparsedPublicKey::new(&X25519, u), (), |s| {
                <[u8; 32]>::try_from(s).map_err(|_| ())
            });
            if let Ok(out) = out {
                return out;
            }
        }
        match decoded {
            Some(p) => point::mul_clamped_to_u(p, k),
            None => point::x25519(k, u),
        }
    }

    /// `X25519(k, 9)`.
    pub(crate) fn public_key(&self, k: &[u8; 32]) -> [u8; 32] {
        #[cfg(feature = "aws-lc")]
        if let Some(key) = self.load(k) {
            if let Ok(pk) = key.compute_public_key() {
                if let Ok(pk) = <[u8; 32]>::try_from(pk.as_ref()) {
                    return pk;
                }
            }
        }
        MontgomeryPoint::mul_base_clamped(*k).to_bytes()
    }

    /// The key loaded into aws-lc (loading it on first use; aws-lc clamps when multiplying).
    #[cfg(feature = "aws-lc")]
    fn load(&self, k: &[u8; 32]) -> Option<&aws_lc_rs::agreement::PrivateKey> {
        use aws_lc_rs::agreement::{PrivateKey, X25519};
        if self.loaded.get().is_none() {
            let key = PrivateKey::from_private_key(&X25519, k).ok()?;
            // Another thread may have loaded the same key meanwhile: either copy will do.
            let _ = self.loaded.set(std::sync::Arc::new(key));
        }
        self.loaded.get().map(|k| &**k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same engine answers several products with one key (aws-lc: loaded once).
    #[test]
    fn small_order_points_and_reuse() {
        let k = [0x42u8; 32];
        let e = Engine::new();
        for t in curve25519_dalek::constants::EIGHT_TORSION {
            let u = t.to_montgomery().to_bytes();
            assert_eq!(e.x25519(&k, &u, None), x25519_dalek::x25519(k, u));
            assert_eq!(e.x25519(&k, &u, Some(&t)), x25519_dalek::x25519(k, u));
        }
        assert_eq!(
            e.public_key(&k),
            MontgomeryPoint::mul_base_clamped(k).to_bytes()
        );
        #[cfg(feature = "aws-lc")]
        assert!(e.loaded.get().is_some(), "aws-lc engine not used");
        let cloned = e.clone();
        assert_eq!(
            cloned.public_key(&k),
            MontgomeryPoint::mul_base_clamped(k).to_bytes()
        );
    }

    #[test]
    fn zeroize_forgets_the_loaded_key() {
        use zeroize::Zeroize as _;
        let mut sk = crate::X25519SecretKey::from_bytes(&[7u8; 32]);
        let before = sk.public_key();
        sk.zeroize();
        assert_eq!(sk.as_bytes(), &[0u8; 32]);
        assert_ne!(sk.public_key(), before);
        assert_eq!(
            sk.public_key().to_bytes(),
            MontgomeryPoint::mul_base_clamped([0u8; 32]).to_bytes()
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Fresh engine per key, any bytes as u (curve and twist): the ladder's result; the
        /// public key: the fixed-base product.
        #[test]
        fn engine_matches_the_ladder(k in proptest::prelude::any::<[u8; 32]>(),
                                     u in proptest::prelude::any::<[u8; 32]>()) {
            let e = Engine::new();
            proptest::prop_assert_eq!(e.x25519(&k, &u, None), x25519_dalek::x25519(k, u));
            proptest::prop_assert_eq!(
                e.public_key(&k),
                MontgomeryPoint::mul_base_clamped(k).to_bytes()
            );
            let sk = crate::X25519SecretKey::from_bytes(&k);
            let their = crate::X25519PublicKey::from_bytes(&u);
            let want = x25519_dalek::x25519(k, u);
            match sk.diffie_hellman(&their) {
                Ok(s) => proptest::prop_assert_eq!(*s, want),
                Err(_) => proptest::prop_assert_eq!(want, [0u8; 32]),
            }
        }
    }
}
