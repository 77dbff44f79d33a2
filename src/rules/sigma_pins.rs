//! What a Sigma detection pins of one field, read off the rule as written:
//! the plain values it must equal ([`pins`]) or the text it must contain
//! ([`substrings`]). Sound, not tight — every event the rule can match
//! meets them — so the loader, the run and a prefilter on Spark can narrow
//! by them and leave the rest to the rule.

use super::sigma::glob;
use rsigma_parser::ast::{ConditionExpr, Detection, DetectionItem, Quantifier, SelectorPattern};
use rsigma_parser::value::{SigmaValue, StringPart};
use std::collections::{BTreeSet, HashMap};

/// What one detection item requires of the field, as a set of which any
/// one holds; `None` when it requires nothing of it.
type ItemNeed<'f> = &'f dyn Fn(&DetectionItem) -> Option<BTreeSet<String>>;

/// The lower-cased values of `field` (`eventName`, `eventSource`, or another
/// indexed field) a rule can match, or `None` when any event might: a
/// detection pins values only through a plain, modifier-free, non-empty
/// value without wildcards (Sigma compares it case-insensitively, as the
/// candidate check does).
pub fn pins(
    field: &str,
    named: &HashMap<String, Detection>,
    conditions: &[ConditionExpr],
) -> Option<Vec<String>> {
    pinned(named, conditions, &|it| plain_values(field, it))
}

/// Text one of which `field` must contain (compared case-insensitively)
/// for the rule to match, or `None`. Read from `contains`, `startswith`,
/// `endswith` and wildcard values (the longest piece between wildcards) and
/// from `re` patterns (the longest literal every match must hold, as
/// written: `.+:assumed-role/aws:.+` gives `:assumed-role/aws:`).
pub fn substrings(
    field: &str,
    named: &HashMap<String, Detection>,
    conditions: &[ConditionExpr],
) -> Option<Vec<String>> {
    pinned(named, conditions, &|it| required_text(field, it))
}

fn pinned(
    named: &HashMap<String, Detection>,
    conditions: &[ConditionExpr],
    item: ItemNeed,
) -> Option<Vec<String>> {
    let mut all = BTreeSet::new();
    for c in conditions {
        all.extend(cond_pins(named, c, item)?);
    }
    Some(all.into_iter().collect())
}

fn cond_pins(
    named: &HashMap<String, Detection>,
    c: &ConditionExpr,
    item: ItemNeed,
) -> Option<BTreeSet<String>> {
    match c {
        ConditionExpr::Identifier(n) => detection_pins(named.get(n)?, item),
        // Every operand must hold, so any pinned one bounds the values.
        ConditionExpr::And(v) => v.iter().find_map(|e| cond_pins(named, e, item)),
        ConditionExpr::Or(v) => union(v.iter().map(|e| cond_pins(named, e, item))),
        ConditionExpr::Not(_) => None,
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let mut chosen: Vec<&Detection> = named
                .iter()
                .filter(|(k, _)| match pattern {
                    // `them` leaves out identifiers starting with `_` (spec 2.0).
                    SelectorPattern::Them => !k.starts_with('_'),
                    SelectorPattern::Pattern(p) => glob(p, k),
                })
                .map(|(_, d)| d)
                .collect();
            chosen.sort_by_key(|d| format!("{d:?}"));
            match quantifier {
                Quantifier::All => chosen.iter().find_map(|d| detection_pins(d, item)),
                Quantifier::Any | Quantifier::Count(_) => {
                    union(chosen.iter().map(|d| detection_pins(d, item)))
                }
            }
        }
    }
}

fn union(it: impl Iterator<Item = Option<BTreeSet<String>>>) -> Option<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for s in it {
        out.extend(s?);
    }
    Some(out)
}

fn detection_pins(d: &Detection, item: ItemNeed) -> Option<BTreeSet<String>> {
    match d {
        Detection::AllOf(items) => items.iter().find_map(item),
        Detection::AnyOf(subs) => union(subs.iter().map(|d| detection_pins(d, item))),
        _ => None,
    }
}

fn plain_values(field: &str, it: &DetectionItem) -> Option<BTreeSet<String>> {
    let name = it.field.name.as_deref()?;
    if name != field || !it.field.modifiers.is_empty() || it.values.is_empty() {
        return None;
    }
    it.values
        .iter()
        .map(|v| match v {
            SigmaValue::String(s) => s
                .parts
                .iter()
                .map(|p| match p {
                    StringPart::Plain(t) => Some(t.as_str()),
                    StringPart::Special(_) => None,
                })
                .collect::<Option<String>>()
                // An empty value may stand for a null or absent field, which
                // no pinned value can admit.
                .filter(|s| !s.is_empty())
                .map(|s| s.to_lowercase()),
            _ => None,
        })
        .collect()
}

fn required_text(field: &str, it: &DetectionItem) -> Option<BTreeSet<String>> {
    use rsigma_parser::ast::Modifier as M;
    if it.field.name.as_deref()? != field || it.values.is_empty() {
        return None;
    }
    // Modifiers that change what text is compared (encodings, `windash`,
    // `expand`, `fieldref`…) or compare something else (`cidr`, numbers,
    // `exists`) leave the item out.
    let plain_text = it.field.modifiers.iter().all(|m| {
        matches!(
            m,
            M::Contains
                | M::StartsWith
                | M::EndsWith
                | M::All
                | M::Re
                | M::Cased
                | M::IgnoreCase
                | M::Multiline
                | M::DotAll
        )
    });
    if !plain_text {
        return None;
    }
    let re = it.field.modifiers.iter().any(|m| matches!(m, M::Re));
    it.values
        .iter()
        .map(|v| {
            let SigmaValue::String(s) = v else {
                return None;
            };
            let text = if re {
                // As rsigma-eval reads the pattern.
                regex_literal(&s.as_plain().unwrap_or_else(|| s.original.clone()))?
            } else {
                longest_piece(&s.parts)
            };
            (!text.is_empty()).then(|| text.to_lowercase())
        })
        .collect()
}

/// The longest run of plain text between wildcards.
fn longest_piece(parts: &[StringPart]) -> String {
    let mut best = String::new();
    let mut cur = String::new();
    for p in parts {
        match p {
            StringPart::Plain(t) => cur.push_str(t),
            StringPart::Special(_) => {
                if cur.len() > best.len() {
                    best = std::mem::take(&mut cur);
                }
                cur.clear();
            }
        }
    }
    if cur.len() > best.len() { cur } else { best }
}

/// The longest literal every match of `pattern` contains, if the pattern
/// parses and has one outside any alternation or optional part.
fn regex_literal(pattern: &str) -> Option<String> {
    use regex_syntax::hir::{Hir, HirKind};
    fn required(h: &Hir) -> Option<Vec<u8>> {
        match h.kind() {
            HirKind::Literal(l) => Some(l.0.to_vec()),
            HirKind::Capture(c) => required(&c.sub),
            HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
            HirKind::Concat(v) => v.iter().filter_map(required).max_by_key(Vec::len),
            _ => None,
        }
    }
    let hir = regex_syntax::parse(pattern).ok()?;
    String::from_utf8(required(&hir)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_gives_the_literal_every_match_holds() {
        assert_eq!(
            regex_literal(".+:assumed-role/aws:.+").as_deref(),
            Some(":assumed-role/aws:")
        );
        assert_eq!(
            regex_literal("^(aws-cli)/[0-9]+").as_deref(),
            Some("aws-cli")
        );
        assert_eq!(regex_literal("x(abc)+y").as_deref(), Some("abc"));
        // Nothing every match must hold, or no literal left to hold.
        for p in ["abc|def", "(abc)?", "(?i)abc", "[a-z]+", "(unclosed"] {
            assert_eq!(regex_literal(p), None, "{p}");
        }
    }
}
