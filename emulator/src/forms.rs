//! Metadata form type models: the part of Smithy IDL a form type uses (one `structure`
//! whose members are simple types or `enum`s of the same model, with `@required` and
//! `@documentation` traits), and the check DataZone makes of a form's content against it.

use serde_json::Value;

use crate::wire::ApiError;

/// What a member holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberType {
    String,
    Integer,
    Float,
    Boolean,
    /// Epoch seconds (Smithy's default JSON timestamp format).
    Timestamp,
    /// One of these values.
    Enum(Vec<String>),
    /// A type the stand-in does not check (lists, maps, documents).
    Other,
}

#[derive(Clone, Debug)]
pub struct Member {
    pub name: String,
    pub kind: MemberType,
    pub required: bool,
}

/// A parsed form type model: its structure's members.
#[derive(Clone, Debug)]
pub struct FormModel {
    pub members: Vec<Member>,
}

/// A model the stand-in cannot read.
#[derive(Debug)]
pub struct ModelError(String);

impl ModelError {
    pub fn message(&self) -> &str {
        &self.0
    }
}

/// The model's text as tokens: words, braces, colons, `=`, traits with their arguments
/// kept whole (`@documentation("…")`), comments and commas dropped.
fn tokens(model: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in model.lines() {
        let line = line.split("//").next().unwrap_or_default();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                c if c.is_whitespace() || c == ',' => {}
                '{' | '}' | ':' | '=' => out.push(c.to_string()),
                '@' => {
                    let mut word = String::from('@');
                    let mut depth = 0;
                    while let Some(&n) = chars.peek() {
                        if depth == 0 && (n.is_whitespace() || n == '{' || n == '}') {
                            break;
                        }
                        depth += i32::from(n == '(') - i32::from(n == ')');
                        word.push(n);
                        chars.next();
                    }
                    out.push(word);
                }
                '"' => {
                    let mut word = String::new();
                    for n in chars.by_ref() {
                        if n == '"' {
                            break;
                        }
                        word.push(n);
                    }
                    out.push(word);
                }
                _ => {
                    let mut word = c.to_string();
                    while let Some(&n) = chars.peek() {
                        if n.is_whitespace() || "{}:=,".contains(n) {
                            break;
                        }
                        word.push(n);
                        chars.next();
                    }
                    out.push(word);
                }
            }
        }
    }
    out
}

impl FormModel {
    /// Reads the model's first `structure`, resolving member targets against the model's
    /// `enum` shapes.
    pub fn parse(model: &str) -> Result<Self, ModelError> {
        let tokens = tokens(model);
        let mut enums: Vec<(String, Vec<String>)> = Vec::new();
        let mut structure: Option<Vec<(String, String, bool)>> = None;
        let mut i = 0;
        while i < tokens.len() {
            let shape = tokens[i].as_str();
            if (shape == "structure" || shape == "enum") && tokens.get(i + 2).map(String::as_str) == Some("{") {
                let name = tokens[i + 1].clone();
                let end = tokens[i + 3..]
                    .iter()
                    .position(|t| t == "}")
                    .map(|p| i + 3 + p)
                    .ok_or_else(|| ModelError(format!("{name} is not closed")))?;
                let body = &tokens[i + 3..end];
                if shape == "enum" {
                    enums.push((name, enum_values(body)));
                } else if structure.is_none() {
                    structure = Some(members(body)?);
                }
                i = end + 1;
            } else {
                i += 1;
            }
        }
        let structure = structure.ok_or_else(|| ModelError("the model has no structure".into()))?;
        let members = structure
            .into_iter()
            .map(|(name, target, required)| {
                let kind = match target.trim_start_matches("smithy.api#") {
                    "String" => MemberType::String,
                    "Integer" | "Long" | "Short" | "Byte" | "BigInteger" => MemberType::Integer,
                    "Float" | "Double" | "BigDecimal" => MemberType::Float,
                    "Boolean" => MemberType::Boolean,
                    "Timestamp" => MemberType::Timestamp,
                    other => enums
                        .iter()
                        .find(|(n, _)| n == other)
                        .map_or(MemberType::Other, |(_, values)| MemberType::Enum(values.clone())),
                };
                Member { name, kind, required }
            })
            .collect();
        Ok(Self { members })
    }

    /// Checks a form's content against the model, as DataZone does on CreateAsset and
    /// CreateAssetRevision: a JSON object, every `@required` member present, each value of
    /// its member's type, no member the model does not name.
    pub fn check(&self, form: &str, content: &str) -> Result<(), ApiError> {
        let invalid = |what: String| ApiError::validation(format!("Form {form}: {what}"));
        let value: Value = serde_json::from_str(if content.trim().is_empty() { "{}" } else { content })
            .map_err(|_| invalid("content is not JSON".into()))?;
        let object = value.as_object().ok_or_else(|| invalid("content is not a JSON object".into()))?;
        if let Some(unknown) = object.keys().find(|k| !self.members.iter().any(|m| &m.name == *k)) {
            return Err(invalid(format!("{unknown} is not a member of the form type")));
        }
        for member in &self.members {
            let Some(value) = object.get(&member.name).filter(|v| !v.is_null()) else {
                if member.required {
                    return Err(invalid(format!("{} is required", member.name)));
                }
                continue;
            };
            let fits = match &member.kind {
                MemberType::String => value.is_string(),
                MemberType::Integer => value.is_i64() || value.is_u64(),
                MemberType::Float | MemberType::Timestamp => value.is_number(),
                MemberType::Boolean => value.is_boolean(),
                MemberType::Enum(values) => value.as_str().is_some_and(|v| values.iter().any(|x| x == v)),
                MemberType::Other => true,
            };
            if !fits {
                return Err(invalid(format!("{} does not hold a value of its type", member.name)));
            }
        }
        Ok(())
    }
}

/// An enum body: `A B` or `A = "a"`; the value is the string when given, else the name.
fn enum_values(body: &[String]) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if body[i].starts_with('@') {
            i += 1;
        } else if body.get(i + 1).map(String::as_str) == Some("=") {
            values.push(body.get(i + 2).cloned().unwrap_or_default());
            i += 3;
        } else {
            values.push(body[i].clone());
            i += 1;
        }
    }
    values
}

/// A structure body: `@trait… name: Target` repeated.
fn members(body: &[String]) -> Result<Vec<(String, String, bool)>, ModelError> {
    let mut members = Vec::new();
    let mut required = false;
    let mut i = 0;
    while i < body.len() {
        let token = &body[i];
        if token.starts_with('@') {
            required |= token == "@required";
            i += 1;
            continue;
        }
        if body.get(i + 1).map(String::as_str) != Some(":") || i + 2 >= body.len() {
            return Err(ModelError(format!("member {token} has no target")));
        }
        members.push((token.clone(), body[i + 2].clone(), required));
        required = false;
        i += 3;
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"
        structure Quality {
            @required
            @documentation("Who answers for it")
            steward: String
            score: Integer // 0..100
            certified: Boolean
            cadence: Cadence
        }
        enum Cadence { DAILY WEEKLY = "weekly" }
    "#;

    #[test]
    fn a_model_is_read_and_content_checked_against_it() {
        let model = FormModel::parse(MODEL).unwrap();
        let names: Vec<&str> = model.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["steward", "score", "certified", "cadence"]);
        assert!(model.members[0].required && !model.members[1].required);
        assert_eq!(model.members[3].kind, MemberType::Enum(vec!["DAILY".into(), "weekly".into()]));
        assert!(model.check("Q", r#"{"steward":"ann","score":90,"cadence":"weekly"}"#).is_ok());
        for bad in [
            r#"{"score":90}"#,
            r#"{"steward":"a","score":"high"}"#,
            r#"{"steward":"a","cadence":"YEARLY"}"#,
            r#"{"steward":"a","x":1}"#,
            "[1]",
            "nope",
        ] {
            assert!(model.check("Q", bad).is_err(), "{bad}");
        }
        assert!(FormModel::parse("structure X { a }").is_err());
    }
}
