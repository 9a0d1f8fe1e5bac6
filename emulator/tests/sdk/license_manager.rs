use aws_sdk_licensemanager::types::{
    ConsumptionConfiguration, DatetimeRange, Entitlement, EntitlementUnit, Filter, Issuer,
    RenewType,
};
use trustdesk_emulator::derive::jwt;

use crate::harness::*;

async fn new_license(lm: &aws_sdk_licensemanager::Client, client_token: &str) -> String {
    lm.create_license()
        .license_name("Tableau Server")
        .product_name("Tableau")
        .product_sku("TAB-1")
        .issuer(Issuer::builder().name("Example Vendor").build().unwrap())
        .home_region(REGION)
        .validity(
            DatetimeRange::builder()
                .begin("2026-01-01T00:00:00Z")
                .end("2028-01-01T00:00:00Z")
                .build()
                .unwrap(),
        )
        .entitlements(
            Entitlement::builder()
                .name("Cores")
                .max_count(64)
                .unit(EntitlementUnit::Count)
                .build()
                .unwrap(),
        )
        .beneficiary("123456789012")
        .consumption_configuration(
            ConsumptionConfiguration::builder()
                .renew_type(RenewType::Monthly)
                .build(),
        )
        .client_token(client_token)
        .send()
        .await
        .unwrap()
        .license_arn()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn licenses_are_created_listed_and_read() {
    let aws = Aws::start().await;
    let lm = aws.license_manager(REGION).await;
    let arn = new_license(&lm, "license-1").await;
    assert!(arn.starts_with("arn:aws:license-manager::123456789012:license:l-"));
    assert_eq!(
        new_license(&lm, "license-1").await,
        arn,
        "the client token makes CreateLicense idempotent"
    );

    let license = lm.get_license().license_arn(&arn).send().await.unwrap();
    let license = license.license().unwrap();
    assert_eq!(license.product_sku(), Some("TAB-1"));
    assert_eq!(
        license.validity().unwrap().end(),
        Some("2028-01-01T00:00:00Z")
    );
    assert_eq!(license.entitlements()[0].unit(), &EntitlementUnit::Count);

    let listed = lm.list_licenses().send().await.unwrap();
    assert_eq!(listed.licenses().len(), 1);
    let filtered = lm
        .list_licenses()
        .filters(Filter::builder().name("ProductSKU").values("OTHER").build())
        .send()
        .await
        .unwrap();
    assert!(filtered.licenses().is_empty());

    let missing = lm
        .get_license()
        .license_arn("arn:aws:license-manager::123456789012:license:l-0")
        .send()
        .await;
    assert_eq!(code(missing), "InvalidParameterValueException");
    let bad_validity = lm
        .create_license()
        .license_name("x")
        .product_name("x")
        .product_sku("x")
        .issuer(Issuer::builder().name("x").build().unwrap())
        .home_region(REGION)
        .validity(
            DatetimeRange::builder()
                .begin("next tuesday")
                .build()
                .unwrap(),
        )
        .entitlements(
            Entitlement::builder()
                .name("Cores")
                .unit(EntitlementUnit::Count)
                .build()
                .unwrap(),
        )
        .beneficiary("x")
        .consumption_configuration(ConsumptionConfiguration::builder().build())
        .client_token("bad")
        .send()
        .await;
    assert_eq!(code(bad_validity), "ValidationException");
}

#[tokio::test]
async fn tokens_are_jwts_with_the_documented_claims() {
    let aws = Aws::start().await;
    let lm = aws.license_manager(REGION).await;
    let license = new_license(&lm, "license-2").await;
    let role = "arn:aws:iam::123456789012:role/license-consumer";
    let created = lm
        .create_token()
        .license_arn(&license)
        .role_arns(role)
        .expiration_in_days(30)
        .token_properties("team=data")
        .client_token("t-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.token_type().map(|t| t.as_str()),
        Some("REFRESH_TOKEN")
    );
    let claims = jwt::claims(created.token().unwrap()).expect("a JWT");
    assert_eq!(claims["aud"], license.as_str());
    assert_eq!(claims["amr"], serde_json::json!(["team=data"]));
    assert_eq!(claims["roles"], serde_json::json!([role]));
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        30 * 86_400
    );

    let default = lm
        .create_token()
        .license_arn(&license)
        .client_token("t-2")
        .send()
        .await
        .unwrap();
    let default_claims = jwt::claims(default.token().unwrap()).unwrap();
    assert_eq!(
        default_claims["exp"].as_i64().unwrap() - default_claims["iat"].as_i64().unwrap(),
        365 * 86_400
    );

    let replay = lm
        .create_token()
        .license_arn(&license)
        .role_arns(role)
        .expiration_in_days(30)
        .token_properties("team=data")
        .client_token("t-1")
        .send()
        .await
        .unwrap();
    assert_eq!(replay.token_id(), created.token_id());
    let mismatch = lm
        .create_token()
        .license_arn(&license)
        .expiration_in_days(31)
        .client_token("t-1")
        .send()
        .await;
    assert_eq!(code(mismatch), "ValidationException");

    let listed = lm.list_tokens().send().await.unwrap();
    assert_eq!(listed.tokens().len(), 2);
    let ours = listed
        .tokens()
        .iter()
        .find(|t| t.token_id() == created.token_id())
        .unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(ours.expiration_time().unwrap()).unwrap();
    assert_eq!(expires.timestamp(), claims["exp"].as_i64().unwrap());
    assert_eq!(ours.role_arns(), [role]);
    assert_eq!(ours.license_arn(), Some(license.as_str()));

    let first_page = lm.list_tokens().max_results(1).send().await.unwrap();
    assert_eq!(first_page.tokens().len(), 1);
    let second_page = lm
        .list_tokens()
        .max_results(1)
        .next_token(first_page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(second_page.tokens().len(), 1);
    assert_ne!(
        first_page.tokens()[0].token_id(),
        second_page.tokens()[0].token_id()
    );
    let by_license = lm
        .list_tokens()
        .filters(
            Filter::builder()
                .name("LicenseArns")
                .values("arn:aws:license-manager::1:license:l-none")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(by_license.tokens().is_empty());

    lm.delete_token()
        .token_id(created.token_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(lm.list_tokens().send().await.unwrap().tokens().len(), 1);
    assert_eq!(
        code(
            lm.delete_token()
                .token_id(created.token_id().unwrap())
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
}

#[tokio::test]
async fn token_validation() {
    let aws = Aws::start().await;
    let lm = aws.license_manager(REGION).await;
    let license = new_license(&lm, "license-3").await;
    let missing_license = lm
        .create_token()
        .license_arn("arn:aws:license-manager::123456789012:license:l-missing")
        .client_token("a")
        .send()
        .await;
    assert_eq!(code(missing_license), "ResourceNotFoundException");
    assert_eq!(
        code(
            lm.create_token()
                .license_arn(&license)
                .expiration_in_days(0)
                .client_token("b")
                .send()
                .await
        ),
        "ValidationException"
    );
    assert_eq!(
        code(
            lm.create_token()
                .license_arn(&license)
                .role_arns("not-an-arn")
                .client_token("c")
                .send()
                .await
        ),
        "ValidationException"
    );
    let mut four = lm.create_token().license_arn(&license).client_token("d");
    for i in 0..4 {
        four = four.token_properties(format!("p{i}"));
    }
    assert_eq!(code(four.send().await), "ValidationException");
    assert_eq!(
        code(lm.list_tokens().max_results(0).send().await),
        "ValidationException"
    );
    assert!(
        lm.list_tokens().send().await.unwrap().tokens().is_empty(),
        "nothing half-made"
    );
    // Another region has its own licenses.
    assert!(aws
        .license_manager(OTHER_REGION)
        .await
        .list_licenses()
        .send()
        .await
        .unwrap()
        .licenses()
        .is_empty());
}
