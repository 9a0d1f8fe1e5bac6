//! Fields AWS computes from what it is given: certificate expiry from the PEM, SAML `validUntil`
//! from the metadata, virtual MFA seeds and QR codes, License Manager's JWTs.

pub mod cert;
pub mod jwt;
pub mod mfa;
pub mod saml;
