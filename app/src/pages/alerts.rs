//! The Alerts page: when expiry notices go out and to whom (addresses and webhooks), a test
//! email or post, and where mail goes.

use super::{PageTitle, CARD};
use crate::api::alerts::{get_alert_settings, SaveAlertRules, SendTestEmail, SendTestPost};
use crate::components::form::{action_error, action_success};
use crate::components::{ActionAlert, CsrfField, FieldMessage, Loaded};
use crate::model::alerts::{AlertSettings, WebhookInfo};
use crate::model::{AppError, ResourceKind};
use leptos::prelude::*;

const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-800";

#[component]
pub fn AlertsPage() -> impl IntoView {
    let save = ServerAction::<SaveAlertRules>::new();
    let test = ServerAction::<SendTestEmail>::new();
    let post = ServerAction::<SendTestPost>::new();
    let data = Resource::new(move || save.version().get(), |_| get_alert_settings());
    view! {
        <PageTitle title="Alerts" />
        <Loaded data reloads=true let:settings>
            <Rules settings save test post />
        </Loaded>
    }
}

#[component]
fn Rules(
    settings: AlertSettings,
    save: ServerAction<SaveAlertRules>,
    test: ServerAction<SendTestEmail>,
    post: ServerAction<SendTestPost>,
) -> impl IntoView {
    let error = action_error(save);
    let saved = action_success(save, "Alert rules saved.");
    let test_error = action_error(test);
    let test_sent = action_success(test, "Test email queued: see the Outbox for its delivery.");
    let rules = settings.rules.clone();
    let thresholds = rules
        .thresholds
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let disabled = !settings.can_edit;
    let accounts = settings
        .accounts
        .iter()
        .map(|account| {
            let name = format!("rules[accounts][{account}]");
            let field = format!("accounts[{account}]");
            let id = format!("alerts-account-{account}");
            let value = rules.fallback_for(account).join("\n");
            view! {
                <div>
                    <label for=id.clone() class="block text-sm font-medium">{format!("Fallback recipients for {account}")}</label>
                    <textarea id=id.clone() name=name rows="2" class=INPUT disabled=disabled>{value}</textarea>
                    <FieldMessage error field id=format!("{id}-error") />
                </div>
            }
        })
        .collect_view();
    let kinds = ResourceKind::ALL
        .into_iter()
        .filter(|kind| kind.has_expiry())
        .map(|kind| {
            let checked = rules.excluded_kinds.contains(&kind);
            view! {
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" name=format!("rules[excluded][{}]", kind.as_str()) value="on" checked=checked disabled=disabled />
                    {kind.title()}
                </label>
            }
        })
        .collect_view();
    let unconfigured: Vec<String> = rules
        .webhooks
        .iter()
        .filter(|name| !settings.webhooks.iter().any(|hook| &hook.name == *name))
        .cloned()
        .collect();
    let unconfigured = (!unconfigured.is_empty()).then(|| view! {
        <p class="text-sm text-amber-800 dark:text-amber-300" id="alerts-webhooks-missing">
            {format!("The rules also name {}, no longer in trustdesk.toml: no notices go there, and saving the rules drops it.", unconfigured.join(", "))}
        </p>
    });
    let webhooks = (!settings.webhooks.is_empty() || unconfigured.is_some()).then(|| {
        let boxes = settings
            .webhooks
            .iter()
            .map(|hook| {
                let checked = rules.webhooks.contains(&hook.name);
                view! {
                    <label class="flex items-center gap-2 text-sm">
                        <input type="checkbox" name=format!("rules[webhooks][{}]", hook.name) value="on" checked=checked disabled=disabled data-webhook=hook.name.clone() />
                        <span class="font-medium">{hook.name.clone()}</span>
                        <span class="text-slate-600 dark:text-slate-400">{format!("({})", hook.format)}</span>
                    </label>
                }
            })
            .collect_view();
        view! {
            <fieldset>
                <legend class="text-sm font-medium">"Also send every notice to"</legend>
                {boxes}
                {unconfigured}
                <FieldMessage error field="webhooks" id="alerts-webhooks-error" />
            </fieldset>
        }
    });
    let zone_hint = format!(
        "An IANA name such as Europe/Berlin; empty uses the server's ({}).",
        settings.default_time_zone
    );
    view! {
        <div class="grid items-start gap-4 lg:grid-cols-3">
            <section class=format!("{CARD} lg:col-span-2") aria-labelledby="rules-heading">
                <h2 id="rules-heading" class="mb-2 font-semibold">"Rules"</h2>
                <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">
                    "After each sync, every owner gets one email listing what crossed a threshold since the last notice. A notice for an item and a threshold is sent once, ever; renewing the item arms it again."
                </p>
                <ActionForm action=save attr:id="alert-rules" attr:class="space-y-3">
                    <CsrfField />
                    <div>
                        <label for="alerts-thresholds" class="block text-sm font-medium">"Thresholds (days before expiry)"</label>
                        <input id="alerts-thresholds" name="rules[thresholds]" value=thresholds class=INPUT disabled=disabled />
                        <FieldMessage error field="thresholds" id="alerts-thresholds-error" />
                    </div>
                    <label class="flex items-center gap-2 text-sm">
                        <input type="checkbox" id="alerts-on-expiry" name="rules[notify_on_expiry]" value="on" checked=rules.notify_on_expiry disabled=disabled />
                        "Also a notice when an item has expired"
                    </label>
                    <div>
                        <label for="alerts-tag" class="block text-sm font-medium">"Owner tag"</label>
                        <input id="alerts-tag" name="rules[recipient_tag]" value=rules.recipient_tag.clone() class=INPUT disabled=disabled />
                        <p class="mt-1 text-xs text-slate-500">"An item whose tag holds an email address is sent to that address."</p>
                        <FieldMessage error field="recipient_tag" id="alerts-tag-error" />
                    </div>
                    <div>
                        <label for="alerts-global" class="block text-sm font-medium">"Always copy"</label>
                        <textarea id="alerts-global" name="rules[global_recipients]" rows="2" class=INPUT disabled=disabled>{rules.global_recipients.join("\n")}</textarea>
                        <FieldMessage error field="global_recipients" id="alerts-global-error" />
                    </div>
                    {accounts}
                    <fieldset>
                        <legend class="text-sm font-medium">"Leave out"</legend>
                        {kinds}
                        <FieldMessage error field="excluded" id="alerts-excluded-error" />
                    </fieldset>
                    {webhooks}
                    <div>
                        <label for="alerts-zone" class="block text-sm font-medium">"Time zone of the emails"</label>
                        <input id="alerts-zone" name="rules[time_zone]" value=rules.time_zone.clone() class=INPUT disabled=disabled />
                        <p class="mt-1 text-xs text-slate-500">{zone_hint}</p>
                        <FieldMessage error field="time_zone" id="alerts-zone-error" />
                    </div>
                    {settings.can_edit.then(|| view! {
                        <button type="submit" id="save-rules" class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Save rules"</button>
                    })}
                    <ActionAlert error success=saved />
                </ActionForm>
            </section>
            <div class="space-y-4">
            <section class=CARD aria-labelledby="mail-heading">
                <h2 id="mail-heading" class="mb-2 font-semibold">"Mail"</h2>
                <p id="mailer" class="mb-3 text-sm">{settings.mailer.clone()}</p>
                <a href="/outbox" class="text-sm text-indigo-700 underline dark:text-indigo-300">"Open the outbox"</a>
                {settings.can_edit.then(|| view! { <TestEmail test error=test_error sent=test_sent /> })}
            </section>
            <Webhooks webhooks=settings.webhooks.clone() chat_page=settings.demo_chat_page.clone() can_test=settings.can_edit post />
            </div>
        </div>
    }
}

/// The configured webhooks, each with a test post for admins; or how to configure one.
#[component]
fn Webhooks(
    webhooks: Vec<WebhookInfo>,
    chat_page: Option<String>,
    can_test: bool,
    post: ServerAction<SendTestPost>,
) -> impl IntoView {
    // Success is the console's notice (a toast with JavaScript, the flash without).
    let error = action_error(post);
    let empty = webhooks.is_empty().then(|| view! {
        <p class="text-sm text-slate-600 dark:text-slate-400" id="no-webhooks">
            "None configured. Add a " <code class="font-mono text-xs">"[[webhooks]]"</code>
            " table to trustdesk.toml to send notices to a Slack, Mattermost or Microsoft Teams channel, or signed JSON to any HTTPS receiver (see the README)."
        </p>
    });
    let list = webhooks
        .into_iter()
        .map(|hook| {
            let name = hook.name.clone();
            view! {
                <li class="flex flex-wrap items-center justify-between gap-2 py-2" data-webhook=hook.name.clone()>
                    <div class="min-w-0">
                        <div class="font-medium">{hook.name.clone()}</div>
                        <div class="text-xs text-slate-600 dark:text-slate-400">{hook.format.clone()} " · " <span class="font-mono break-all">{hook.destination.clone()}</span></div>
                    </div>
                    {can_test.then(|| view! {
                        <ActionForm action=post attr:class="inline">
                            <CsrfField />
                            <input type="hidden" name="name" value=name.clone() />
                            <button type="submit" data-test-webhook=name.clone() class="rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">"Send a test"</button>
                        </ActionForm>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class=CARD aria-labelledby="webhooks-heading" id="webhooks">
            <h2 id="webhooks-heading" class="mb-2 font-semibold">"Chat and webhooks"</h2>
            {empty}
            <ul class="divide-y divide-slate-200 text-sm dark:divide-slate-800">{list}</ul>
            {chat_page.map(|chat| view! {
                <p class="mt-2 text-sm text-slate-600 dark:text-slate-400" id="demo-chat">
                    "Demo mode: " <span class="font-medium">"demo-chat"</span> " is the emulator's Slack-compatible channel; "
                    <a href=chat class="text-indigo-700 underline dark:text-indigo-300" target="_blank" rel="noopener">"open the demo chat"</a> " to see what arrived."
                </p>
            })}
            <ActionAlert error />
        </section>
    }
}

#[component]
fn TestEmail(
    test: ServerAction<SendTestEmail>,
    error: Signal<Option<AppError>>,
    sent: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <ActionForm action=test attr:id="test-email" attr:class="mt-4 space-y-2">
            <CsrfField />
            <label for="test-to" class="block text-sm font-medium">"Send a test email to"</label>
            <input id="test-to" name="to" type="email" required class=INPUT />
            <FieldMessage error field="to" id="test-to-error" />
            <button type="submit" id="send-test" class="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">"Send test email"</button>
            <ActionAlert error success=sent />
        </ActionForm>
    }
}
