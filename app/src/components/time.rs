use leptos::prelude::*;

/// A UTC instant, shown in UTC by the server and in the viewer's time zone in a browser (by the
/// page's [`PageEnhancements`](crate::islands::PageEnhancements)).
#[component]
pub fn LocalTime(
    /// RFC 3339.
    #[prop(into)]
    utc: String,
) -> impl IntoView {
    let text = utc_display(&utc);
    view! {
        <time datetime=utc.clone() title=utc data-local="">
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

/// The instant in the browser's time zone and locale.
#[cfg(feature = "hydrate")]
pub fn local_display(rfc3339: &str) -> Option<String> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return None;
    }
    date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED)
        .as_string()
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
