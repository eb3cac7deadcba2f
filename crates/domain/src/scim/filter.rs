//! Filters (RFC 7644 §3.4.2.2): a tokenizer and a recursive-descent parser with the RFC's
//! precedence, `not` over `and` over `or`.

use serde_json::Value;

use super::path::is_attr_name;
use super::{AttrPath, ScimError, ScimType, parse_attr_path};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<Self> {
        const OPS: [(&str, CompareOp); 9] = [
            ("eq", CompareOp::Eq),
            ("ne", CompareOp::Ne),
            ("co", CompareOp::Co),
            ("sw", CompareOp::Sw),
            ("ew", CompareOp::Ew),
            ("gt", CompareOp::Gt),
            ("ge", CompareOp::Ge),
            ("lt", CompareOp::Lt),
            ("le", CompareOp::Le),
        ];
        OPS.iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map(|(_, op)| *op)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// `value` is a string, number, bool or null.
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: Value,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work" and value co "@x"]`
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Word(String),
    Str(String),
}

/// Filters longer than this are refused rather than parsed, and nesting is bounded, so no input
/// can exhaust the stack.
const MAX_LEN: usize = 10000;
const MAX_DEPTH: usize = 50;

fn error(at: usize, detail: impl std::fmt::Display) -> ScimError {
    ScimError::bad_request(
        ScimType::InvalidFilter,
        format!("invalid filter at position {at}: {detail}"),
    )
}

fn tokenize(raw: &str) -> Result<Vec<(usize, Tok)>, ScimError> {
    let mut tokens = Vec::new();
    let mut chars = raw.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        let single = match c {
            '(' => Some(Tok::Open),
            ')' => Some(Tok::Close),
            '[' => Some(Tok::OpenBracket),
            ']' => Some(Tok::CloseBracket),
            _ => None,
        };
        if let Some(tok) = single {
            chars.next();
            tokens.push((at, tok));
        } else if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut escaped = false;
            let end = loop {
                match chars.next() {
                    None => return Err(error(at, "unterminated string")),
                    Some((i, '"')) if !escaped => break i,
                    Some((_, ch)) => escaped = ch == '\\' && !escaped,
                }
            };
            let text = serde_json::from_str(&raw[at..=end])
                .map_err(|_| error(at, "invalid string (a bad escape or a control character)"))?;
            tokens.push((at, Tok::Str(text)));
        } else if c.is_ascii_alphanumeric() || "$-_:.+".contains(c) {
            let mut end = at;
            while let Some(&(i, ch)) = chars.peek() {
                if !(ch.is_ascii_alphanumeric() || "$-_:.+".contains(ch)) {
                    break;
                }
                end = i + ch.len_utf8();
                chars.next();
            }
            tokens.push((at, Tok::Word(raw[at..end].to_string())));
        } else {
            return Err(error(at, format!("unexpected character '{c}'")));
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(usize, Tok)>,
    next: usize,
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.next).map(|(_, t)| t)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.next).map_or(self.end, |(at, _)| *at)
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), ScimError> {
        if self.peek() == Some(&tok) {
            self.next += 1;
            Ok(())
        } else {
            Err(error(self.at(), format!("expected {what}")))
        }
    }

    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T, ScimError>,
    ) -> Result<T, ScimError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error(self.at(), "nested too deeply"));
        }
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn or(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.and()?;
        while self.peek_keyword("or") {
            self.next += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.unary()?;
        while self.peek_keyword("and") {
            self.next += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, ScimError> {
        if self.peek_keyword("not") {
            self.next += 1;
            return self.nested(|p| Ok(Filter::Not(Box::new(p.unary()?))));
        }
        if self.peek() == Some(&Tok::Open) {
            self.next += 1;
            let inner = self.nested(Self::or)?;
            self.expect(Tok::Close, "')'")?;
            return Ok(inner);
        }
        self.attribute_expression()
    }

    fn attribute_expression(&mut self) -> Result<Filter, ScimError> {
        let at = self.at();
        let Some(Tok::Word(word)) = self.peek().cloned() else {
            return Err(error(at, "expected an attribute name"));
        };
        self.next += 1;
        let path = parse_attr_path(&word)
            .map_err(|_| error(at, format!("'{word}' is not an attribute path")))?;
        if self.peek() == Some(&Tok::OpenBracket) {
            self.next += 1;
            if path.sub.is_some() {
                return Err(error(
                    at,
                    "a value filter follows a multi-valued attribute, not a sub-attribute",
                ));
            }
            let filter = self.nested(Self::or)?;
            self.expect(Tok::CloseBracket, "']'")?;
            return Ok(Filter::ValuePath {
                path,
                filter: Box::new(filter),
            });
        }
        let op_at = self.at();
        let Some(Tok::Word(op)) = self.peek().cloned() else {
            return Err(error(op_at, format!("expected an operator after '{word}'")));
        };
        self.next += 1;
        if op.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let op = CompareOp::parse(&op).ok_or_else(|| {
            error(
                op_at,
                format!(
                    "unknown operator '{op}' (expected eq, ne, co, sw, ew, gt, ge, lt, le or pr)"
                ),
            )
        })?;
        let value_at = self.at();
        let value = match self.peek().cloned() {
            Some(Tok::Str(text)) => Value::String(text),
            Some(Tok::Word(w)) if w == "true" => Value::Bool(true),
            Some(Tok::Word(w)) if w == "false" => Value::Bool(false),
            Some(Tok::Word(w)) if w == "null" => Value::Null,
            Some(Tok::Word(w)) => match serde_json::from_str::<serde_json::Number>(&w) {
                Ok(n) => Value::Number(n),
                Err(_) => {
                    return Err(error(
                        value_at,
                        format!("expected a value, found '{w}' (strings are quoted)"),
                    ));
                }
            },
            _ => return Err(error(value_at, "expected a value")),
        };
        self.next += 1;
        Ok(Filter::Compare { path, op, value })
    }
}

/// Parses a filter; errors are 400 invalidFilter naming the position.
pub fn parse_filter(raw: &str) -> Result<Filter, ScimError> {
    if raw.len() > MAX_LEN {
        return Err(error(0, format!("longer than {MAX_LEN} characters")));
    }
    let mut parser = Parser {
        tokens: tokenize(raw)?,
        next: 0,
        end: raw.len(),
        depth: 0,
    };
    let filter = parser.or()?;
    match parser.peek() {
        None => Ok(filter),
        Some(Tok::Word(w)) if !is_attr_name(w) => {
            Err(error(parser.at(), format!("unexpected '{w}'")))
        }
        Some(_) => Err(error(
            parser.at(),
            "expected 'and', 'or' or the end of the filter",
        )),
    }
}

impl Filter {
    /// `Some((path, value))` when the filter is a single `attr eq "string"`.
    pub fn as_simple_eq(&self) -> Option<(&AttrPath, &str)> {
        match self {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value: Value::String(s),
            } => Some((path, s)),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cmp(name: &str, op: CompareOp, value: Value) -> Filter {
        Filter::Compare {
            path: parse_attr_path(name).unwrap(),
            op,
            value,
        }
    }

    #[test]
    fn every_operator_parses_in_any_case() {
        for (word, op) in [
            ("eq", CompareOp::Eq),
            ("NE", CompareOp::Ne),
            ("Co", CompareOp::Co),
            ("sw", CompareOp::Sw),
            ("ew", CompareOp::Ew),
            ("gt", CompareOp::Gt),
            ("ge", CompareOp::Ge),
            ("lt", CompareOp::Lt),
            ("le", CompareOp::Le),
        ] {
            assert_eq!(
                parse_filter(&format!("userName {word} \"x\"")).unwrap(),
                cmp("userName", op, json!("x"))
            );
        }
        assert_eq!(
            parse_filter("title PR").unwrap(),
            Filter::Present(parse_attr_path("title").unwrap())
        );
    }

    #[test]
    fn values_are_strings_with_escapes_numbers_booleans_and_null() {
        assert_eq!(
            parse_filter(r#"a eq "q\"\u00e9\\""#).unwrap(),
            cmp("a", CompareOp::Eq, json!("q\"é\\"))
        );
        assert_eq!(
            parse_filter("a gt -1.5e2").unwrap(),
            cmp("a", CompareOp::Gt, json!(-150.0))
        );
        assert_eq!(
            parse_filter("a eq 42").unwrap(),
            cmp("a", CompareOp::Eq, json!(42))
        );
        assert_eq!(
            parse_filter("active eq true").unwrap(),
            cmp("active", CompareOp::Eq, json!(true))
        );
        assert_eq!(
            parse_filter("active eq false").unwrap(),
            cmp("active", CompareOp::Eq, json!(false))
        );
        assert_eq!(
            parse_filter("a eq null").unwrap(),
            cmp("a", CompareOp::Eq, Value::Null)
        );
    }

    #[test]
    fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
        let (a, b, c) = (
            cmp("a", CompareOp::Eq, json!("1")),
            cmp("b", CompareOp::Eq, json!("2")),
            cmp("c", CompareOp::Eq, json!("3")),
        );
        let parsed = parse_filter(r#"a eq "1" or b eq "2" and c eq "3""#).unwrap();
        assert_eq!(
            parsed,
            Filter::Or(
                Box::new(a.clone()),
                Box::new(Filter::And(Box::new(b.clone()), Box::new(c.clone())))
            )
        );
        let parsed = parse_filter(r#"(a eq "1" or b eq "2") and c eq "3""#).unwrap();
        assert_eq!(
            parsed,
            Filter::And(
                Box::new(Filter::Or(Box::new(a.clone()), Box::new(b.clone()))),
                Box::new(c.clone())
            )
        );
        let parsed = parse_filter(r#"not (a eq "1") and b eq "2""#).unwrap();
        assert_eq!(
            parsed,
            Filter::And(
                Box::new(Filter::Not(Box::new(a.clone()))),
                Box::new(b.clone())
            )
        );
        let parsed = parse_filter(r#"a eq "1" and b eq "2" and c eq "3""#).unwrap();
        assert_eq!(
            parsed,
            Filter::And(Box::new(Filter::And(Box::new(a), Box::new(b))), Box::new(c))
        );
    }

    #[test]
    fn value_paths_and_urn_attributes_parse() {
        let parsed = parse_filter(
            r#"emails[type eq "work" and value co "@example.com"] or userType eq "x""#,
        )
        .unwrap();
        let Filter::Or(left, _) = parsed else {
            panic!("{parsed:?}")
        };
        assert!(
            matches!(*left, Filter::ValuePath { ref path, filter: ref inner } if path.name == "emails" && matches!(**inner, Filter::And(..)))
        );
        let parsed = parse_filter(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "42""#,
        )
        .unwrap();
        let Filter::Compare { path, .. } = parsed else {
            panic!()
        };
        assert_eq!(
            path.uri.as_deref(),
            Some(crate::scim::ENTERPRISE_USER_SCHEMA)
        );
        assert_eq!(
            (path.name.as_str(), path.sub.as_deref()),
            ("manager", Some("value"))
        );
    }

    #[test]
    fn parse_errors_are_invalid_filter_naming_the_position() {
        for (raw, expected) in [
            ("userName eq", "position 11: expected a value"),
            ("userName xx \"a\"", "position 9: unknown operator 'xx'"),
            (
                "userName eq bob",
                "position 12: expected a value, found 'bob'",
            ),
            ("userName eq \"bob", "position 12: unterminated string"),
            ("(userName pr", "position 12: expected ')'"),
            ("emails[type eq \"w\"", "position 18: expected ']'"),
            (
                "userName pr userName pr",
                "position 12: expected 'and', 'or'",
            ),
            ("", "position 0: expected an attribute name"),
            (
                "userName eq \"a\" or",
                "position 18: expected an attribute name",
            ),
            ("a eq \"\\x\"", "invalid string"),
            ("a eq 'x'", "unexpected character '''"),
        ] {
            let error = parse_filter(raw).unwrap_err();
            assert_eq!(
                (error.status, error.scim_type),
                (400, Some(ScimType::InvalidFilter)),
                "{raw}"
            );
            assert!(error.detail.contains(expected), "{raw}: {}", error.detail);
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let raw = format!("{}a pr{}", "(".repeat(1000), ")".repeat(1000));
        assert!(
            parse_filter(&raw)
                .unwrap_err()
                .detail
                .contains("nested too deeply")
        );
        assert!(parse_filter(&"not ".repeat(2000)).is_err());
    }

    #[test]
    fn simple_eq_is_recognised_only_for_a_single_string_equality() {
        let filter = parse_filter(r#"userName eq "bjensen""#).unwrap();
        assert_eq!(
            filter.as_simple_eq().map(|(p, v)| (p.name.as_str(), v)),
            Some(("userName", "bjensen"))
        );
        assert!(
            parse_filter("active eq true")
                .unwrap()
                .as_simple_eq()
                .is_none()
        );
        assert!(
            parse_filter(r#"userName ne "x""#)
                .unwrap()
                .as_simple_eq()
                .is_none()
        );
        assert!(
            parse_filter(r#"not (userName eq "x")"#)
                .unwrap()
                .as_simple_eq()
                .is_none()
        );
    }

    proptest::proptest! {
        #[test]
        fn parse_filter_never_panics(raw in "\\PC{0,80}") {
            let _ = parse_filter(&raw);
        }

        #[test]
        fn parse_filter_never_panics_on_filter_like_input(
            raw in r#"(\(|\)|\[|\]|"|\\|not |and |or |eq |pr |a|emails|\.|:|1|true| ){0,40}"#
        ) {
            let _ = parse_filter(&raw);
        }
    }
}
