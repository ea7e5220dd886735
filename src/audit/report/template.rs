//! The report's prose lives in `template.md`: named blocks of Markdown whose `{{name}}` placeholders the
//! section renderers fill with figures and tables, so the text reads and edits as Markdown and no
//! paragraph hides in a format string.

use crate::Error;

/// The template, compiled in.
const TEMPLATE: &str = include_str!("template.md");

/// Where the template lives, for error messages.
const FILE: &str = "src/audit/report/template.md";

/// Block `name` with every `{{key}}` replaced by its value. A placeholder without a value and a value
/// without a placeholder are both refused, so the text and the renderers cannot drift apart silently.
pub(super) fn fill(name: &str, values: &[(&str, String)]) -> Result<String, Error> {
    let refuse =
        |problem: String| Error::Unusable { file: FILE.into(), field: format!("block {name}"), problem };
    fill_text(block(name).ok_or_else(|| refuse("no such block".into()))?, values).map_err(refuse)
}

/// The text of block `name`: from its marker line to the next marker, without the blank lines around it.
fn block(name: &str) -> Option<&'static str> {
    let marker = format!("<!-- block: {name} -->\n");
    let start = TEMPLATE.find(&marker)? + marker.len();
    let rest = &TEMPLATE[start..];
    let end = rest.find("<!-- block: ").unwrap_or(rest.len());
    Some(rest[..end].trim_matches('\n'))
}

/// `text` with its placeholders replaced (values are inserted as they are, never scanned again).
fn fill_text(text: &str, values: &[(&str, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(text.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut used = vec![false; values.len()];
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or("a placeholder is not closed")?;
        let key = &after[..close];
        let i = values.iter().position(|(k, _)| *k == key).ok_or(format!("no value for {{{{{key}}}}}"))?;
        used[i] = true;
        out.push_str(&values[i].1);
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    match used.iter().position(|u| !u) {
        Some(i) => Err(format!("{{{{{}}}}} does not occur in the text", values[i].0)),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_and_mismatches_refused() {
        let v = |k: &'static str, s: &str| (k, s.to_string());
        assert_eq!(
            fill_text("a {{x}} b {{x}}{{y}}", &[v("x", "{{y}}"), v("y", "1")]).unwrap(),
            "a {{y}} b {{y}}1"
        );
        assert!(fill_text("a {{x}}", &[]).unwrap_err().contains("no value for {{x}}"));
        assert!(fill_text("a", &[v("x", "1")]).unwrap_err().contains("{{x}} does not occur"));
        assert!(fill_text("a {{x", &[v("x", "1")]).is_err());
    }

    #[test]
    fn blocks_are_cut_at_the_next_marker() {
        assert!(block("report").unwrap().starts_with("# Accuracy audit"));
        assert!(block("mean").unwrap().ends_with("large images."));
        assert!(!block("loglik").unwrap().contains("<!--"));
        assert!(block("no such block").is_none());
    }
}
