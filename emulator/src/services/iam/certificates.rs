//! Server certificates: Expiration is read from the uploaded PEM.

use super::model::ServerCertificate;
use super::{already_exists, iam_page, render, result, truncation, Call, Output};
use crate::derive::cert;
use crate::error::ApiError;
use crate::tags::KeyCase;

impl Call<'_> {
    pub(super) fn upload_server_certificate(self) -> Output {
        let name = self.input.name("ServerCertificateName", 128)?;
        let path = self.input.path("Path")?;
        let body = self.input.required("CertificateBody")?;
        self.input.length("CertificateBody", body, 1, 16384)?;
        let key = self.input.required("PrivateKey")?;
        self.input.length("PrivateKey", key, 1, 16384)?;
        let chain = self.input.optional("CertificateChain");
        if let Some(chain) = chain {
            self.input.length("CertificateChain", chain, 1, 2_097_152)?;
        }
        let tags = self.input.tags(KeyCase::Sensitive)?;
        let parsed = cert::parse_certificate(body)
            .map_err(|e| ApiError::bad_request("MalformedCertificate", e.to_string()))?;
        if let Some(chain) = chain {
            cert::parse_chain(chain).map_err(|e| {
                ApiError::bad_request("MalformedCertificate", format!("Certificate chain: {e}"))
            })?;
        }
        cert::check_key_matches(&parsed, key).map_err(|e| match e {
            cert::KeyError::Malformed(message) => {
                ApiError::bad_request("MalformedCertificate", message)
            }
            cert::KeyError::Mismatch => ApiError::bad_request(
                "KeyPairMismatch",
                "The public key certificate and the private key do not match.",
            ),
        })?;
        if self
            .iam
            .server_certificates
            .contains_key(&name.to_lowercase())
        {
            return Err(already_exists(format!(
                "The Server Certificate with name {name} already exists."
            )));
        }
        let certificate = ServerCertificate {
            arn: format!(
                "arn:aws:iam::{}:server-certificate{path}{name}",
                self.account
            ),
            name: name.clone(),
            id: crate::ids::iam_unique_id("ASCA"),
            path,
            uploaded: self.now,
            expiration: parsed.not_after,
            body: body.trim().to_string(),
            chain: chain.map(|c| c.trim().to_string()),
            tags,
        };
        let out = result(|x| {
            x.el("ServerCertificateMetadata", |x| {
                render::server_certificate_metadata(x, &certificate)
            });
            render::tags(x, &certificate.tags);
        });
        self.iam
            .server_certificates
            .insert(name.to_lowercase(), certificate);
        out
    }

    pub(super) fn get_server_certificate(self) -> Output {
        let name = self.input.name("ServerCertificateName", 128)?;
        let certificate = self.iam.server_certificate(&name)?;
        result(|x| {
            x.el("ServerCertificate", |x| {
                x.el("ServerCertificateMetadata", |x| {
                    render::server_certificate_metadata(x, certificate)
                })
                .text("CertificateBody", &certificate.body)
                .opt_text("CertificateChain", certificate.chain.as_ref());
                render::tags(x, &certificate.tags);
            });
        })
    }

    pub(super) fn list_server_certificates(self) -> Output {
        let prefix = self.input.path_prefix()?;
        let certificates: Vec<ServerCertificate> = self
            .iam
            .server_certificates
            .values()
            .filter(|c| c.path.starts_with(&prefix))
            .cloned()
            .collect();
        let page = iam_page(certificates, |c| c.name.to_lowercase(), &self.input)?;
        result(|x| {
            x.list(
                "ServerCertificateMetadataList",
                "member",
                &page.items,
                render::server_certificate_metadata,
            );
            truncation(x, page.next);
        })
    }

    pub(super) fn delete_server_certificate(self) -> Output {
        let name = self.input.name("ServerCertificateName", 128)?;
        self.iam.server_certificate(&name)?;
        self.iam.server_certificates.remove(&name.to_lowercase());
        Ok(None)
    }
}
