//! Virtual MFA devices.

use super::model::VirtualMfaDevice;
use super::{already_exists, iam_page, render, result, truncation, validation, Call, Output};
use crate::derive::mfa;
use crate::error::{ApiError, ApiResult};

impl Call<'_> {
    pub(super) fn create_virtual_mfa_device(self) -> Output {
        let name = self.input.name("VirtualMFADeviceName", 226)?;
        let path = self.input.path("Path")?;
        let tags = self.input.tags()?;
        let serial = format!("arn:aws:iam::{}:mfa{path}{name}", self.account);
        if self.iam.mfa_devices.contains_key(&serial) {
            return Err(already_exists(
                "MFADevice entity at the same path and name already exists.",
            ));
        }
        let seed = mfa::new_seed();
        let qr_png =
            mfa::qr_code_png(&mfa::otpauth_uri(&name, self.account, &seed)).map_err(|e| {
                ApiError::new(http::StatusCode::INTERNAL_SERVER_ERROR, "ServiceFailure", e)
            })?;
        let device = VirtualMfaDevice {
            serial: serial.clone(),
            name,
            seed,
            qr_png,
            created: self.now,
            tags,
        };
        let out = result(|x| {
            x.el("VirtualMFADevice", |x| render::mfa_device(x, &device, true));
        });
        self.iam.mfa_devices.insert(serial, device);
        out
    }

    pub(super) fn list_virtual_mfa_devices(self) -> Output {
        let status = self
            .input
            .one_of("AssignmentStatus", &["Assigned", "Unassigned", "Any"])?
            .unwrap_or("Any");
        // No IAM users exist in the emulator, so every device is unassigned.
        let devices: Vec<VirtualMfaDevice> = if status == "Assigned" {
            Vec::new()
        } else {
            self.iam.mfa_devices.values().cloned().collect()
        };
        let page = iam_page(devices, |d| d.serial.clone(), &self.input)?;
        result(|x| {
            x.list("VirtualMFADevices", "member", &page.items, |x, d| {
                render::mfa_device(x, d, false)
            });
            truncation(x, page.next);
        })
    }

    pub(super) fn delete_virtual_mfa_device(self) -> Output {
        let serial = self.mfa_serial()?;
        self.iam.mfa_device_mut(&serial)?;
        self.iam.mfa_devices.remove(&serial);
        Ok(None)
    }

    pub(super) fn mfa_serial(&self) -> ApiResult<String> {
        let serial = self.input.required("SerialNumber")?;
        self.input.length("SerialNumber", serial, 9, 256)?;
        if !serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "=,.@:/-_+".contains(c))
        {
            return Err(validation(
                serial,
                "SerialNumber",
                "Member must satisfy regular expression pattern: [\\w+=/:,.@-]+",
            ));
        }
        Ok(serial.to_string())
    }
}
