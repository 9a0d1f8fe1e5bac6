use aws_sdk_mpa::types::{
    IamIdentityCenter, IdentitySourceParameters, IdentitySourceStatus, IdentitySourceType,
};

use crate::harness::*;

fn center(instance: &str) -> IdentitySourceParameters {
    IdentitySourceParameters::builder()
        .iam_identity_center(
            IamIdentityCenter::builder()
                .instance_arn(format!("arn:aws:sso:::instance/ssoins-{instance}"))
                .region("us-east-1")
                .build()
                .unwrap(),
        )
        .build()
}

#[tokio::test]
async fn identity_source_lifecycle_and_tags() {
    let aws = Aws::start().await;
    let mpa = aws.mpa(REGION).await;
    let created = mpa
        .create_identity_source()
        .identity_source_parameters(center("1234567890abcdef"))
        .tags("Owner", "sec@example.com")
        .client_token("c-1")
        .send()
        .await
        .unwrap();
    let arn = created.identity_source_arn().unwrap().to_string();
    assert!(arn.starts_with("arn:aws:mpa:us-east-1:123456789012:identity-source/"));
    assert_eq!(
        created.identity_source_type(),
        Some(&IdentitySourceType::IamIdentityCenter)
    );
    assert!(created.creation_time().is_some());

    let got = mpa
        .get_identity_source()
        .identity_source_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), Some(&IdentitySourceStatus::Active));
    let parameters = got
        .identity_source_parameters()
        .unwrap()
        .as_iam_identity_center()
        .unwrap();
    assert_eq!(
        parameters.instance_arn(),
        Some("arn:aws:sso:::instance/ssoins-1234567890abcdef")
    );
    assert!(parameters
        .approval_portal_url()
        .unwrap()
        .starts_with("https://"));

    let replay = mpa
        .create_identity_source()
        .identity_source_parameters(center("1234567890abcdef"))
        .tags("Owner", "sec@example.com")
        .client_token("c-1")
        .send()
        .await
        .unwrap();
    assert_eq!(replay.identity_source_arn(), Some(arn.as_str()));
    let mismatch = mpa
        .create_identity_source()
        .identity_source_parameters(center("fedcba0987654321"))
        .client_token("c-1")
        .send()
        .await;
    assert_eq!(code(mismatch), "ConflictException");
    let duplicate = mpa
        .create_identity_source()
        .identity_source_parameters(center("1234567890abcdef"))
        .send()
        .await;
    assert_eq!(code(duplicate), "ConflictException");

    mpa.tag_resource()
        .resource_arn(&arn)
        .tags("CostCentre", "CC-4400")
        .send()
        .await
        .unwrap();
    let tags = mpa
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap().len(), 2);
    mpa.untag_resource()
        .resource_arn(&arn)
        .tag_keys("Owner")
        .send()
        .await
        .unwrap();
    let tags = mpa
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags.tags().unwrap().keys().collect::<Vec<_>>(),
        ["CostCentre"]
    );
    assert_eq!(
        code(
            mpa.tag_resource()
                .resource_arn(&arn)
                .tags("aws:x", "y")
                .send()
                .await
        ),
        "ValidationException"
    );
    let mut too_many = mpa.tag_resource().resource_arn(&arn);
    for i in 0..50 {
        too_many = too_many.tags(format!("k{i}"), "v");
    }
    assert_eq!(code(too_many.send().await), "TooManyTagsException");

    mpa.delete_identity_source()
        .identity_source_arn(&arn)
        .send()
        .await
        .unwrap();
    let gone = mpa
        .get_identity_source()
        .identity_source_arn(&arn)
        .send()
        .await;
    let status = gone
        .as_ref()
        .err()
        .and_then(|e| e.raw_response())
        .map(|r| r.status().as_u16());
    assert_eq!(code(gone), "ResourceNotFoundException");
    assert_eq!(status, Some(404));
    assert_eq!(
        code(mpa.list_tags_for_resource().resource_arn(&arn).send().await),
        "ResourceNotFoundException"
    );
}

#[tokio::test]
async fn identity_sources_validate_and_page() {
    let aws = Aws::start().await;
    let mpa = aws.mpa(REGION).await;
    let bad_arn = IdentitySourceParameters::builder()
        .iam_identity_center(
            IamIdentityCenter::builder()
                .instance_arn("arn:aws:sso:::instance/nope")
                .region("us-east-1")
                .build()
                .unwrap(),
        )
        .build();
    assert_eq!(
        code(
            mpa.create_identity_source()
                .identity_source_parameters(bad_arn)
                .send()
                .await
        ),
        "ValidationException"
    );
    let bad_region = IdentitySourceParameters::builder()
        .iam_identity_center(
            IamIdentityCenter::builder()
                .instance_arn("arn:aws:sso:::instance/ssoins-1234567890abcdef")
                .region("Mars")
                .build()
                .unwrap(),
        )
        .build();
    assert_eq!(
        code(
            mpa.create_identity_source()
                .identity_source_parameters(bad_region)
                .send()
                .await
        ),
        "ValidationException"
    );

    for i in 0..3 {
        mpa.create_identity_source()
            .identity_source_parameters(center(&format!("{i:016}")))
            .send()
            .await
            .unwrap();
    }
    let first = mpa
        .list_identity_sources()
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.identity_sources().len(), 2);
    let second = mpa
        .list_identity_sources()
        .max_results(2)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(second.identity_sources().len(), 1);
    assert!(second.next_token().is_none());
    assert_eq!(
        code(mpa.list_identity_sources().max_results(21).send().await),
        "ValidationException"
    );
    assert!(aws
        .mpa(OTHER_REGION)
        .await
        .list_identity_sources()
        .send()
        .await
        .unwrap()
        .identity_sources()
        .is_empty());
}
