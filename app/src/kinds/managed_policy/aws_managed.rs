//! AWS managed policies, read live from AWS on request (never cached: they are the same in
//! every account) and read-only: their list, filtered by name or to the attached ones of an
//! account, and one policy's document.

use super::*;

/// The AWS managed policies, live and read-only: `view` is `all` or `attached` (to something
/// in `?account=`, the first account by default), `?q=` filters them by name, `?policy=ID`
/// shows one's document.
#[component]
pub(super) fn AwsManagedPage(view: String) -> impl IntoView {
    let query = use_query_map();
    let get = move |key: &str| query.read().get(key);
    let attached = view == "attached";
    let options = Resource::new(
        || (),
        |_| crate::api::resources::get_create_form_options(KIND),
    );
    let filter = move || {
        let current_account = get("account").unwrap_or_default();
        let current_q = get("q").unwrap_or_default();
        let view = view.clone();
        Suspend::new(async move {
            let accounts = options
                .await
                .map(|o| o.targets)
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.split('/').next().unwrap_or_default().to_string())
                .map(|a| {
                    let selected = a == current_account;
                    view! { <option value=a.clone() selected=selected>{a.clone()}</option> }
                })
                .collect_view();
            view! {
                <form method="get" action="/managed-policies/new" class="mb-4 flex flex-wrap items-end gap-3 text-sm">
                    <input type="hidden" name="aws" value=view />
                    <div>
                        <label for="aws-account" class="block text-xs font-medium">"Account (attachment counts)"</label>
                        <select id="aws-account" name="account" class="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-600 dark:bg-slate-800">{accounts}</select>
                    </div>
                    <div>
                        <label for="aws-q" class="block text-xs font-medium">"Name contains"</label>
                        <input id="aws-q" name="q" value=current_q class="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-600 dark:bg-slate-800" />
                    </div>
                    <button type="submit" id="aws-apply" class="rounded-md bg-slate-700 px-3 py-1 text-white hover:bg-slate-600">"Apply"</button>
                </form>
            }
        })
    };
    view! {
        <PageTitle title="AWS managed policies" />
        <p class="mb-2 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
            "Read-only policies AWS maintains, the same in every account; trustdesk reads them live from AWS and does not cache them. "
            <a href="/managed-policies" class="text-indigo-700 underline dark:text-indigo-300">"Your customer managed policies"</a>
        </p>
        <p class="mb-2 flex gap-3 text-sm">
            <a href="/managed-policies/new?aws=all" id="aws-all" class="text-indigo-700 underline dark:text-indigo-300">"All"</a>
            <a href="/managed-policies/new?aws=attached" id="aws-attached" class="text-indigo-700 underline dark:text-indigo-300">"Attached in an account"</a>
        </p>
        {move || match get("policy") {
            Some(id) => view! { <AwsDocument id /> }.into_any(),
            None => {
                let filter = filter.clone();
                view! {
                    <Suspense fallback=|| ()>{filter.clone()}</Suspense>
                    <AwsList attached account=get("account").unwrap_or_default() q=get("q").unwrap_or_default() />
                }
                .into_any()
            }
        }}
    }
}

#[component]
pub(super) fn AwsList(attached: bool, account: String, q: String) -> impl IntoView {
    let listed = Resource::new(
        move || (attached, account.clone()),
        |(attached, account)| get_aws_managed_policies(account, attached),
    );
    let needle = q.trim().to_lowercase();
    view! {
        <Suspense fallback=|| view! { <p>"Reading the AWS managed policies from AWS…"</p> }>
            {move || {
                let needle = needle.clone();
                Suspend::new(async move {
                match listed.await {
                    Err(error) => view! { <PageError error /> }.into_any(),
                    Ok(listed) => {
                        let policies: Vec<AwsManagedPolicy> = listed
                            .policies
                            .into_iter()
                            .filter(|p| needle.is_empty() || p.name.to_lowercase().contains(&needle))
                            .collect();
                        let count = format!("{} AWS managed policies{}{} (attachment counts of account {})", policies.len(), if attached { " attached to something" } else { "" }, if needle.is_empty() { String::new() } else { format!(" whose name contains \"{needle}\"") }, listed.account);
                        let rows = policies.into_iter().map(|p| {
                            let href = format!("/managed-policies/new?aws=all&policy={}", crate::model::resource::encode_segment(p.id()));
                            view! {
                                <tr class="border-t border-slate-200 dark:border-slate-800" data-arn=p.arn.clone()>
                                    <td class="px-3 py-1"><a href=href class="text-indigo-700 underline dark:text-indigo-300">{p.name.clone()}</a></td>
                                    <td class="px-3 py-1 font-mono text-xs">{p.path.clone()}</td>
                                    <td class="px-3 py-1">{p.default_version_id.clone()}</td>
                                    <td class="px-3 py-1">{p.attachment_count}</td>
                                </tr>
                            }
                        }).collect_view();
                        view! {
                            <p id="aws-count" class="mb-2 text-sm text-slate-600 dark:text-slate-400">{count}</p>
                            <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                                <table id="aws-policies" class="min-w-full text-left text-sm">
                                    <thead class="bg-slate-100 text-xs uppercase text-slate-600 dark:bg-slate-800 dark:text-slate-300">
                                        <tr><th class="px-3 py-2">"Name"</th><th class="px-3 py-2">"Path"</th><th class="px-3 py-2">"Default version"</th><th class="px-3 py-2">"Attachments"</th></tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                        }.into_any()
                    }
                }
            })}}
        </Suspense>
    }
}

#[component]
pub(super) fn AwsDocument(id: String) -> impl IntoView {
    let document = Resource::new(move || id.clone(), get_aws_policy_document);
    view! {
        <Suspense fallback=|| view! { <p>"Reading the document from AWS…"</p> }>
            {move || Suspend::new(async move {
                match document.await {
                    Err(error) => view! { <PageError error /> }.into_any(),
                    Ok(document) => view! {
                        <section class=CARD>
                            <h2 class="mb-2 font-semibold">{document.arn.clone()}</h2>
                            <DocumentView document />
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
