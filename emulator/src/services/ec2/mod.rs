//! EC2 over the EC2 query protocol: IPAMs, IPAM external-resource verification tokens, Verified
//! Access trust providers, tags on them, and the regions an account may use. State is per
//! account and region.

mod input;
mod model;
pub mod regions;
mod verified_access;

use axum::response::Response;
use chrono::{DateTime, Duration, Utc};

use input::{invalid_combination, invalid_value, missing, passes, Ec2Input};
pub use model::*;

use super::{Ctx, RawRequest, Service};
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::paging::page;
use crate::protocol::query::{self, Params};
use crate::protocol::xml::{iso8601, Xml};
use crate::state::{Idempotency, World};
use crate::tags::{apply_ec2_tags, validate_ec2_tag_key, Tag};

/// How long a verification token is valid after it is created.
pub const TOKEN_VALIDITY_DAYS: i64 = 7;

pub fn handle(world: &mut World, ctx: &Ctx, operation: &str, request: &RawRequest) -> Response {
    let params = Params::parse(&request.body, request.query.as_deref());
    let now = world.now();
    let account = ctx.account().to_string();
    let ec2 = &mut world.account(&account).region(&ctx.region).ec2;
    let call = Call {
        ec2,
        account: &account,
        region: &ctx.region,
        params: &params,
        input: Ec2Input::new(&params),
        now,
    };
    match call.run(operation) {
        Ok(body) => query::ec2_response(operation, &ctx.request_id, body),
        Err(error) => Service::Ec2.error_response(&error, &ctx.request_id),
    }
}

struct Call<'a> {
    ec2: &'a mut Ec2State,
    account: &'a str,
    region: &'a str,
    params: &'a Params,
    input: Ec2Input<'a>,
    now: DateTime<Utc>,
}

fn not_found(code: &str, message: String) -> ApiError {
    ApiError::bad_request(code, message)
}

fn one(body: impl FnOnce(&mut Xml)) -> ApiResult<Xml> {
    let mut x = Xml::new();
    body(&mut x);
    Ok(x)
}

/// CreateTags and DeleteTags take up to this many resource ids per call.
pub const MAX_TAGGED_RESOURCES: usize = 1000;

fn invalid_next_token() -> ApiError {
    invalid_value("The token is invalid.")
}

/// Replays the resource an idempotent create made before, or refuses a reused token.
fn replay_or_fresh(check: Idempotency) -> ApiResult<Option<String>> {
    match check {
        Idempotency::Fresh => Ok(None),
        Idempotency::Replay(id) => Ok(Some(id)),
        Idempotency::Mismatch => Err(ApiError::bad_request(
            "IdempotentParameterMismatch",
            "The client token you have provided is associated with a resource that was created with different parameters.",
        )),
    }
}

impl Call<'_> {
    fn run(self, operation: &str) -> ApiResult<Xml> {
        match operation {
            "CreateIpam" => self.create_ipam(),
            "DescribeIpams" => self.describe_ipams(),
            "DeleteIpam" => self.delete_ipam(),
            "CreateIpamExternalResourceVerificationToken" => self.create_token(),
            "DescribeIpamExternalResourceVerificationTokens" => self.describe_tokens(),
            "DeleteIpamExternalResourceVerificationToken" => self.delete_token(),
            "CreateVerifiedAccessTrustProvider" => self.create_trust_provider(),
            "DescribeVerifiedAccessTrustProviders" => self.describe_trust_providers(),
            "ModifyVerifiedAccessTrustProvider" => self.modify_trust_provider(),
            "DeleteVerifiedAccessTrustProvider" => self.delete_trust_provider(),
            "CreateTags" => self.create_tags(),
            "DeleteTags" => self.delete_tags(),
            "DescribeTags" => self.describe_tags(),
            "DescribeRegions" => self.describe_regions(),
            other => Err(Service::Ec2.unknown_operation(other)),
        }
    }

    fn client_token(&self) -> ApiResult<Option<&str>> {
        self.input.max_length("ClientToken", 64)
    }

    fn idempotency(&self, operation: &str) -> ApiResult<Option<String>> {
        let fingerprint = self.params.fingerprint(&["ClientToken", "DryRun"]);
        replay_or_fresh(
            self.ec2
                .idempotency
                .check(operation, self.client_token()?, &fingerprint),
        )
    }

    fn remember(&mut self, operation: &str, resource_id: &str) -> ApiResult<()> {
        let fingerprint = self.params.fingerprint(&["ClientToken", "DryRun"]);
        let token = self.client_token()?.map(str::to_string);
        self.ec2
            .idempotency
            .remember(operation, token.as_deref(), fingerprint, resource_id);
        Ok(())
    }

    // IPAMs

    fn create_ipam(mut self) -> ApiResult<Xml> {
        let description = self.input.max_length("Description", 255)?;
        let tier = self
            .input
            .one_of("Tier", &["free", "advanced"])?
            .unwrap_or("advanced");
        let tags = self.input.tag_specifications("ipam")?;
        let mut operating_regions: Vec<String> = self
            .params
            .indices("OperatingRegion")
            .into_iter()
            .map(|i| {
                self.input
                    .required(&format!("OperatingRegion.{i}.RegionName"))
                    .map(str::to_string)
            })
            .collect::<ApiResult<_>>()?;
        if !operating_regions.iter().any(|r| r == self.region) {
            operating_regions.insert(0, self.region.to_string());
        }
        self.input.unless_dry_run()?;
        if let Some(id) = self.idempotency("CreateIpam")? {
            if let Some(ipam) = self.ec2.ipams.get(&id) {
                return one(|x| {
                    x.el("ipam", |x| render_ipam(x, ipam));
                });
            }
        }
        let id = ids::ec2_id("ipam");
        let ipam = Ipam {
            arn: format!("arn:aws:ec2::{}:ipam/{id}", self.account),
            id: id.clone(),
            owner: self.account.to_string(),
            region: self.region.to_string(),
            description: description.map(str::to_string),
            operating_regions,
            tier: tier.to_string(),
            public_scope: ids::ec2_id("ipam-scope"),
            private_scope: ids::ec2_id("ipam-scope"),
            tags,
            state: "create-complete".to_string(),
        };
        let out = one(|x| {
            x.el("ipam", |x| {
                render_ipam(
                    x,
                    &Ipam {
                        state: "create-in-progress".to_string(),
                        ..ipam.clone()
                    },
                )
            });
        });
        self.remember("CreateIpam", &id)?;
        self.ec2.ipams.insert(id, ipam);
        out
    }

    fn describe_ipams(self) -> ApiResult<Xml> {
        let filters = self.input.filters()?;
        let wanted = self.input.list("IpamId");
        let max = self.input.max_results(5, 1000)?;
        self.input.unless_dry_run()?;
        for id in &wanted {
            if !self.ec2.ipams.contains_key(id) {
                return Err(ipam_not_found(id));
            }
        }
        let mut found = Vec::new();
        for ipam in self.ec2.ipams.values() {
            if !wanted.is_empty() && !wanted.contains(&ipam.id) {
                continue;
            }
            let keep = passes(&filters, &ipam.tags, |name| {
                Some(match name {
                    "ipam-id" => vec![ipam.id.clone()],
                    "owner-id" => vec![ipam.owner.clone()],
                    "description" => ipam.description.iter().cloned().collect(),
                    "tier" => vec![ipam.tier.clone()],
                    "state" => vec![ipam.state.clone()],
                    "ipam-region" => vec![ipam.region.clone()],
                    "operating-region" => ipam.operating_regions.clone(),
                    _ => return None,
                })
            })?;
            if keep {
                found.push(ipam.clone());
            }
        }
        let page = page(
            found,
            |i| i.id.clone(),
            self.input.optional("NextToken"),
            max.unwrap_or(1000),
        )
        .map_err(|_| invalid_next_token())?;
        one(|x| {
            x.list("ipamSet", "item", &page.items, render_ipam)
                .opt_text("nextToken", page.next);
        })
    }

    fn delete_ipam(self) -> ApiResult<Xml> {
        let id = self.input.required("IpamId")?.to_string();
        let cascade = self.input.bool("Cascade")?.unwrap_or(false);
        let ipam = self
            .ec2
            .ipams
            .get(&id)
            .cloned()
            .ok_or_else(|| ipam_not_found(&id))?;
        let has_tokens = self.ec2.tokens.values().any(|t| t.ipam_id == id);
        if has_tokens && !cascade {
            return Err(ApiError::bad_request(
                "IncorrectState",
                format!("The IPAM {id} has external resource verification tokens. Delete them first or set Cascade."),
            ));
        }
        self.input.unless_dry_run()?;
        self.ec2.tokens.retain(|_, t| t.ipam_id != id);
        self.ec2.ipams.remove(&id);
        one(|x| {
            x.el("ipam", |x| {
                render_ipam(
                    x,
                    &Ipam {
                        state: "delete-in-progress".to_string(),
                        ..ipam
                    },
                )
            });
        })
    }

    // Verification tokens

    fn create_token(mut self) -> ApiResult<Xml> {
        let ipam_id = self.input.required("IpamId")?.to_string();
        let tags = self
            .input
            .tag_specifications("ipam-external-resource-verification-token")?;
        let ipam = self
            .ec2
            .ipams
            .get(&ipam_id)
            .cloned()
            .ok_or_else(|| ipam_not_found(&ipam_id))?;
        self.input.unless_dry_run()?;
        if let Some(id) = self.idempotency("CreateIpamExternalResourceVerificationToken")? {
            if let Some(token) = self.ec2.tokens.get(&id) {
                return one(|x| {
                    x.el("ipamExternalResourceVerificationToken", |x| {
                        render_token(x, token, self.now)
                    });
                });
            }
        }
        let token = VerificationToken::new(
            self.account,
            &ipam,
            self.now + Duration::days(TOKEN_VALIDITY_DAYS),
            tags,
        );
        let id = token.id.clone();
        let out = one(|x| {
            let creating = VerificationToken {
                state: "create-in-progress".to_string(),
                ..token.clone()
            };
            x.el("ipamExternalResourceVerificationToken", |x| {
                render_token(x, &creating, self.now)
            });
        });
        self.remember("CreateIpamExternalResourceVerificationToken", &id)?;
        self.ec2.tokens.insert(id, token);
        out
    }

    fn describe_tokens(self) -> ApiResult<Xml> {
        let filters = self.input.filters()?;
        let wanted = self.input.list("IpamExternalResourceVerificationTokenId");
        let max = self.input.max_results(5, 1000)?;
        self.input.unless_dry_run()?;
        for id in &wanted {
            if !self.ec2.tokens.contains_key(id) {
                return Err(token_not_found(id));
            }
        }
        let now = self.now;
        let mut found = Vec::new();
        for token in self.ec2.tokens.values() {
            if !wanted.is_empty() && !wanted.contains(&token.id) {
                continue;
            }
            let keep = passes(&filters, &token.tags, |name| {
                Some(match name {
                    "ipam-external-resource-verification-token-id" => vec![token.id.clone()],
                    "ipam-external-resource-verification-token-arn" => vec![token.arn.clone()],
                    "ipam-id" => vec![token.ipam_id.clone()],
                    "ipam-arn" => vec![token.ipam_arn.clone()],
                    "ipam-region" => vec![token.ipam_region.clone()],
                    "state" => vec![token.state.clone()],
                    "status" => vec![token.status(now).to_string()],
                    "token-name" => vec![token.name.clone()],
                    "token-value" => vec![token.value.clone()],
                    _ => return None,
                })
            })?;
            if keep {
                found.push(token.clone());
            }
        }
        let page = page(
            found,
            |t| t.id.clone(),
            self.input.optional("NextToken"),
            max.unwrap_or(1000),
        )
        .map_err(|_| invalid_next_token())?;
        one(|x| {
            x.list(
                "ipamExternalResourceVerificationTokenSet",
                "item",
                &page.items,
                |x, t| render_token(x, t, now),
            )
            .opt_text("nextToken", page.next);
        })
    }

    fn delete_token(self) -> ApiResult<Xml> {
        let id = self
            .input
            .required("IpamExternalResourceVerificationTokenId")?
            .to_string();
        let token = self
            .ec2
            .tokens
            .get(&id)
            .cloned()
            .ok_or_else(|| token_not_found(&id))?;
        self.input.unless_dry_run()?;
        self.ec2.tokens.remove(&id);
        let now = self.now;
        one(|x| {
            let deleting = VerificationToken {
                state: "delete-in-progress".to_string(),
                ..token
            };
            x.el("ipamExternalResourceVerificationToken", |x| {
                render_token(x, &deleting, now)
            });
        })
    }

    // Tags

    fn resource_ids(&self) -> ApiResult<Vec<String>> {
        let ids = self.input.list("ResourceId");
        if ids.is_empty() {
            return Err(missing("ResourceId"));
        }
        if ids.len() > MAX_TAGGED_RESOURCES {
            return Err(invalid_value(format!(
                "A tag request names at most {MAX_TAGGED_RESOURCES} resources; this one names {}.",
                ids.len()
            )));
        }
        for id in &ids {
            self.ec2.tags_of(id)?;
        }
        Ok(ids)
    }

    fn create_tags(self) -> ApiResult<Xml> {
        let ids = self.resource_ids()?;
        if !self.params.contains_prefix("Tag") {
            return Err(missing("Tag"));
        }
        let tags = self.input.tags("Tag")?;
        // All or nothing: every resource must take the tags before any changes.
        let mut updated = Vec::new();
        for id in &ids {
            let mut merged = self.ec2.tags_of(id)?.clone();
            apply_ec2_tags(&mut merged, &tags)?;
            updated.push(merged);
        }
        self.input.unless_dry_run()?;
        for (id, merged) in ids.iter().zip(updated) {
            *self.ec2.tags_of_mut(id)? = merged;
        }
        one(|x| {
            x.text("return", true);
        })
    }

    fn delete_tags(self) -> ApiResult<Xml> {
        let ids = self.resource_ids()?;
        let removals: Vec<(String, Option<String>)> = self
            .params
            .indices("Tag")
            .into_iter()
            .map(|i| {
                let key = self.input.required(&format!("Tag.{i}.Key"))?;
                validate_ec2_tag_key(key)?;
                Ok((
                    key.to_string(),
                    self.params
                        .get(&format!("Tag.{i}.Value"))
                        .map(str::to_string),
                ))
            })
            .collect::<ApiResult<_>>()?;
        self.input.unless_dry_run()?;
        for id in &ids {
            let tags = self.ec2.tags_of_mut(id)?;
            if removals.is_empty() {
                tags.clear();
            } else {
                tags.retain(|tag| {
                    !removals.iter().any(|(key, value)| {
                        *key == tag.key && value.as_ref().is_none_or(|v| *v == tag.value)
                    })
                });
            }
        }
        one(|x| {
            x.text("return", true);
        })
    }

    fn describe_tags(self) -> ApiResult<Xml> {
        let filters = self.input.filters()?;
        let max = self.input.max_results(5, 1000)?;
        self.input.unless_dry_run()?;
        let mut found: Vec<TagDescription> = Vec::new();
        for (resource_id, resource_type, tags) in self.ec2.all_tags() {
            for tag in tags {
                let keep = passes(&filters, &[], |name| {
                    Some(match name {
                        "key" => vec![tag.key.clone()],
                        "value" => vec![tag.value.clone()],
                        "resource-id" => vec![resource_id.clone()],
                        "resource-type" => vec![resource_type.to_string()],
                        _ => return None,
                    })
                })?;
                if keep {
                    found.push(TagDescription {
                        resource_id: resource_id.clone(),
                        resource_type,
                        tag: tag.clone(),
                    });
                }
            }
        }
        found.sort_by(|a, b| (&a.resource_id, &a.tag.key).cmp(&(&b.resource_id, &b.tag.key)));
        let key = |d: &TagDescription| format!("{}\u{1}{}", d.resource_id, d.tag.key);
        let page = page(
            found,
            key,
            self.input.optional("NextToken"),
            max.unwrap_or(1000),
        )
        .map_err(|_| invalid_next_token())?;
        one(|x| {
            x.list("tagSet", "item", &page.items, |x, d| {
                x.text("resourceId", &d.resource_id)
                    .text("resourceType", d.resource_type)
                    .text("key", &d.tag.key)
                    .text("value", &d.tag.value);
            })
            .opt_text("nextToken", page.next);
        })
    }
}

struct TagDescription {
    resource_id: String,
    resource_type: &'static str,
    tag: Tag,
}

fn ipam_not_found(id: &str) -> ApiError {
    not_found(
        "InvalidIpamId.NotFound",
        format!("The ipam ID '{id}' does not exist"),
    )
}

fn token_not_found(id: &str) -> ApiError {
    not_found(
        "InvalidIpamExternalResourceVerificationTokenId.NotFound",
        format!("The ipam external resource verification token ID '{id}' does not exist"),
    )
}

fn render_tags(x: &mut Xml, tags: &[Tag]) {
    x.list("tagSet", "item", tags, |x, t| {
        x.text("key", &t.key).text("value", &t.value);
    });
}

fn render_ipam(x: &mut Xml, ipam: &Ipam) {
    x.text("ownerId", &ipam.owner)
        .text("ipamId", &ipam.id)
        .text("ipamArn", &ipam.arn)
        .text("ipamRegion", &ipam.region)
        .text("publicDefaultScopeId", &ipam.public_scope)
        .text("privateDefaultScopeId", &ipam.private_scope)
        .text("scopeCount", 2)
        .opt_text("description", ipam.description.as_ref())
        .list(
            "operatingRegionSet",
            "item",
            &ipam.operating_regions,
            |x, r| {
                x.text("regionName", r);
            },
        )
        .text("state", &ipam.state);
    render_tags(x, &ipam.tags);
    x.text("tier", &ipam.tier);
}

fn render_token(x: &mut Xml, token: &VerificationToken, now: DateTime<Utc>) {
    x.text("ipamExternalResourceVerificationTokenId", &token.id)
        .text("ipamExternalResourceVerificationTokenArn", &token.arn)
        .text("ipamId", &token.ipam_id)
        .text("ipamArn", &token.ipam_arn)
        .text("ipamRegion", &token.ipam_region)
        .text("tokenValue", &token.value)
        .text("tokenName", &token.name)
        .text(
            "notAfter",
            token
                .not_after
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        )
        .text("status", token.status(now));
    render_tags(x, &token.tags);
    x.text("state", &token.state);
}
