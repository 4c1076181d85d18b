//! Asset descriptions are Markdown (CommonMark with tables and strikethrough): rendered to
//! HTML here, on the server, so the browser bundle carries no Markdown parser. Raw HTML in
//! the text is shown as text, and links or images whose address is not http(s), mailto or
//! relative lead nowhere, so a description cannot run script in a reader's browser.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

fn safe_address(address: &str) -> bool {
    let lower = address.trim().to_ascii_lowercase();
    !lower.contains(':') || ["http://", "https://", "mailto:"].iter().any(|scheme| lower.starts_with(scheme))
}

fn defused(address: CowStr<'_>) -> CowStr<'_> {
    if safe_address(&address) {
        address
    } else {
        CowStr::Borrowed("#")
    }
}

/// `markdown` as HTML safe to place in a page.
pub fn to_html(markdown: &str) -> String {
    let events =
        Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                Event::Start(Tag::Link { link_type, dest_url: defused(dest_url), title, id })
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                Event::Start(Tag::Image { link_type, dest_url: defused(dest_url), title, id })
            }
            other => other,
        });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// `markdown` as plain text on one line, for lists that show a description in a line:
/// marks, links and HTML tags dropped, their text kept.
pub fn to_text(markdown: &str) -> String {
    let mut text = String::new();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::Heading(_) | TagEnd::TableCell | TagEnd::CodeBlock,
            ) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::{to_html, to_text};

    #[test]
    fn a_list_line_reads_without_marks() {
        assert_eq!(
            to_text("Health score per **customer**.\n\n- one\n- [two](https://x)"),
            "Health score per customer. one two"
        );
        assert_eq!(to_text("<b>bold</b> `code`"), "bold code");
    }

    #[test]
    fn markdown_renders_and_script_does_not() {
        assert_eq!(to_html("**Daily** orders"), "<p><strong>Daily</strong> orders</p>\n");
        let hostile = to_html(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1)) ![i](JaVaScRiPt:alert(1)) <b onclick=x>b</b>",
        );
        assert!(!hostile.contains("<script") && !hostile.contains("<b "), "{hostile}");
        assert!(!hostile.to_ascii_lowercase().contains("=\"javascript:"), "{hostile}");
        assert!(hostile.contains(r##"<a href="#">x</a>"##), "{hostile}");
        assert!(to_html("[docs](https://example.com/a)").contains(r#"href="https://example.com/a""#));
        assert!(to_html("[page](/catalog)").contains(r#"href="/catalog""#));
    }
}
