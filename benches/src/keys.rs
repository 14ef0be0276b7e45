//! Fresh key material per server process, in the forms each contender loads it: our `Key` from
//! PKCS#8 DER, jsonwebtoken and jwt-authorizer from PEM text (as their users do).

use auth_tower::auth_jwt::{Algorithm, Key};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// The signature algorithms the JWT variants are measured with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Alg {
    Hs256,
    Es256,
    EdDsa,
    Rs256,
}

impl Alg {
    pub(crate) fn parse(name: &str) -> Self {
        match name {
            "hs256" => Self::Hs256,
            "es256" => Self::Es256,
            "eddsa" => Self::EdDsa,
            "rs256" => Self::Rs256,
            other => panic!("unknown algorithm {other}"),
        }
    }

    pub(crate) fn ours(self) -> Algorithm {
        match self {
            Self::Hs256 => Algorithm::HS256,
            Self::Es256 => Algorithm::ES256,
            Self::EdDsa => Algorithm::EdDSA,
            Self::Rs256 => Algorithm::RS256,
        }
    }
}

/// One key, as a shared secret (HS256) or a PKCS#8 private key with its SPKI public key.
pub(crate) struct Material {
    pub(crate) alg: Alg,
    /// HS256 only: printable (base64url of 32 random bytes), since jwt-authorizer takes a `&str`.
    pub(crate) secret: String,
    pkcs8: Vec<u8>,
    spki: Vec<u8>,
}

impl Material {
    pub(crate) fn generate(alg: Alg) -> Self {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
        let (pkcs8, spki) = match alg {
            Alg::Hs256 => (Vec::new(), Vec::new()),
            Alg::Es256 => {
                let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("P-256");
                let spki = pair.public_key().as_der().expect("spki");
                (
                    pair.to_pkcs8v1().expect("pkcs8").as_ref().to_vec(),
                    spki.as_ref().to_vec(),
                )
            }
            Alg::EdDsa => {
                let pair = Ed25519KeyPair::generate().expect("Ed25519");
                let spki = pair.public_key().as_der().expect("spki");
                (
                    pair.to_pkcs8v1().expect("pkcs8").as_ref().to_vec(),
                    spki.as_ref().to_vec(),
                )
            }
            Alg::Rs256 => {
                let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                    .expect("RSA-2048");
                let pkcs8: aws_lc_rs::encoding::Pkcs8V1Der<'_> = pair.as_der().expect("pkcs8");
                let spki = pair.public_key().as_der().expect("spki");
                (pkcs8.as_ref().to_vec(), spki.as_ref().to_vec())
            }
        };
        let mut random = [0u8; 32];
        aws_lc_rs::rand::fill(&mut random).expect("randomness");
        Self {
            alg,
            secret: URL_SAFE_NO_PAD.encode(random),
            pkcs8,
            spki,
        }
    }

    /// Our key (signs and verifies).
    pub(crate) fn ours(&self) -> Key {
        match self.alg {
            Alg::Hs256 => Key::hmac("k1", Algorithm::HS256, self.secret.as_bytes()),
            alg => Key::from_private_der("k1", alg.ours(), &self.pkcs8),
        }
        .expect("our key")
    }

    /// `-----BEGIN PRIVATE KEY-----` (PKCS#8).
    pub(crate) fn private_pem(&self) -> String {
        pem("PRIVATE KEY", &self.pkcs8)
    }

    /// `-----BEGIN PUBLIC KEY-----` (SPKI).
    pub(crate) fn public_pem(&self) -> String {
        pem("PUBLIC KEY", &self.spki)
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
