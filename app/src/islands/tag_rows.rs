//! A create form's tags as rows of a key and a value, suggesting the keys the tag rules require
//! and the keys and values the kind's items already carry. The rows write the form's textarea
//! (one `Key=Value` a line), which stays the field the form sends; without JavaScript the
//! textarea is all there is.

use crate::model::compliance::TagSuggestions;
use leptos::prelude::*;

const INPUT: &str = "block w-full rounded-md border border-slate-300 bg-white px-2 py-1 font-mono text-sm dark:border-slate-600 dark:bg-slate-800";
const BUTTON: &str = "rounded-md border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800";

#[derive(Clone, Copy)]
struct TagRow {
    id: u32,
    key: RwSignal<String>,
    value: RwSignal<String>,
}

#[island]
pub fn TagRows(
    /// The element id of the textarea the rows write.
    textarea: String,
    /// Keys the tag rules require of the kind, offered as one-click rows.
    required: Vec<String>,
    /// Keys to suggest (the rules' first), each with values to suggest.
    suggestions: TagSuggestions,
) -> impl IntoView {
    let rows = RwSignal::new(Vec::<TagRow>::new());
    let next_id = StoredValue::new(0u32);
    // A row's signals belong to the island, not to whatever adds the row (a button the next
    // render replaces would take them with it).
    let owner = StoredValue::new(Owner::current().expect("an island has an owner"));
    let add = move |key: String, value: String| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        let row = owner.with_value(|owner| {
            owner.with(|| TagRow {
                id,
                key: RwSignal::new(key),
                value: RwSignal::new(value),
            })
        });
        rows.update(|rows| rows.push(row));
    };
    // Shown once the browser runs this: the server renders the textarea alone.
    let mounted = RwSignal::new(false);
    let field = textarea.clone();
    Effect::new(move |_| {
        if mounted.get_untracked() {
            return;
        }
        for line in textarea_value(&field).lines() {
            let (key, value) = line.split_once('=').unwrap_or((line, ""));
            if !key.trim().is_empty() {
                add(key.trim().to_string(), value.trim().to_string());
            }
        }
        if rows.with_untracked(Vec::is_empty) {
            add(String::new(), String::new());
        }
        hide_textarea(&field);
        mounted.set(true);
    });
    let field = textarea.clone();
    Effect::new(move |_| {
        let lines: Vec<String> = rows
            .get()
            .iter()
            .filter_map(|row| {
                let key = row.key.get();
                let key = key.trim();
                (!key.is_empty()).then(|| format!("{key}={}", row.value.get().trim()))
            })
            .collect();
        if mounted.get() {
            write_textarea(&field, &lines.join("\n"));
        }
    });
    let keys_list = format!("{textarea}-keys");
    let all_keys = suggestions
        .keys
        .iter()
        .map(|key| view! { <option value=key.key.clone()></option> })
        .collect_view();
    let suggestions = StoredValue::new(suggestions);
    let row_view = move |row: TagRow| {
        let values_list = format!("{keys_list}-{}", row.id);
        let values = move || {
            let key = row.key.get();
            suggestions.with_value(|s| {
                s.keys
                    .iter()
                    .find(|k| k.key == key.trim())
                    .map(|k| k.values.clone())
                    .unwrap_or_default()
            })
        };
        view! {
            <div class="grid grid-cols-[1fr_1fr_auto] items-center gap-2" data-tag-row="">
                <input aria-label="Tag key" list=keys_list.clone() autocomplete="off" class=INPUT
                    prop:value=move || row.key.get()
                    on:input=move |event| row.key.set(event_target_value(&event)) />
                <input aria-label=move || format!("Value of tag {}", row.key.get()) list=values_list.clone() autocomplete="off" class=INPUT
                    prop:value=move || row.value.get()
                    on:input=move |event| row.value.set(event_target_value(&event)) />
                <datalist id=values_list>
                    {move || values().into_iter().map(|value| view! { <option value=value></option> }).collect_view()}
                </datalist>
                <button type="button" class=BUTTON aria-label=move || format!("Remove tag {}", row.key.get())
                    on:click=move |_| rows.update(|rows| rows.retain(|other| other.id != row.id))>
                    "Remove"
                </button>
            </div>
        }
    };
    let missing = move || {
        let present: Vec<String> = rows
            .get()
            .iter()
            .map(|row| row.key.get().trim().to_string())
            .collect();
        required
            .iter()
            .filter(|key| !present.contains(key))
            .cloned()
            .collect::<Vec<_>>()
    };
    let keys_list = format!("{textarea}-keys");
    view! {
        <div data-tag-rows="" class="space-y-2" hidden=move || !mounted.get()>
            <For each=move || rows.get() key=|row| row.id children=row_view />
            <div class="flex flex-wrap items-center gap-2 text-sm">
                <button type="button" class=BUTTON data-add-tag="" on:click=move |_| add(String::new(), String::new())>"Add tag"</button>
                {move || {
                    let missing = missing();
                    (!missing.is_empty()).then(|| view! {
                        <span class="sub">"Required by tag rules:"</span>
                        {missing.into_iter().map(|key| {
                            let label = format!("Add {key}");
                            view! {
                                <button type="button" class=BUTTON data-required-key=key.clone() aria-label=label
                                    on:click=move |_| add(key.clone(), String::new())>
                                    {format!("+ {key}")}
                                </button>
                            }
                        }).collect_view()}
                    })
                }}
            </div>
            <datalist id=keys_list>{all_keys}</datalist>
        </div>
    }
}

/// The textarea's text as the page has it.
fn textarea_value(id: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        super::dom::element(id)
            .and_then(|textarea| js_sys::Reflect::get(&textarea, &"value".into()).ok())
            .and_then(|value| value.as_string())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = id;
        String::new()
    }
}

/// Hides the textarea and its hint (the rows replace both); the textarea is still sent.
fn hide_textarea(id: &str) {
    #[cfg(feature = "hydrate")]
    for element in [
        super::dom::element(id),
        super::dom::element(&format!("{id}-hint")),
    ]
    .into_iter()
    .flatten()
    {
        let _ = element.set_attribute("hidden", "");
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// Writes the rows into the textarea, and tells whoever follows it (the rule warnings).
fn write_textarea(id: &str, text: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(textarea) = super::dom::element(id) {
        if textarea_value(id) == text {
            return;
        }
        let _ = js_sys::Reflect::set(&textarea, &"value".into(), &text.into());
        if let Ok(event) = web_sys::Event::new("input") {
            let _ = textarea.dispatch_event(&event);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, text);
}
