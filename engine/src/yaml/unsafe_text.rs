//! Scalars tagged `!unsafe`: Ansible never templates them. troupe keeps their text as it is
//! by wrapping any Jinja in it in `{% raw %}`, so every later rendering gives the text back.

use super::node::{Node, NodeValue};

/// Marks, in place, the scalars of `node` written with the `!unsafe` tag in `source`.
pub(super) fn keep_unsafe_text(node: &mut Node, source: &str) {
    if !source.contains("!unsafe") {
        return;
    }
    let tagged = super::vault::positions_tagged(source, "unsafe");
    if !tagged.is_empty() {
        walk(node, &tagged);
    }
}

fn walk(node: &mut Node, tagged: &std::collections::HashSet<(usize, usize)>) {
    let at = node.defined_at();
    match &mut node.value {
        NodeValue::Str(s) if tagged.contains(&at) => *s = literal(s),
        NodeValue::Seq(items) => items.iter_mut().for_each(|item| walk(item, tagged)),
        NodeValue::Map(entries) => entries.iter_mut().for_each(|e| walk(&mut e.value, tagged)),
        _ => {}
    }
}

/// `text` as a template that renders to `text`.
fn literal(text: &str) -> String {
    if !["{{", "{%", "{#"].iter().any(|open| text.contains(open)) {
        return text.to_string();
    }
    let inner = text.replace("{% endraw %}", "{% endraw %}{{ '{% endraw %}' }}{% raw %}");
    format!("{{% raw %}}{inner}{{% endraw %}}")
}

#[cfg(test)]
mod tests {
    use crate::template::Templar;

    #[test]
    fn unsafe_text_renders_as_written() {
        let templar = Templar::new();
        let ctx = minijinja::Value::from(());
        for text in [
            "{{ ansible_managed }}\n",
            "a {% if %} b",
            "x {% endraw %} y",
            "plain",
        ] {
            let rendered = templar.render_str(&super::literal(text), &ctx).unwrap();
            assert_eq!(rendered, serde_json::json!(text));
        }
    }
}
