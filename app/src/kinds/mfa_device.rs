//! IAM virtual MFA devices: a TOTP seed an authenticator app holds for an IAM user. Global per
//! account; an item's id is what follows `:mfa/` in its serial number (the device's ARN,
//! `arn:aws:iam::ACCOUNT:mfa/PATH/NAME`), i.e. the path without its first `/` and the name. The
//! Base32 seed and the QR code are secrets AWS returns only at creation: they are shown once, on
//! the generic shown-once page, and never stored, logged or audited.

use crate::components::{Card, IamNameAndPath, NewItemPage, SubmitButton, TagsField};
use crate::model::aws_rules::{check_iam_name_and_path, global_target_account, parse_tags};
use crate::model::endpoint::{Endpoint, WITH_TAGS};
use crate::model::{AppError, AwsItem, FieldErrors, KindInfo, Service, Tag, TagRules};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ResourceKind;
#[cfg(feature = "ssr")]
use super::act;

pub const INFO: KindInfo = KindInfo {
    slug: "mfa-device",
    title: "IAM virtual MFA devices",
    singular: "virtual MFA device",
    nav_label: "MFA devices",
    path: "/mfa-devices",
    endpoints: &[Endpoint::changes_aws("mfa-devices/create").taking(WITH_TAGS)],
    ..KindInfo::of(Service::Iam)
};

const KIND: ResourceKind = ResourceKind::MfaDevice;

/// The status of a device enabled for a user, and of one that is not.
pub const ASSIGNED: &str = "assigned";
pub const UNASSIGNED: &str = "unassigned";
/// The detail field naming the user a device is enabled for.
pub const USER_FIELD: &str = "User";

/// CreateVirtualMFADevice's longest name.
pub const MFA_NAME_MAX: usize = 226;

/// CreateVirtualMFADevice's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewMfaDevice {
    /// `account/global`.
    pub target: String,
    pub name: String,
    /// Empty means `/`.
    pub path: String,
    /// One `Key=Value` per line.
    pub tags: String,
}

/// A valid form: the account, and what to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaDeviceRequest {
    pub account: String,
    pub name: String,
    /// `/` when the form left it empty.
    pub path: String,
    pub tags: Vec<Tag>,
}

impl MfaDeviceRequest {
    /// The item id the device will have: its path without the first `/`, then its name.
    pub fn id(&self) -> String {
        format!("{}{}", &self.path[1..], self.name)
    }
}

/// CreateVirtualMFADevice's rules: a name of 1 to 226 of IAM's name characters, an IAM path,
/// and IAM's tag rules.
pub fn check_mfa_device(form: &NewMfaDevice) -> Result<MfaDeviceRequest, AppError> {
    let mut errors = FieldErrors::new();
    let account = errors.take("target", global_target_account(&form.target));
    let (name, path) =
        check_iam_name_and_path(&mut errors, &form.name, &form.path, MFA_NAME_MAX);
    let tags = errors.take("tags", parse_tags(TagRules::Iam, &form.tags));
    errors.into_result()?;
    Ok(MfaDeviceRequest {
        account,
        name: name.to_string(),
        path: if path.is_empty() { "/" } else { path }.to_string(),
        tags,
    })
}

/// Creates the device; answers the handle that shows its seed and QR code once.
#[server(endpoint = "mfa-devices/create")]
pub async fn create_mfa_device(
    #[server(default)] _csrf: String,
    device: NewMfaDevice,
) -> Result<String, AppError> {
    act(KIND, "create", None, &device, crate::model::FormIntent::Create).await
}

#[component]
pub fn NewPage() -> impl IntoView {
    view! {
        <NewItemPage kind=KIND title="New IAM virtual MFA device" arg="device" id="mfa"
            action={ServerAction::<CreateMfaDevice>::new()}
            about=|| "Creates a virtual MFA device (a TOTP seed). Its QR code and secret seed are shown once, right after creation: scan or copy them then, and enable the device for its user."
            let:form>
            <IamNameAndPath form id="mfa" arg="device"
                name_hint="Up to 226 letters, digits and _ + = , . @ -, e.g. alice-phone"
                path_hint="Optional: begins and ends with /, e.g. /engineering/; empty means /" />
            <TagsField id="mfa-tags" name="device[tags]" error=form.error kind=KIND target_control=form.target_control placeholder="Owner=alice@example.com" hint="One Key=Value per line" />
            <SubmitButton label="Create MFA device" pending=form.pending />
        </NewItemPage>
    }
}

/// Whom the device is enabled for, and what that means for deleting it.
pub fn detail_sections(resource: AwsItem, _just_created: bool) -> AnyView {
    let body = match resource.field(USER_FIELD).map(str::to_string) {
        Some(user) => view! {
            <p class="mb-2 text-sm">"Enabled for user " <code id="mfa-user" class="font-mono text-xs">{user.clone()}</code></p>
            <p class="text-xs text-slate-500" id="mfa-delete-hint">
                {format!("AWS refuses to delete a device while it is assigned: deactivate it for {user} first (IAM console → Users → {user} → Security credentials, or aws iam deactivate-mfa-device), then delete it here.")}
            </p>
        }
        .into_any(),
        None => view! {
            <p class="text-sm" id="mfa-user">"Not enabled for any user. Enable it for a user with two consecutive codes from an authenticator app (IAM console, or aws iam enable-mfa-device)."</p>
        }
        .into_any(),
    };
    view! {
        <Card heading_id="mfa-assignment-heading" title="Assignment" id="mfa-assignment">
            {body}
        </Card>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_follows_create_virtual_mfa_device_rules() {
        let form = NewMfaDevice {
            target: "prod/global".into(),
            name: "alice-phone".into(),
            path: String::new(),
            tags: "Owner=alice@example.com".into(),
        };
        let request = check_mfa_device(&form).unwrap();
        assert_eq!(request.path, "/");
        assert_eq!(request.id(), "alice-phone");
        let in_path = check_mfa_device(&NewMfaDevice {
            path: "/eng/".into(),
            ..form.clone()
        })
        .unwrap();
        assert_eq!(in_path.id(), "eng/alice-phone");
        assert!(check_mfa_device(&NewMfaDevice {
            name: "n".repeat(226),
            ..form.clone()
        })
        .is_ok());
        let bad = NewMfaDevice {
            target: "prod/us-east-1".into(),
            name: "n".repeat(227),
            path: "eng".into(),
            tags: "aws:x=1".into(),
        };
        let error = check_mfa_device(&bad).unwrap_err();
        for field in ["target", "name", "path", "tags"] {
            assert!(error.field(field).is_some(), "{field}");
        }
        let error = check_mfa_device(&NewMfaDevice {
            name: "alice/phone".into(),
            ..form
        })
        .unwrap_err();
        assert!(error.field("name").unwrap().contains('/'));
    }
}
