//! The domain's metadata form types as the editor renders them: typed fields read from the
//! form type's Smithy model, values as the person types them, and the checks made the same
//! in the browser and on the server.

use serde::{Deserialize, Serialize};

/// The longest text a form field takes in Meshgate (a form's whole content is capped by
/// DataZone at 300,000 characters).
pub const FORM_TEXT_MAX: usize = 2048;

/// What a field holds, from its Smithy target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum FieldKind {
    /// `String`.
    Text,
    /// `Integer`, `Long`, `Short`.
    Integer,
    /// `Float`, `Double`, `BigDecimal`.
    Decimal,
    /// `Boolean`.
    Boolean,
    /// An `enum` of the model: one of its values.
    Choice(Vec<String>),
    /// `Timestamp`, edited as a day (`YYYY-MM-DD`, midnight UTC).
    Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FormField {
    /// The member name, as the form's JSON content keys it.
    pub name: String,
    /// The member's `@documentation`, or its name.
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
}

/// A metadata form type of the domain and its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FormTypeView {
    pub name: String,
    pub description: String,
    pub fields: Vec<FormField>,
}

/// One attached form's values as edited: (member name, text as typed); a form of type
/// `type_name` is attached under that name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FormValues {
    pub type_name: String,
    pub values: Vec<(String, String)>,
}

impl FormValues {
    pub fn get(&self, field: &str) -> &str {
        self.values.iter().find(|(k, _)| k == field).map_or("", |(_, v)| v.as_str())
    }

    pub fn set(&mut self, field: &str, value: String) {
        match self.values.iter_mut().find(|(k, _)| k == field) {
            Some(slot) => slot.1 = value,
            None => self.values.push((field.to_owned(), value)),
        }
    }
}

/// The key a field's problem is reported under: `forms.<type>.<member>`.
pub fn form_field_key(type_name: &str, field: &str) -> String {
    format!("forms.{type_name}.{field}")
}

fn is_day(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && [4, 2, 2].iter().zip(&parts).all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_digit()))
        && parts[1].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
        && parts[2].parse::<u8>().is_ok_and(|d| (1..=31).contains(&d))
}

impl FormTypeView {
    /// Reads a form type's Smithy model, one declaration per line as DataZone's form types
    /// are written: the first `structure`'s members (`name: Target`, after `@required` and
    /// `@documentation("…")` lines) and the model's `enum` shapes. A target Meshgate cannot
    /// edit (lists, maps, other structures) makes the model unreadable: `Err` with why.
    pub fn parse(name: &str, description: &str, smithy: &str) -> Result<Self, String> {
        let mut enums: Vec<(String, Vec<String>)> = Vec::new();
        let mut members: Vec<(String, String, bool, Option<String>)> = Vec::new();
        let (mut in_structure, mut in_enum, mut seen_structure) = (false, None::<String>, false);
        let (mut required, mut doc) = (false, None::<String>);
        for raw in smithy.lines() {
            let line = raw.split("//").next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            if let Some(enum_name) = in_enum.clone() {
                let body = line.trim_end_matches('}');
                let values = enums.iter_mut().find(|(n, _)| *n == enum_name).map(|(_, v)| v);
                if let Some(values) = values {
                    for word in body.split([' ', ',']).filter(|w| !w.is_empty() && !w.starts_with('@')) {
                        match word.split_once('=') {
                            _ if word == "=" => {}
                            Some((_, v)) if !v.is_empty() => values.push(v.trim_matches('"').to_owned()),
                            _ if word.starts_with('"') => {
                                // `NAME = "value"`: the value replaces the name just read.
                                values.pop();
                                values.push(word.trim_matches('"').to_owned());
                            }
                            _ => values.push(word.to_owned()),
                        }
                    }
                }
                if line.ends_with('}') {
                    in_enum = None;
                }
                continue;
            }
            if in_structure {
                if line == "}" {
                    in_structure = false;
                } else if line == "@required" {
                    required = true;
                } else if let Some(text) = line.strip_prefix("@documentation(") {
                    doc = Some(text.trim_end_matches(')').trim_matches('"').to_owned());
                } else if line.starts_with('@') {
                    // Other traits (ranges, patterns) are DataZone's to enforce.
                } else if let Some((member, target)) = line.split_once(':') {
                    members.push((member.trim().to_owned(), target.trim().to_owned(), required, doc.take()));
                    required = false;
                } else {
                    return Err(format!("cannot read the line \"{line}\""));
                }
                continue;
            }
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some("structure"), Some(_)) if !seen_structure => {
                    seen_structure = true;
                    in_structure = !line.ends_with('}');
                }
                (Some("enum"), Some(enum_name)) => {
                    let enum_name = enum_name.trim_end_matches('{').to_owned();
                    let inline = line.split_once('{').map(|(_, rest)| rest.trim_end_matches('}').to_owned());
                    let values = inline
                        .iter()
                        .flat_map(|rest| rest.split([' ', ',']).filter(|w| !w.is_empty()).map(str::to_owned))
                        .collect();
                    enums.push((enum_name.clone(), values));
                    if !line.ends_with('}') {
                        in_enum = Some(enum_name);
                    }
                }
                _ => {}
            }
        }
        if !seen_structure {
            return Err("the model has no structure".into());
        }
        let fields = members
            .into_iter()
            .map(|(member, target, required, doc)| {
                let kind = match target.trim_start_matches("smithy.api#") {
                    "String" => FieldKind::Text,
                    "Integer" | "Long" | "Short" => FieldKind::Integer,
                    "Float" | "Double" | "BigDecimal" => FieldKind::Decimal,
                    "Boolean" => FieldKind::Boolean,
                    "Timestamp" => FieldKind::Date,
                    other => match enums.iter().find(|(n, _)| n == other) {
                        Some((_, values)) => FieldKind::Choice(values.clone()),
                        None => return Err(format!("{member} is a {other}, which Meshgate cannot edit")),
                    },
                };
                Ok(FormField { label: doc.unwrap_or_else(|| member.clone()), name: member, kind, required })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Self { name: name.to_owned(), description: description.to_owned(), fields })
    }

    /// The first problem of `values`, as (`forms.<type>.<member>`, message): a required
    /// field left empty, a number that is not one, a choice not offered, a day not a day,
    /// text over [`FORM_TEXT_MAX`], a field the type does not have.
    pub fn problem(&self, values: &FormValues) -> Option<(String, String)> {
        if let Some((unknown, _)) = values.values.iter().find(|(k, _)| !self.fields.iter().any(|f| &f.name == k)) {
            return Some((form_field_key(&self.name, unknown), format!("{} has no field {unknown}.", self.name)));
        }
        for field in &self.fields {
            let value = values.get(&field.name).trim();
            let key = form_field_key(&self.name, &field.name);
            if value.is_empty() {
                if field.required && field.kind != FieldKind::Boolean {
                    return Some((key, format!("{} is required.", field.label)));
                }
                continue;
            }
            let problem = match &field.kind {
                FieldKind::Text if value.chars().count() > FORM_TEXT_MAX => {
                    Some(format!("Keep it within {FORM_TEXT_MAX} characters."))
                }
                FieldKind::Integer if value.parse::<i64>().is_err() => Some("Enter a whole number.".to_owned()),
                FieldKind::Decimal if value.parse::<f64>().map_or(true, |v| !v.is_finite()) => {
                    Some("Enter a number.".to_owned())
                }
                FieldKind::Boolean if value != "true" && value != "false" => Some("Choose yes or no.".to_owned()),
                FieldKind::Choice(options) if !options.iter().any(|o| o == value) => {
                    Some(format!("Choose one of {}.", options.join(", ")))
                }
                FieldKind::Date if !is_day(value) => Some("Enter a day as YYYY-MM-DD.".to_owned()),
                _ => None,
            };
            if let Some(message) = problem {
                return Some((key, message));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"
structure DataQualityForm {
    @required
    @documentation("The person who answers for the data's quality")
    steward: String

    @required
    refreshCadence: RefreshCadence

    qualityScore: Integer // 0 to 100
    certified: Boolean
    lastReviewed: Timestamp
}

enum RefreshCadence {
    DAILY
    WEEKLY = "weekly"
}
"#;

    fn values(pairs: &[(&str, &str)]) -> FormValues {
        FormValues {
            type_name: "DataQualityForm".into(),
            values: pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        }
    }

    #[test]
    fn a_smithy_model_becomes_typed_fields() {
        let form = FormTypeView::parse("DataQualityForm", "", MODEL).unwrap();
        let kinds: Vec<&FieldKind> = form.fields.iter().map(|f| &f.kind).collect();
        assert_eq!(
            kinds,
            [
                &FieldKind::Text,
                &FieldKind::Choice(vec!["DAILY".into(), "weekly".into()]),
                &FieldKind::Integer,
                &FieldKind::Boolean,
                &FieldKind::Date
            ]
        );
        assert_eq!(form.fields[0].label, "The person who answers for the data's quality");
        assert!(form.fields[0].required && form.fields[1].required && !form.fields[2].required);
        assert!(FormTypeView::parse("X", "", "structure X {\n  tags: TagList\n}").is_err());
        assert!(FormTypeView::parse("X", "", "enum Y { A }").is_err());
    }

    #[test]
    fn values_are_checked_against_their_fields() {
        let form = FormTypeView::parse("DataQualityForm", "", MODEL).unwrap();
        assert_eq!(form.problem(&values(&[("steward", "ann"), ("refreshCadence", "DAILY")])), None);
        let field = |pairs: &[(&str, &str)]| form.problem(&values(pairs)).map(|(k, _)| k);
        assert_eq!(field(&[("refreshCadence", "DAILY")]).as_deref(), Some("forms.DataQualityForm.steward"));
        assert_eq!(
            field(&[("steward", "a"), ("refreshCadence", "YEARLY")]).as_deref(),
            Some("forms.DataQualityForm.refreshCadence")
        );
        let bad = [("qualityScore", "high"), ("lastReviewed", "30/11/2026"), ("certified", "maybe"), ("colour", "red")];
        for (member, value) in bad {
            let key = field(&[("steward", "a"), ("refreshCadence", "DAILY"), (member, value)]);
            assert_eq!(key, Some(form_field_key("DataQualityForm", member)), "{member}");
        }
    }
}
