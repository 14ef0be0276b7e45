//! A throwaway certificate authority and a server certificate for `localhost` and `127.0.0.1`,
//! made in process for one test run (nothing on disk but what the server under test reads).

/// A CA and a server certificate it signed, all PEM.
#[derive(Debug, Clone)]
pub struct ThrowawayCa {
    /// The CA certificate: what a client must trust.
    pub ca_pem: String,
    /// The server's certificate (for `localhost` and `127.0.0.1`).
    pub server_cert_pem: String,
    /// The server's private key.
    pub server_key_pem: String,
}

impl ThrowawayCa {
    /// A new CA (ECDSA P-256) and a server certificate signed by it.
    ///
    /// # Panics
    /// If rcgen cannot generate a key or sign (it does not, short of a broken crypto library).
    pub fn new() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).expect("the CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);
        let server_key = KeyPair::generate().expect("a server key");
        let server_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("server parameters");
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .expect("the server certificate");
        Self {
            ca_pem: ca_cert.pem(),
            server_cert_pem: server_cert.pem(),
            server_key_pem: server_key.serialize_pem(),
        }
    }
}

impl Default for ThrowawayCa {
    fn default() -> Self {
        Self::new()
    }
}
