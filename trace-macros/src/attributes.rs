//! The attributes a span records from the call: `attrs(key = value, ..)` and
//! `args(name, ..)`, parsed into [`Field`]s.
//!
//! A key is a dotted name (`db.system`, `http.request.method`; any
//! identifier, keywords included, so `otel.type` works) or a string literal
//! for everything else (`"weird key"`). A value is one of:
//!
//! - a literal (string, integer, float, `bool`, optionally negated): a
//!   [`StaticLiteral`], converted here to the OpenTelemetry type it will
//!   have and stored in the callsite, so recording it costs nothing per
//!   call. Integers that do not fit an `i64` become their decimal text,
//!   like the runtime does for a `u64` above `i64::MAX`;
//! - any other expression, optionally prefixed with `%` (record its
//!   `Display` text) or `?` (its `Debug` text): evaluated once per call, in
//!   the function's scope, once the span is entered;
//! - from `args(name)`: a parameter, recorded under its own name.
//!
//! Which names `args` may use depends on the function; `validate` checks
//! them. Keys are unique across `attrs` and `args`: a second one is an error
//! on its key, since one of the two values would be silently lost.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens as _;
use syn::ext::IdentExt as _;
use syn::parse::ParseStream;
use syn::{Expr, Ident, Lit, LitBool, LitFloat, LitInt, LitStr, Token, UnOp};

/// How a value becomes an attribute: as itself, as `Display` text (`%`) or
/// as `Debug` text (`?`). Also used by `ret(..)` and `err(..)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Render {
    /// The value's own attribute form (`AttributeValue`), or for errors the
    /// default ladder (`std::error::Error`, then `Display`, then `Debug`).
    Value,
    /// `%`: the `Display` text.
    Display,
    /// `?`: the `Debug` text.
    Debug,
}

/// One attribute to record on every span of the function.
pub(crate) struct Field {
    /// The key as recorded: `db.system`.
    key: String,
    /// The key as written, for error spans.
    key_tokens: TokenStream,
    /// What is recorded under the key.
    pub(crate) value: FieldValue,
}

/// The value of a [`Field`].
pub(crate) enum FieldValue {
    /// A literal: stored in the callsite.
    Static(StaticLiteral),
    /// An expression evaluated on every call.
    Evaluated {
        /// `%`, `?`, or neither.
        render: Render,
        /// The expression as written.
        expr: Expr,
    },
    /// A parameter named in `args(..)`.
    Parameter(Ident),
}

/// A literal attribute value, already in its OpenTelemetry type.
pub(crate) enum StaticLiteral {
    /// A string literal, kept as written (escapes and all).
    Str(LitStr),
    /// An integer that fits an `i64`.
    I64(i64),
    /// A float.
    F64(f64),
    /// `true` or `false`.
    Bool(bool),
}

impl Field {
    /// The key as a string literal spanned at the user's key.
    pub(crate) fn key_literal(&self) -> LitStr {
        let span = self
            .key_tokens
            .clone()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |token| token.span());
        LitStr::new(&self.key, span)
    }
}

/// Expected at the start of a key.
const KEY_EXPECTED: &str = "expected an attribute key: a name (`retries`), a dotted name \
                            (`db.system`) or a string literal (`\"weird key\"`)";

/// The entries of `attrs(..)`: `key = value`, comma-separated.
pub(crate) fn parse_attrs(input: ParseStream, fields: &mut Vec<Field>) -> syn::Result<()> {
    while !input.is_empty() {
        let (key, key_tokens) = parse_key(input)?;
        if !input.peek(Token![=]) {
            let hint = if input.is_empty() || input.peek(Token![,]) {
                format!(
                    "`attrs` entries are `key = value`: write `{key} = ...`, \
                     or `args({key})` to record the parameter `{key}`"
                )
            } else {
                format!(
                    "expected `=` after the attribute key `{key}`: keys are dotted names \
                     (`db.system`); write any other key as a string literal (`\"my-key\"`)"
                )
            };
            return Err(input.error(hint));
        }
        input.parse::<Token![=]>()?;
        let value = parse_value(input)?;
        push_unique(
            fields,
            Field {
                key,
                key_tokens,
                value,
            },
        )?;
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(())
}

/// The entries of `args(..)`: parameter names, comma-separated.
pub(crate) fn parse_args(input: ParseStream, fields: &mut Vec<Field>) -> syn::Result<()> {
    while !input.is_empty() {
        if let Some(error) = rendered_parameter(input) {
            return Err(error);
        }
        let Ok(name) = input.call(Ident::parse_any) else {
            return Err(input.error(
                "`args` takes the names of parameters to record, e.g. `args(id, name)`; \
                 to record an expression, use `attrs(key = expr)`",
            ));
        };
        let key = name.unraw().to_string();
        push_unique(
            fields,
            Field {
                key,
                key_tokens: name.to_token_stream(),
                value: FieldValue::Parameter(name),
            },
        )?;
        if input.is_empty() {
            break;
        }
        if !input.peek(Token![,]) {
            return Err(input.error(
                "`args` takes parameter names separated by commas, e.g. `args(id, name)`; \
                 to record an expression, use `attrs(key = expr)`",
            ));
        }
        input.parse::<Token![,]>()?;
    }
    Ok(())
}

/// The error for `%name` or `?name` in `args(..)`, if that is what comes
/// next: `args` records a parameter's own attribute form, its text is
/// recorded through `attrs`.
fn rendered_parameter(input: ParseStream) -> Option<syn::Error> {
    let fork = input.fork();
    let (sigil, how) = if fork.peek(Token![%]) {
        (fork.parse::<Token![%]>().ok()?.to_token_stream(), "Display")
    } else if fork.peek(Token![?]) {
        (fork.parse::<Token![?]>().ok()?.to_token_stream(), "Debug")
    } else {
        return None;
    };
    let Ok(name) = fork.call(Ident::parse_any) else {
        return Some(syn::Error::new_spanned(
            &sigil,
            format!(
                "`args` takes parameter names, not `{sigil}`: record a value's {how} text \
                 with `attrs(key = {sigil}value)`"
            ),
        ));
    };
    let key = name.unraw();
    let message = format!(
        "`args` takes parameter names, not `{sigil}{name}`: record the {how} text of \
         `{name}` with `attrs({key} = {sigil}{name})`"
    );
    let mut tokens = sigil;
    name.to_tokens(&mut tokens);
    Some(syn::Error::new_spanned(tokens, message))
}

/// `(%)` or `(?)`, after `ret` or `err` (`what` names the argument in the
/// error messages).
pub(crate) fn parse_render(input: ParseStream, what: &str) -> syn::Result<Render> {
    let content;
    let parens = syn::parenthesized!(content in input);
    let expected = || {
        format!(
            "`{what}(..)` takes `%` (record with Display) or `?` (record with Debug): \
             write `{what}(%)` or `{what}(?)`"
        )
    };
    let render = match parse_text_render(&content)? {
        Some(render) => render,
        None if content.is_empty() => {
            return Err(syn::Error::new(parens.span.join(), expected()));
        }
        None => return Err(content.error(expected())),
    };
    if !content.is_empty() {
        return Err(content.error(format!(
            "`{what}(..)` takes a single `%` or `?`: write `{what}(%)` or `{what}(?)`"
        )));
    }
    Ok(render)
}

/// `%` (Display) or `?` (Debug), if `input` starts with one.
fn parse_text_render(input: ParseStream) -> syn::Result<Option<Render>> {
    if input.peek(Token![%]) {
        input.parse::<Token![%]>()?;
        Ok(Some(Render::Display))
    } else if input.peek(Token![?]) {
        input.parse::<Token![?]>()?;
        Ok(Some(Render::Debug))
    } else {
        Ok(None)
    }
}

/// Adds `field`, or fails on its key if the key is taken.
fn push_unique(fields: &mut Vec<Field>, field: Field) -> syn::Result<()> {
    if let Some(first) = fields.iter().find(|f| f.key == field.key) {
        let also = match &first.value {
            FieldValue::Parameter(_) => format!(" (already recorded by `args({})`)", first.key),
            _ => String::new(),
        };
        return Err(syn::Error::new_spanned(
            &field.key_tokens,
            format!(
                "duplicate attribute key `{}`{also}: a span records each key once, remove one of them",
                field.key
            ),
        ));
    }
    fields.push(field);
    Ok(())
}

/// A dotted name or a string literal; returns the key and its tokens.
fn parse_key(input: ParseStream) -> syn::Result<(String, TokenStream)> {
    if input.peek(LitStr) {
        let literal: LitStr = input.parse()?;
        let key = literal.value();
        if key.is_empty() {
            return Err(syn::Error::new(
                literal.span(),
                "an attribute key must not be empty",
            ));
        }
        return Ok((key, literal.to_token_stream()));
    }
    if input.peek(Token![.]) {
        return Err(
            input.error("an attribute key cannot start with `.`: write dotted keys as `db.system`")
        );
    }
    if !input.peek(Ident::peek_any) {
        return Err(input.error(KEY_EXPECTED));
    }
    let mut key = String::new();
    let mut tokens = TokenStream::new();
    loop {
        let part = input.call(Ident::parse_any)?;
        key.push_str(&part.unraw().to_string());
        part.to_tokens(&mut tokens);
        if !input.peek(Token![.]) {
            return Ok((key, tokens));
        }
        let dot: Token![.] = input.parse()?;
        dot.to_tokens(&mut tokens);
        if !input.peek(Ident::peek_any) {
            let message = if input.is_empty() || input.peek(Token![=]) || input.peek(Token![,]) {
                format!("an attribute key cannot end with `.`: write `{key}` or `{key}.name`")
            } else {
                format!(
                    "expected a name after `{key}.`: each part of a dotted key is a name; \
                     write any other key as a string literal (`\"{key}.1\"`)"
                )
            };
            return Err(syn::Error::new_spanned(tokens, message));
        }
        key.push('.');
    }
}

/// `%expr`, `?expr`, a literal, or an expression.
fn parse_value(input: ParseStream) -> syn::Result<FieldValue> {
    let render = parse_text_render(input)?.unwrap_or(Render::Value);
    if input.is_empty() || input.peek(Token![,]) {
        return Err(input.error("expected a value after `=`"));
    }
    let expr: Expr = input.parse()?;
    if render == Render::Value
        && let Some(literal) = static_literal(&expr)?
    {
        return Ok(FieldValue::Static(literal));
    }
    Ok(FieldValue::Evaluated { render, expr })
}

/// The literal `expr` is, if it is one that has a static attribute form.
fn static_literal(expr: &Expr) -> syn::Result<Option<StaticLiteral>> {
    match expr {
        Expr::Group(group) => static_literal(&group.expr),
        Expr::Paren(paren) => static_literal(&paren.expr),
        Expr::Lit(lit) if lit.attrs.is_empty() => match &lit.lit {
            Lit::Str(s) => Ok(Some(StaticLiteral::Str(s.clone()))),
            Lit::Bool(LitBool { value, .. }) => Ok(Some(StaticLiteral::Bool(*value))),
            Lit::Int(int) => integer(int, false).map(Some),
            Lit::Float(float) => self::float(float, false).map(Some),
            _ => Ok(None),
        },
        Expr::Unary(unary) if unary.attrs.is_empty() && matches!(unary.op, UnOp::Neg(_)) => {
            match &*unary.expr {
                Expr::Lit(lit) if lit.attrs.is_empty() => match &lit.lit {
                    Lit::Int(int) => integer(int, true).map(Some),
                    Lit::Float(float) => self::float(float, true).map(Some),
                    _ => Ok(None),
                },
                _ => Ok(None),
            }
        }
        _ => Ok(None),
    }
}

/// The range of each integer suffix, as (suffix, min, max).
const INTEGER_RANGES: [(&str, i128, u128); 12] = [
    ("i8", i8::MIN as i128, i8::MAX as u128),
    ("i16", i16::MIN as i128, i16::MAX as u128),
    ("i32", i32::MIN as i128, i32::MAX as u128),
    ("i64", i64::MIN as i128, i64::MAX as u128),
    ("i128", i128::MIN, i128::MAX as u128),
    ("isize", i64::MIN as i128, i64::MAX as u128),
    ("u8", 0, u8::MAX as u128),
    ("u16", 0, u16::MAX as u128),
    ("u32", 0, u32::MAX as u128),
    ("u64", 0, u64::MAX as u128),
    ("u128", 0, u128::MAX),
    ("usize", 0, u64::MAX as u128),
];

/// An integer literal (`-` applied when `negative`), checked against its
/// suffix's range: `i64` if it fits, else its decimal text.
fn integer(int: &LitInt, negative: bool) -> syn::Result<StaticLiteral> {
    let suffix = int.suffix();
    if suffix == "f32" || suffix == "f64" {
        let float = LitFloat::new(&format!("{}{suffix}", int.base10_digits()), int.span());
        return self::float(&float, negative);
    }
    let magnitude: u128 = int.base10_parse()?;
    let out_of_range = || {
        syn::Error::new(
            int.span(),
            format!("this literal is out of range for `{suffix}`"),
        )
    };
    if let Some((_, min, max)) = INTEGER_RANGES.iter().find(|(name, ..)| *name == suffix) {
        let too_small = negative && i128::try_from(magnitude).map_or(true, |m| -m < *min);
        if magnitude > *max && !negative || too_small {
            return Err(out_of_range());
        }
    }
    let value = if negative {
        i128::try_from(magnitude).ok().map(|m| -m)
    } else {
        i128::try_from(magnitude).ok()
    };
    match value.and_then(|v| i64::try_from(v).ok()) {
        Some(v) => Ok(StaticLiteral::I64(v)),
        None => {
            let sign = if negative { "-" } else { "" };
            Ok(StaticLiteral::Str(LitStr::new(
                &format!("{sign}{magnitude}"),
                int.span(),
            )))
        }
    }
}

/// A float literal (`-` applied when `negative`). An `f32` literal is
/// rounded to `f32` first, as the runtime's `f32` attribute form does.
fn float(float: &LitFloat, negative: bool) -> syn::Result<StaticLiteral> {
    let value = if float.suffix() == "f32" {
        f64::from(float.base10_parse::<f32>()?)
    } else {
        float.base10_parse::<f64>()?
    };
    if !value.is_finite() {
        return Err(syn::Error::new(
            float.span(),
            "this float literal is out of range",
        ));
    }
    Ok(StaticLiteral::F64(if negative { -value } else { value }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser as _;

    fn attrs(tokens: &str) -> syn::Result<Vec<Field>> {
        let mut fields = Vec::new();
        (|input: ParseStream| parse_attrs(input, &mut fields)).parse_str(tokens)?;
        Ok(fields)
    }

    fn error(tokens: &str) -> String {
        match attrs(tokens) {
            Ok(_) => panic!("`{tokens}` should not parse"),
            Err(error) => error.to_string(),
        }
    }

    fn literal(tokens: &str) -> StaticLiteral {
        let mut fields = attrs(&format!("k = {tokens}")).unwrap();
        match fields.remove(0).value {
            FieldValue::Static(literal) => literal,
            _ => panic!("`{tokens}` should be static"),
        }
    }

    #[test]
    fn keys_are_dotted_names_or_strings() {
        let fields =
            attrs(r#"db.system = 1, r#type = 2, otel.type = 3, "weird key" = 4,"#).unwrap();
        let keys: Vec<_> = fields.iter().map(|field| field.key.as_str()).collect();
        assert_eq!(keys, ["db.system", "type", "otel.type", "weird key"]);
    }

    #[test]
    fn bad_keys_are_rejected() {
        assert!(error("1 = x").contains("expected an attribute key"));
        assert!(error("a. = x").contains("cannot end with `.`"));
        assert!(error(".b = x").contains("cannot start with `.`"));
        assert!(error(r#""" = x"#).contains("must not be empty"));
        assert!(error("a-b = x").contains("expected `=` after the attribute key `a`"));
        assert!(error("a.1 = x").contains("expected a name after `a.`"));
        assert!(error("id").contains("`args(id)`"));
        assert!(error("a = ").contains("expected a value"));
    }

    fn args_error(tokens: &str) -> String {
        let mut fields = Vec::new();
        match (|input: ParseStream| parse_args(input, &mut fields)).parse_str(tokens) {
            Ok(()) => panic!("`{tokens}` should not parse"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn rendered_args_point_to_attrs() {
        assert_eq!(
            args_error("?secret"),
            "`args` takes parameter names, not `?secret`: record the Debug text of `secret` \
             with `attrs(secret = ?secret)`"
        );
        assert!(args_error("id, %name").contains("with `attrs(name = %name)`"));
        assert!(args_error("%r#type").contains("with `attrs(type = %r#type)`"));
        assert!(args_error("?").contains("not `?`: record a value's Debug text"));
        assert!(args_error("%1").contains("not `%`: record a value's Display text"));
        assert!(args_error("&x").contains("`args` takes the names of parameters"));
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        assert!(error("a.b = 1, a.b = 2").contains("duplicate attribute key `a.b`"));
        assert!(error(r#"a = 1, "a" = 2"#).contains("duplicate attribute key `a`"));
    }

    #[test]
    fn literals_are_static() {
        assert!(matches!(literal("\"pg\""), StaticLiteral::Str(s) if s.value() == "pg"));
        assert!(matches!(literal("-5"), StaticLiteral::I64(-5)));
        assert!(matches!(literal("7u8"), StaticLiteral::I64(7)));
        assert!(matches!(literal("0x10"), StaticLiteral::I64(16)));
        assert!(matches!(
            literal("-9223372036854775808"),
            StaticLiteral::I64(i64::MIN)
        ));
        assert!(
            matches!(literal("18446744073709551615"), StaticLiteral::Str(s) if s.value() == "18446744073709551615")
        );
        assert!(matches!(literal("1.5"), StaticLiteral::F64(v) if v == 1.5));
        assert!(matches!(literal("-2f64"), StaticLiteral::F64(v) if v == -2.0));
        assert!(matches!(literal("false"), StaticLiteral::Bool(false)));
        assert!(error("k = 300u8").contains("out of range for `u8`"));
        assert!(error("k = -1u32").contains("out of range for `u32`"));
    }

    #[test]
    fn other_values_are_evaluated() {
        for (tokens, expected) in [
            ("k = x", Render::Value),
            ("k = 'c'", Render::Value),
            ("k = %\"text\"", Render::Display),
            ("k = ?-1", Render::Debug),
            ("k = a.b()", Render::Value),
        ] {
            let mut fields = attrs(tokens).unwrap();
            assert!(
                matches!(fields.remove(0).value, FieldValue::Evaluated { render, .. } if render == expected),
                "{tokens}"
            );
        }
    }
}
