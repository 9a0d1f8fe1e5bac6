//! DescribeRegions: the regions an account may use. Every emulated account has the same ones:
//! four enabled by default and two opt-in regions it has not opted into, which only
//! `AllRegions=true` lists.

use super::input::passes;
use super::Call;
use crate::error::ApiResult;
use crate::protocol::xml::Xml;

/// Enabled in every account (AWS's regions that need no opt-in).
pub const ENABLED_REGIONS: [&str; 4] = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"];
/// Opt-in regions no emulated account has opted into.
pub const NOT_OPTED_IN_REGIONS: [&str; 2] = ["af-south-1", "ap-east-1"];

impl Call<'_> {
    pub(super) fn describe_regions(self) -> ApiResult<Xml> {
        let all = self.input.bool("AllRegions")?.unwrap_or(false);
        let names = self.input.list("RegionName");
        let filters = self.input.filters()?;
        self.input.unless_dry_run()?;
        let mut regions: Vec<(&str, &str)> = ENABLED_REGIONS
            .iter()
            .map(|name| (*name, "opt-in-not-required"))
            .collect();
        if all {
            regions.extend(
                NOT_OPTED_IN_REGIONS
                    .iter()
                    .map(|name| (*name, "not-opted-in")),
            );
        }
        let mut kept = Vec::new();
        for (name, status) in regions {
            if !names.is_empty() && !names.iter().any(|n| n == name) {
                continue;
            }
            let keep = passes(&filters, &[], |filter| {
                Some(match filter {
                    "region-name" => vec![name.to_string()],
                    "opt-in-status" => vec![status.to_string()],
                    "endpoint" => vec![endpoint(name)],
                    _ => return None,
                })
            })?;
            if keep {
                kept.push((name, status));
            }
        }
        let mut x = Xml::new();
        x.list("regionInfo", "item", &kept, |x, (name, status)| {
            x.text("regionName", name)
                .text("regionEndpoint", endpoint(name))
                .text("optInStatus", status);
        });
        Ok(x)
    }
}

fn endpoint(region: &str) -> String {
    format!("ec2.{region}.amazonaws.com")
}
