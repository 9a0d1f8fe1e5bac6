//! A small XML writer for the query protocols' responses: elements are written in order, text
//! is escaped, and `None` members are left out as AWS leaves them out.

use std::fmt::Display;

use chrono::{DateTime, SecondsFormat, Utc};

#[derive(Default)]
pub struct Xml {
    out: String,
    /// Reused for formatting values, so writing an element allocates nothing.
    scratch: String,
}

impl Xml {
    pub fn new() -> Self {
        Self {
            out: String::with_capacity(512),
            scratch: String::new(),
        }
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// Appends another writer's output as children of the current element.
    pub fn raw(&mut self, other: Xml) -> &mut Self {
        self.out.push_str(&other.out);
        self
    }

    pub fn el(&mut self, name: &str, body: impl FnOnce(&mut Xml)) -> &mut Self {
        self.open(name);
        body(self);
        self.close(name);
        self
    }

    pub fn el_ns(&mut self, name: &str, namespace: &str, body: impl FnOnce(&mut Xml)) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" xmlns=\"");
        self.out.push_str(namespace);
        self.out.push_str("\">");
        body(self);
        self.close(name);
        self
    }

    pub fn text(&mut self, name: &str, value: impl Display) -> &mut Self {
        use std::fmt::Write;
        self.open(name);
        self.scratch.clear();
        let _ = write!(self.scratch, "{value}");
        escape_into(&mut self.out, &self.scratch);
        self.close(name);
        self
    }

    pub fn opt_text(&mut self, name: &str, value: Option<impl Display>) -> &mut Self {
        if let Some(value) = value {
            self.text(name, value);
        }
        self
    }

    pub fn time(&mut self, name: &str, value: DateTime<Utc>) -> &mut Self {
        self.text(name, iso8601(value))
    }

    pub fn opt_time(&mut self, name: &str, value: Option<DateTime<Utc>>) -> &mut Self {
        if let Some(value) = value {
            self.time(name, value);
        }
        self
    }

    /// A list whose entries are each wrapped in `item_name` (`member` for IAM, `item` for EC2).
    pub fn list<T, R>(
        &mut self,
        name: &str,
        item_name: &str,
        items: &[T],
        each: impl Fn(&mut Xml, &T) -> R,
    ) -> &mut Self {
        self.open(name);
        for item in items {
            self.el(item_name, |x| {
                each(x, item);
            });
        }
        self.close(name);
        self
    }

    pub fn string_list(&mut self, name: &str, item_name: &str, items: &[String]) -> &mut Self {
        self.open(name);
        for item in items {
            self.text(item_name, item);
        }
        self.close(name);
        self
    }

    fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }
}

pub fn iso8601(value: DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn escape_into(out: &mut String, text: &str) {
    if !text.contains(['&', '<', '>', '"', '\'', '\r']) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_skips_absent_members() {
        let mut x = Xml::new();
        x.el("A", |x| {
            x.text("B", "<&>\"'")
                .opt_text("C", None::<&str>)
                .opt_text("D", Some(1));
        });
        assert_eq!(
            x.finish(),
            "<A><B>&lt;&amp;&gt;&quot;&apos;</B><D>1</D></A>"
        );
    }

    #[test]
    fn wraps_list_items() {
        let mut x = Xml::new();
        x.string_list("L", "member", &["a".to_string(), "b".to_string()]);
        assert_eq!(x.finish(), "<L><member>a</member><member>b</member></L>");
    }
}
