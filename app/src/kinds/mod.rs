//! Every kind of AWS item the console manages, one module each. A kind's module holds only what
//! is its own: its descriptor ([`KindInfo`]), its forms' types and AWS's rules for them, its
//! server functions, its create page and any detail-page sections of its own. Inventories,
//! detail pages, tags, deletion and refresh are generic and work from the descriptor.
//!
//! Adding a kind: write its module and add one line to [`kinds!`] below.

use crate::model::{AwsItem, KindInfo};
use leptos::prelude::*;

macro_rules! kinds {
    // A kind's optional inventory section: `Kind => module(function),` names the module's
    // function that renders it; without one the inventory has no section of the kind's own.
    (@inventory_section $module:ident) => { ().into_any() };
    (@inventory_section $module:ident $section:ident) => { $module::$section() };
    ($($variant:ident => $module:ident $(($section:ident))?,)+) => {
        $(pub mod $module;)+

        /// The kinds of AWS item the console manages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum ResourceKind {
            $($variant,)+
        }

        impl ResourceKind {
            pub const ALL: [ResourceKind; [$(stringify!($variant)),+].len()] =
                [$(ResourceKind::$variant,)+];

            pub fn info(self) -> &'static KindInfo {
                match self {
                    $(ResourceKind::$variant => &$module::INFO,)+
                }
            }
        }

        /// The kind's create page.
        pub fn new_page(kind: ResourceKind) -> AnyView {
            match kind {
                $(ResourceKind::$variant => $module::NewPage().into_any(),)+
            }
        }

        /// What the kind's inventory page shows of its own above the generic inventory (e.g.
        /// a link to items AWS offers that are not cached), if anything.
        pub fn inventory_section(kind: ResourceKind) -> AnyView {
            match kind {
                $(ResourceKind::$variant => kinds!(@inventory_section $module $($section)?),)+
            }
        }

        /// The sections of an item's detail page that only its kind has (beside the generic
        /// details, tags and delete).
        pub fn detail_sections(resource: AwsItem, just_created: bool) -> AnyView {
            match resource.item.kind {
                $(ResourceKind::$variant => $module::detail_sections(resource, just_created),)+
            }
        }
    };
}

kinds! {
    VerificationToken => verification_token,
    TrustProvider => trust_provider,
    LicenseToken => license_token,
    IdentitySource => identity_source,
    InstanceProfile => instance_profile,
    OidcProvider => oidc_provider,
    SamlProvider => saml_provider,
    ServerCertificate => server_certificate,
    MfaDevice => mfa_device,
    ManagedPolicy => managed_policy(inventory_section),
}

impl ResourceKind {
    /// The kind whose inventory is at `path`, e.g. `/trust-providers`.
    pub fn from_path(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.path() == path)
    }
}

/// Sends a kind-specific form to the backend and reads the kind's typed answer: the one call
/// every kind's server functions make.
#[cfg(feature = "ssr")]
pub async fn act<F, T>(
    kind: ResourceKind,
    action: &str,
    item: Option<crate::model::ResourceRef>,
    form: &F,
    intent: crate::model::FormIntent,
) -> Result<T, crate::model::AppError>
where
    F: serde::Serialize,
    T: serde::de::DeserializeOwned,
{
    let mut form = serde_json::to_value(form).map_err(|_| crate::model::AppError::internal())?;
    // A renewal's form carries the item it renews beside the kind's own fields.
    let renews = form
        .as_object_mut()
        .and_then(|fields| fields.remove("renews"))
        .and_then(|renews| serde_json::from_value::<crate::model::RenewedItem>(renews).ok())
        .map(|renewed| renewed.as_ref_of(kind));
    let request = crate::ports::KindRequest {
        kind,
        action: action.to_string(),
        item,
        form,
        intent,
        renews,
    };
    let reply = crate::ports::change(|ports| ports.act(request)).await?;
    serde_json::from_value(reply).map_err(|_| crate::model::AppError::internal())
}

/// The choices one of a kind's forms offers (read from AWS), typed by the kind.
#[cfg(feature = "ssr")]
pub async fn form_options<T>(kind: ResourceKind, form: &str) -> Result<T, crate::model::AppError>
where
    T: serde::de::DeserializeOwned,
{
    let form = form.to_string();
    let reply = crate::ports::read(|ports| ports.kind_form_options(kind, form)).await?;
    serde_json::from_value(reply).map_err(|_| crate::model::AppError::internal())
}

/// The "no sections of its own" answer for [`detail_sections`].
pub fn no_sections() -> AnyView {
    ().into_any()
}

/// An item's tags as a create form's tags field takes them (`Key=Value`, one per line), for a
/// renewal's successor; `aws:` tags are AWS's own and cannot be given.
pub(crate) fn tags_text(item: &crate::model::AwsItem) -> String {
    item.tags
        .iter()
        .filter(|tag| !tag.key.to_ascii_lowercase().starts_with("aws:"))
        .map(|tag| format!("{}={}", tag.key, tag.value))
        .collect::<Vec<_>>()
        .join("\n")
}
