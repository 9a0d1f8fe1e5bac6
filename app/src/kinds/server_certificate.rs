//! IAM server certificates: a TLS certificate, its chain and private key uploaded to IAM for
//! load balancers and CloudFront. Global per account; an item's id is the certificate's name.
//! The certificate's `Expiration` is the item's expiry. The form checks the PEMs before
//! anything is sent (the key matches the certificate, the chain is in order) and a "Check
//! certificate" button answers what the certificate is without uploading it. The private key
//! is a secret: never stored, logged, audited or echoed back.

use crate::components::form::action_answer;
use crate::components::{IamNameAndPath, IntentButtons, NewItemPage, TagsField, TextFileField};
use crate::model::aws_rules::{check_iam_name_and_path, global_target_account, parse_tags};
use crate::model::endpoint::{form_of, Endpoint, WITH_TAGS};
use crate::model::{
    AppError, AwsItem, FieldErrors, FormIntent, KindInfo, Renewal, ResourceRef, Service,
};
use crate::model::{Tag, TagRules};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::act;
use super::ResourceKind;

pub const INFO: KindInfo = KindInfo {
    slug: "server-certificate",
    title: "IAM server certificates",
    singular: "server certificate",
    nav_label: "Server certificates",
    path: "/server-certificates",
    expiry_field: Some("Expiration"),
    // Viewers may check a certificate (intent=check); uploading it is refused them by the console.
    endpoints: &[Endpoint::signed_in("server-certificates/upload")
        .taking(form_of(BODY_MAX + CHAIN_MAX + KEY_MAX) + WITH_TAGS)],
    renewal: Some(Renewal::Successor(successor)),
    ..KindInfo::of(Service::Iam)
};

/// A renewal: the successor's upload in the same account, with the same path and tags, and the
/// name numbered on (`api-gateway` → `api-gateway-2` → `api-gateway-3`); the new certificate's
/// files are the admin's to give.
fn successor(certificate: &AwsItem) -> Vec<(&'static str, String)> {
    vec![
        (
            "certificate[target]",
            format!("{}/{}", certificate.item.account, certificate.item.region),
        ),
        ("certificate[name]", next_name(&certificate.name)),
        (
            "certificate[path]",
            certificate.field("Path").unwrap_or("/").to_string(),
        ),
        ("certificate[tags]", super::tags_text(certificate)),
    ]
}

/// `name-2` for `name`, `name-3` for `name-2`; within IAM's 128 characters.
fn next_name(name: &str) -> String {
    let (base, number) = match name.rsplit_once('-') {
        Some((base, n))
            if !base.is_empty() && (1..=4).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (base, n.parse::<u32>().unwrap_or(1) + 1)
        }
        _ => (name, 2),
    };
    let suffix = format!("-{number}");
    let room = 128usize.saturating_sub(suffix.len());
    let base: String = base.chars().take(room).collect();
    format!("{base}{suffix}")
}

const KIND: ResourceKind = ResourceKind::ServerCertificate;

/// UploadServerCertificate's bounds, in characters.
pub const BODY_MAX: usize = 16_384;
pub const KEY_MAX: usize = 16_384;
pub const CHAIN_MAX: usize = 2_097_152;

/// UploadServerCertificate's form. Its `Debug` leaves the private key out.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewServerCertificate {
    /// `account/global`.
    pub target: String,
    pub name: String,
    /// Empty means `/`.
    pub path: String,
    /// The certificate, PEM.
    pub body: String,
    /// The intermediate certificates, PEM, the issuer of the body first.
    pub chain: String,
    /// The secret.
    pub private_key: String,
    /// One `Key=Value` per line.
    pub tags: String,
    /// The item this one renews, on a renewal's form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renews: Option<crate::model::RenewedItem>,
}

impl std::fmt::Debug for NewServerCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewServerCertificate")
            .field("target", &self.target)
            .field("name", &self.name)
            .field("path", &self.path)
            .field("body", &format_args!("{} characters", self.body.len()))
            .field("chain", &format_args!("{} characters", self.chain.len()))
            .field("private_key", &"[redacted]")
            .field("tags", &self.tags)
            .field("renews", &self.renews)
            .finish()
    }
}

/// What a certificate is, read from its PEM on the server: shown by "Check certificate" and on
/// the detail page. Never anything of the key but its type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSummary {
    pub subject: String,
    pub issuer: String,
    pub sans: Vec<String>,
    /// RFC 3339, UTC.
    pub not_before: String,
    pub not_after: String,
    /// e.g. `RSA 2048-bit`, `EC P-256`.
    pub key_type: String,
    /// The chain's certificates' subjects, in order.
    pub chain: Vec<String>,
}

impl CertificateSummary {
    /// One sentence, for the check's answer.
    pub fn sentence(&self) -> String {
        let sans = if self.sans.is_empty() {
            "no subject alternative names".to_string()
        } else {
            format!("names {}", self.sans.join(", "))
        };
        let chain = if self.chain.is_empty() {
            "no chain".to_string()
        } else {
            format!("a chain of {} in order", self.chain.len())
        };
        format!(
            "The key matches. {} issued by {}; {sans}; valid from {} to {}; {} key; {chain}.",
            self.subject, self.issuer, self.not_before, self.not_after, self.key_type
        )
    }
}

/// The PEM problems the server found, each on its field (`body`, `chain`, `private_key`).
pub type PemProblems = Vec<(&'static str, String)>;

/// The server's check of the PEMs: body, chain (may be empty), private key.
pub type PemCheck = fn(&str, &str, &str) -> Result<CertificateSummary, PemProblems>;

/// A valid form: the account, and what to send.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerCertificateRequest {
    pub account: String,
    pub name: String,
    pub path: String,
    pub body: String,
    pub chain: Option<String>,
    pub private_key: String,
    pub tags: Vec<Tag>,
    pub summary: CertificateSummary,
}

fn check_length(text: &str, what: &str, max: usize, required: bool) -> Result<(), String> {
    if required && text.is_empty() {
        return Err(format!("Paste {what} (PEM), or choose its file."));
    }
    let length = text.chars().count();
    if length > max {
        return Err(format!(
            "{what} is {length} characters; IAM accepts at most {max}."
        ));
    }
    Ok(())
}

impl std::fmt::Debug for ServerCertificateRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerCertificateRequest")
            .field("account", &self.account)
            .field("name", &self.name)
            .field("path", &self.path)
            .field("summary", &self.summary)
            .field("private_key", &"[redacted]")
            .field("tags", &self.tags)
            .finish_non_exhaustive()
    }
}

/// UploadServerCertificate's rules; `pems` is the server's check of the certificate, chain and
/// key, run once each is there and within IAM's lengths.
pub fn check_server_certificate(
    form: &NewServerCertificate,
    pems: PemCheck,
) -> Result<ServerCertificateRequest, AppError> {
    let mut errors = FieldErrors::new();
    let account = errors.take("target", global_target_account(&form.target));
    let (name, path) = check_iam_name_and_path(&mut errors, &form.name, &form.path, 128);
    let body = form.body.trim();
    let chain = form.chain.trim();
    let key = form.private_key.trim();
    let lengths = [
        (
            "body",
            check_length(body, "The certificate", BODY_MAX, true),
        ),
        ("chain", check_length(chain, "The chain", CHAIN_MAX, false)),
        (
            "private_key",
            check_length(key, "The private key", KEY_MAX, true),
        ),
    ];
    let lengths_ok = lengths.iter().all(|(_, r)| r.is_ok());
    for (field, result) in lengths {
        errors.check(field, result);
    }
    let mut summary = None;
    if lengths_ok {
        match pems(body, chain, key) {
            Ok(found) => summary = Some(found),
            Err(problems) => {
                for (field, problem) in problems {
                    errors.check(field, Err(problem));
                }
            }
        }
    }
    let tags = errors.take("tags", parse_tags(TagRules::Iam, &form.tags));
    errors.into_result()?;
    Ok(ServerCertificateRequest {
        account,
        name: name.to_string(),
        path: if path.is_empty() {
            "/".into()
        } else {
            path.to_string()
        },
        body: body.to_string(),
        chain: (!chain.is_empty()).then(|| chain.to_string()),
        private_key: key.to_string(),
        tags,
        summary: summary.unwrap_or_default(),
    })
}

/// What the form's server function answers: the uploaded certificate, or a check's summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UploadAnswer {
    Uploaded(ResourceRef),
    Checked(CertificateSummary),
}

/// The form's two buttons: `intent=check` answers what the certificate is (nothing is sent to
/// AWS), anything else uploads it.
#[server(endpoint = "server-certificates/upload")]
pub async fn upload_server_certificate(
    #[server(default)] _csrf: String,
    certificate: NewServerCertificate,
    #[server(default)] intent: FormIntent,
) -> Result<UploadAnswer, AppError> {
    act(KIND, "upload", None, &certificate, intent).await
}

#[component]
pub fn NewPage() -> impl IntoView {
    let upload = ServerAction::<UploadServerCertificate>::new();
    let checked = action_answer(upload, |answer| match answer {
        UploadAnswer::Checked(summary) => Some(summary),
        UploadAnswer::Uploaded(_) => None,
    });
    view! {
        <NewItemPage kind=KIND title="Upload an IAM server certificate" arg="certificate" action=upload
            about=|| "A TLS certificate for load balancers and CloudFront in a Region where ACM is not used. The certificate's expiry is read from it; the private key goes to IAM and is never kept by trustdesk."
            let:form>
            <IamNameAndPath form id="certificate" arg="certificate"
                name_hint="Up to 128 letters, digits and _ + = , . @ -"
                path_hint="Optional: / by default, or e.g. /cloudfront/ for CloudFront" />
            <TextFileField id="certificate-body" name="certificate[body]" field="body" label="Certificate body" error=form.error
                accept=".pem,.crt,.cer" hint="One PEM certificate (-----BEGIN CERTIFICATE-----)" />
            <TextFileField id="certificate-chain" name="certificate[chain]" field="chain" label="Certificate chain" error=form.error
                accept=".pem,.crt,.cer" required=false hint="Optional: the intermediate certificates, PEM, the body's issuer first" />
            <TextFileField id="certificate-private_key" name="certificate[private_key]" field="private_key" label="Private key" error=form.error
                accept=".pem,.key" hint="PEM (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY), unencrypted. Sent to IAM only; never stored here." />
            <TagsField id="certificate-tags" name="certificate[tags]" error=form.error kind=KIND target_control=form.target_control hint="One Key=Value per line" />
            {move || checked.get().map(|summary| view! { <CertificateFacts summary /> })}
            <IntentButtons create=("upload-certificate", "Upload certificate") check=("check-certificate", "Check certificate") pending=form.pending />
        </NewItemPage>
    }
}

/// A check's answer, as a definition list.
#[component]
fn CertificateFacts(summary: CertificateSummary) -> impl IntoView {
    let row = |label: &'static str, value: String| {
        view! { <dt class="text-slate-500">{label}</dt><dd class="break-all font-mono text-xs" data-check=label>{value}</dd> }
    };
    view! {
        <div role="status" id="certificate-check" class="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm dark:border-emerald-800 dark:bg-emerald-950">
            <p class="mb-2 font-medium">"The key matches the certificate."</p>
            <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
                {row("Subject", summary.subject)}
                {row("Issuer", summary.issuer)}
                {row("Names", summary.sans.join(", "))}
                {row("Not before", summary.not_before)}
                {row("Not after", summary.not_after)}
                {row("Key", summary.key_type)}
                {row("Chain", summary.chain.join(" → "))}
            </dl>
        </div>
    }
}

/// Nothing of its own beyond the generic details (subject, issuer, names, key and dates are
/// among them), tags and delete: IAM cannot change a certificate, only replace it.
pub fn detail_sections(_resource: AwsItem, _just_created: bool) -> AnyView {
    super::no_sections()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_successor_is_numbered_on_within_iams_length() {
        assert_eq!(next_name("api-gateway"), "api-gateway-2");
        assert_eq!(next_name("api-gateway-2"), "api-gateway-3");
        assert_eq!(next_name("partner-sftp-2027"), "partner-sftp-2028");
        assert_eq!(next_name("cert-v12345"), "cert-v12345-2", "not a number of ours");
        let long = "x".repeat(128);
        assert_eq!(next_name(&long).len(), 128);
        assert!(next_name(&long).ends_with("x-2"));
    }

    fn fine(_: &str, _: &str, _: &str) -> Result<CertificateSummary, PemProblems> {
        Ok(CertificateSummary {
            subject: "CN=a".into(),
            ..Default::default()
        })
    }

    fn mismatched(_: &str, _: &str, _: &str) -> Result<CertificateSummary, PemProblems> {
        Err(vec![("private_key", "does not match".into())])
    }

    fn form() -> NewServerCertificate {
        NewServerCertificate {
            target: "prod/global".into(),
            name: "www.example.com-2027".into(),
            path: "".into(),
            body: "CERT".into(),
            chain: "".into(),
            private_key: "-----BEGIN PRIVATE KEY-----SECRET".into(),
            tags: "Owner=web@example.com".into(),
            renews: None,
        }
    }

    #[test]
    fn the_form_follows_upload_server_certificate_rules() {
        let request = check_server_certificate(&form(), fine).unwrap();
        assert_eq!(request.path, "/");
        assert_eq!(request.chain, None);
        assert_eq!(request.summary.subject, "CN=a");
        let error = check_server_certificate(&form(), mismatched).unwrap_err();
        assert_eq!(error.field("private_key"), Some("does not match"));

        let bad = NewServerCertificate {
            target: "prod/us-east-1".into(),
            name: "www example".into(),
            path: "certs".into(),
            body: "".into(),
            chain: "c".repeat(CHAIN_MAX + 1),
            private_key: "".into(),
            tags: "aws:x=1".into(),
            renews: None,
        };
        let error = check_server_certificate(&bad, mismatched).unwrap_err();
        let fields: Vec<&str> = error.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "target",
                "name",
                "path",
                "body",
                "chain",
                "private_key",
                "tags"
            ],
            "the PEM check does not run while a PEM is missing or too long"
        );
        assert!(error.field("chain").unwrap().contains("at most 2097152"));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let shown = format!("{:?}", form());
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("[redacted]"));
        let checked = format!("{:?}", check_server_certificate(&form(), fine).unwrap());
        assert!(!checked.contains("SECRET"), "{checked}");
    }
}
