use leptos::prelude::*;

/// A UTC instant, shown in UTC by the server and in the viewer's time zone once hydrated.
#[component]
pub fn LocalTime(
    /// RFC 3339.
    #[prop(into)]
    utc: String,
) -> impl IntoView {
    let server_text = utc_display(&utc);
    let (text, set_text) = signal(server_text);
    let datetime = utc.clone();
    let title = utc.clone();
    Effect::new(move |_| {
        if let Some(local) = local_display(&utc) {
            set_text.set(local);
        }
    });
    view! {
        <time datetime=datetime title=title>
            {text}
        </time>
    }
}

/// `2026-11-22T08:15:00.123Z` → `2026-11-22 08:15:00 UTC`: readable without JavaScript.
pub fn utc_display(rfc3339: &str) -> String {
    match (rfc3339.get(0..10), rfc3339.get(11..19)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => rfc3339.to_string(),
    }
}

#[cfg(feature = "hydrate")]
fn local_display(rfc3339: &str) -> Option<String> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return None;
    }
    date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED)
        .as_string()
}

#[cfg(not(feature = "hydrate"))]
fn local_display(_rfc3339: &str) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_display_is_readable() {
        assert_eq!(
            utc_display("2026-11-22T08:15:00.123Z"),
            "2026-11-22 08:15:00 UTC"
        );
        assert_eq!(utc_display("garbage"), "garbage");
    }
}
