//! What both loopback HTTP listeners (the provider callback and the
//! authorization server) share: the Host check against DNS rebinding, and
//! HTML escaping for the pages they render.

/// Whether a `Host` header names a loopback listener on `port`. A page
/// reached through any other name (a rebinding DNS name) is refused.
pub fn host_allowed(host: &str, port: u16) -> bool {
    ["127.0.0.1", "localhost", "[::1]"].iter().any(|name| host.eq_ignore_ascii_case(&format!("{name}:{port}")))
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_on_our_port_pass() {
        assert!(host_allowed("127.0.0.1:8081", 8081));
        assert!(host_allowed("LOCALHOST:8081", 8081));
        assert!(host_allowed("[::1]:8081", 8081));
        assert!(!host_allowed("127.0.0.1:8082", 8081));
        assert!(!host_allowed("evil.example:8081", 8081));
        assert!(!host_allowed("127.0.0.1", 8081));
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(escape_html(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
