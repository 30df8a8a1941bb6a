//! The arguments of `#[traced(...)]`: what a user may write between the
//! parentheses, parsed into [`Args`].
//!
//! Parsing is a `lookahead1` loop over arguments separated by commas: `key =
//! value` pairs, `key(..)` lists and bare flags. Every key is a custom
//! keyword (see [`kw`]), so an unknown key, a repeated key or a value of the
//! wrong shape becomes a [`syn::Error`] on the offending token with a
//! message that says what to write instead. The entries of `attrs(..)` and
//! `args(..)` are parsed by `attributes`. Nothing here looks at the
//! function: checks that need it (does `args` name real parameters, does
//! `ret` have a value to record) are `validate`'s job.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Ident, LitBool, LitStr, Path, PathSegment, Token};

use crate::attributes::{self, Field, Render};
use crate::suggest;

/// The custom keywords of the argument list.
///
/// `crate` is a Rust keyword already (`Token![crate]`), so it is not here.
pub(crate) mod kw {
    syn::custom_keyword!(name);
    syn::custom_keyword!(kind);
    syn::custom_keyword!(err);
    syn::custom_keyword!(attrs);
    syn::custom_keyword!(args);
    syn::custom_keyword!(ret);
    syn::custom_keyword!(parent);
    syn::custom_keyword!(root);
    syn::custom_keyword!(link);
    syn::custom_keyword!(follows_from);
}

/// Every accepted argument, in the form the error messages show it.
const VALID_ARGUMENTS: &str = "`name = \"...\"`, `kind = ...`, `attrs(key = value, ..)`, \
                               `args(param, ..)`, `ret`, `err = false`, `err(%)`, `err(?)`, \
                               `parent = expr`, `root`, `link = expr`, `follows_from = expr`, \
                               `crate = path`";

/// The names of the arguments, for "did you mean ...?" on a misspelt one.
const ARGUMENT_NAMES: [&str; 11] = [
    "name",
    "kind",
    "attrs",
    "args",
    "ret",
    "err",
    "parent",
    "root",
    "link",
    "follows_from",
    "crate",
];

/// The span kinds `kind = ...` accepts, as (keyword, `SpanKind` variant).
const KINDS: [(&str, &str); 5] = [
    ("internal", "Internal"),
    ("server", "Server"),
    ("client", "Client"),
    ("producer", "Producer"),
    ("consumer", "Consumer"),
];

/// The parsed arguments of one `#[traced(...)]`. Absent arguments are
/// `None` (or empty); the defaults are applied by the accessors.
#[derive(Default)]
pub(crate) struct Args {
    /// `name = "literal"` or `name = some::CONST`.
    name: Option<SpanName>,
    /// `kind = client`: the `SpanKind` variant, spanned at the user's keyword.
    kind: Option<Ident>,
    /// `err = false`, `err = true`, `err(%)`, `err(?)`.
    err: Option<ErrorRecording>,
    /// `crate = path`: where the runtime lives.
    krate: Option<Path>,
    /// `attrs(..)` was given (its entries are in `fields`).
    attrs: Option<kw::attrs>,
    /// `args(..)` was given (its entries are in `fields`).
    args: Option<kw::args>,
    /// The entries of `attrs(..)` and `args(..)`, in the order written.
    fields: Vec<Field>,
    /// `ret`, `ret(%)`, `ret(?)`.
    ret: Option<Ret>,
    /// `parent = expr`.
    parent: Option<(kw::parent, Expr)>,
    /// `root`.
    root: Option<kw::root>,
    /// `link = expr` and `follows_from = expr`, in the order written.
    links: Vec<Expr>,
}

/// The span name: a literal, or a path to a `&'static str` constant.
pub(crate) enum SpanName {
    /// `name = "db.query"`.
    Literal(LitStr),
    /// `name = spans::DB_QUERY`.
    Const(Path),
}

/// What `err` says about recording `Err` results.
enum ErrorRecording {
    /// `err = true` / `err = false`.
    Enabled(LitBool),
    /// `err(%)` / `err(?)`, with the `err` keyword for diagnostics.
    Rendered(Render, kw::err),
}

/// `ret`, `ret(%)` or `ret(?)`.
pub(crate) struct Ret {
    /// The `ret` keyword, for errors about it.
    pub(crate) keyword: kw::ret,
    /// How the value is recorded.
    pub(crate) render: Render,
}

impl Args {
    /// The span name, if the user gave one (the default is the function's
    /// name, which only the expansion knows).
    pub(crate) fn name(&self) -> Option<&SpanName> {
        self.name.as_ref()
    }

    /// The `SpanKind` variant (`Internal` unless `kind = ...` was given).
    pub(crate) fn kind_variant(&self) -> Ident {
        self.kind
            .clone()
            .unwrap_or_else(|| Ident::new("Internal", Span::call_site()))
    }

    /// How an `Err` leaving the function is rendered, or `None` when
    /// `err = false` turns recording off.
    pub(crate) fn error_render(&self) -> Option<Render> {
        match &self.err {
            None => Some(Render::Value),
            Some(ErrorRecording::Enabled(enabled)) => enabled.value.then_some(Render::Value),
            Some(ErrorRecording::Rendered(render, _)) => Some(*render),
        }
    }

    /// The `err` keyword of `err(%)` / `err(?)`: the code that renders the
    /// error is located there, so that a type error in it (`err(%)` on a
    /// function that does not return a `Result`) points at it.
    pub(crate) fn error_render_keyword(&self) -> Option<&kw::err> {
        match &self.err {
            Some(ErrorRecording::Rendered(_, keyword)) => Some(keyword),
            _ => None,
        }
    }

    /// The attributes of `attrs(..)` and `args(..)`, in the order written.
    pub(crate) fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// `ret`, if given.
    pub(crate) fn ret(&self) -> Option<&Ret> {
        self.ret.as_ref()
    }

    /// `parent = expr`, if given.
    pub(crate) fn parent(&self) -> Option<&Expr> {
        self.parent.as_ref().map(|(_, expr)| expr)
    }

    /// Whether `root` was given.
    pub(crate) fn root(&self) -> bool {
        self.root.is_some()
    }

    /// The `link = expr` and `follows_from = expr` targets.
    pub(crate) fn links(&self) -> &[Expr] {
        &self.links
    }

    /// Whether the span's parent or links are chosen by the arguments
    /// (otherwise the span takes the plain, faster, start path).
    pub(crate) fn has_start_options(&self) -> bool {
        self.parent.is_some() || self.root.is_some() || !self.links.is_empty()
    }

    /// The path of the runtime crate: `::trace_runtime` unless
    /// `crate = path` was given.
    pub(crate) fn runtime_path(&self) -> Path {
        self.krate.clone().unwrap_or_else(|| Path {
            leading_colon: Some(<Token![::]>::default()),
            segments: std::iter::once(PathSegment::from(Ident::new(
                "trace_runtime",
                Span::call_site(),
            )))
            .collect(),
        })
    }
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::name) {
                parse_once::<kw::name>(input, args.name.is_some(), "name")?;
                input.parse::<Token![=]>()?;
                args.name = Some(parse_name(input)?);
            } else if lookahead.peek(kw::kind) {
                parse_once::<kw::kind>(input, args.kind.is_some(), "kind")?;
                input.parse::<Token![=]>()?;
                args.kind = Some(parse_kind(input)?);
            } else if lookahead.peek(kw::err) {
                let key: kw::err = parse_once(input, args.err.is_some(), "err")?;
                args.err = Some(parse_err(input, key)?);
            } else if lookahead.peek(kw::attrs) {
                let key: kw::attrs = parse_once(input, args.attrs.is_some(), "attrs")?;
                let content = parenthesized_list(
                    input,
                    key.span,
                    "attrs",
                    "attrs(db.system = \"postgres\", db.statement = sql)",
                )?;
                attributes::parse_attrs(&content, &mut args.fields)?;
                args.attrs = Some(key);
            } else if lookahead.peek(kw::args) {
                let key: kw::args = parse_once(input, args.args.is_some(), "args")?;
                let content = parenthesized_list(input, key.span, "args", "args(id, name)")?;
                attributes::parse_args(&content, &mut args.fields)?;
                args.args = Some(key);
            } else if lookahead.peek(kw::ret) {
                let key: kw::ret = parse_once(input, args.ret.is_some(), "ret")?;
                args.ret = Some(parse_ret(input, key)?);
            } else if lookahead.peek(kw::parent) {
                let key: kw::parent = parse_once(input, args.parent.is_some(), "parent")?;
                let expr =
                    parse_expr_value(input, "parent", "parent = trace_runtime::extract(&headers)")?;
                args.parent = Some((key, expr));
            } else if lookahead.peek(kw::root) {
                let key: kw::root = parse_once(input, args.root.is_some(), "root")?;
                if input.peek(Token![=]) {
                    return Err(
                        input.error("`root` takes no value: write `root` to start a new trace")
                    );
                }
                args.root = Some(key);
            } else if lookahead.peek(kw::link) {
                input.parse::<kw::link>()?;
                args.links
                    .push(parse_expr_value(input, "link", "link = &producer_context")?);
            } else if lookahead.peek(kw::follows_from) {
                input.parse::<kw::follows_from>()?;
                args.links.push(parse_expr_value(
                    input,
                    "follows_from",
                    "follows_from = &producer_context",
                )?);
            } else if lookahead.peek(Token![crate]) {
                parse_once::<Token![crate]>(input, args.krate.is_some(), "crate")?;
                input.parse::<Token![=]>()?;
                args.krate = Some(parse_crate(input)?);
            } else {
                return Err(unknown_argument(input));
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        if let (Some(root), Some((parent, _))) = (&args.root, &args.parent) {
            let mut error = syn::Error::new(
                root.span,
                "`root` and `parent` contradict each other: `root` starts a new trace, \
                 `parent = ...` continues the given one; remove one of them",
            );
            error.combine(syn::Error::new(parent.span, "`parent` is given here"));
            return Err(error);
        }
        Ok(args)
    }
}

/// The contents of `key(..)`, which must not be empty.
fn parenthesized_list<'a>(
    input: ParseStream<'a>,
    key: Span,
    what: &str,
    example: &str,
) -> syn::Result<syn::parse::ParseBuffer<'a>> {
    if !input.peek(syn::token::Paren) {
        return Err(input.error(format!(
            "`{what}` takes a list in parentheses, e.g. `{example}`"
        )));
    }
    let content;
    syn::parenthesized!(content in input);
    if content.is_empty() {
        return Err(syn::Error::new(
            key,
            format!("`{what}()` is empty: list what to record, e.g. `{example}`, or remove it"),
        ));
    }
    Ok(content)
}

/// `= expr` after `what`.
fn parse_expr_value(input: ParseStream, what: &str, example: &str) -> syn::Result<Expr> {
    if !input.peek(Token![=]) {
        return Err(input.error(format!("`{what}` takes a value: `{example}`")));
    }
    input.parse::<Token![=]>()?;
    if end_of_argument(input) {
        return Err(input.error(format!("expected an expression after `=`: `{example}`")));
    }
    input.parse()
}

/// What follows `err`: `= true | false`, `(%)` or `(?)`.
fn parse_err(input: ParseStream, key: kw::err) -> syn::Result<ErrorRecording> {
    if input.peek(syn::token::Paren) {
        let render = attributes::parse_render(input, "err")?;
        return Ok(ErrorRecording::Rendered(render, key));
    }
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            key.span,
            "`err` takes a value: errors are recorded by default, \
             write `err = false` to stop recording them, or `err(%)` / `err(?)` \
             to choose how the error is rendered",
        ));
    }
    input.parse::<Token![=]>()?;
    if input.peek(LitBool) {
        Ok(ErrorRecording::Enabled(input.parse()?))
    } else {
        Err(input.error(
            "`err` takes `true` or `false`: write `err = false` to stop recording `Err` results \
             (or `err(%)` / `err(?)` to choose how they are rendered)",
        ))
    }
}

/// What follows `ret`: nothing, `(%)` or `(?)`.
fn parse_ret(input: ParseStream, keyword: kw::ret) -> syn::Result<Ret> {
    if input.peek(Token![=]) {
        return Err(input.error(
            "`ret` takes no value: write `ret`, or `ret(%)` / `ret(?)` to record the \
             return value's Display / Debug text",
        ));
    }
    let render = if input.peek(syn::token::Paren) {
        attributes::parse_render(input, "ret")?
    } else {
        Render::Value
    };
    Ok(Ret { keyword, render })
}

/// Parses the key of an argument that may be given once, `seen` saying
/// whether it already was (then the error is on the second occurrence).
fn parse_once<K: Parse + Spanned>(input: ParseStream, seen: bool, name: &str) -> syn::Result<K> {
    let key: K = input.parse()?;
    if seen {
        Err(syn::Error::new(
            key.span(),
            format!(
                "duplicate argument `{name}`: #[traced] takes each argument at most once, remove one of them"
            ),
        ))
    } else {
        Ok(key)
    }
}

/// The error for a token that does not start a known argument.
fn unknown_argument(input: ParseStream) -> syn::Error {
    let fork = input.fork();
    match fork.call(Ident::parse_any) {
        Ok(ident) => {
            let hint = suggest::did_you_mean(&suggest::closest(
                &ident.unraw().to_string(),
                ARGUMENT_NAMES,
            ))
            .map(|hint| format!(" {hint}"))
            .unwrap_or_default();
            syn::Error::new(
                ident.span(),
                format!("unknown argument `{ident}`:{hint} #[traced] accepts {VALID_ARGUMENTS}"),
            )
        }
        Err(_) => input.error(format!(
            "expected an argument: #[traced] accepts {VALID_ARGUMENTS}"
        )),
    }
}

/// `name = "literal"` or `name = some::CONST`.
fn parse_name(input: ParseStream) -> syn::Result<SpanName> {
    const EXPECTED: &str = "`name` takes a string literal (`name = \"db.query\"`) \
                            or the path of a `&'static str` constant (`name = spans::DB_QUERY`)";
    if input.peek(LitStr) {
        let name: LitStr = input.parse()?;
        if name.value().is_empty() {
            return Err(syn::Error::new(
                name.span(),
                "the span name must not be empty: write `name = \"...\"` with some text, or drop `name` to use the function's name",
            ));
        }
        Ok(SpanName::Literal(name))
    } else if input.peek(Token![::]) || input.peek(Ident::peek_any) {
        let path = input.call(Path::parse_mod_style)?;
        if !end_of_argument(input) {
            return Err(input.error(EXPECTED));
        }
        Ok(SpanName::Const(path))
    } else {
        Err(input.error(EXPECTED))
    }
}

/// `kind = internal | server | client | producer | consumer`.
fn parse_kind(input: ParseStream) -> syn::Result<Ident> {
    let valid = KINDS
        .iter()
        .map(|(keyword, _)| format!("`{keyword}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let Ok(ident) = input.call(Ident::parse_any) else {
        return Err(input.error(format!("`kind` takes one of {valid}")));
    };
    let written = ident.to_string();
    if let Some((_, variant)) = KINDS.iter().find(|(keyword, _)| *keyword == written) {
        return Ok(Ident::new(variant, ident.span()));
    }
    let hint = match KINDS
        .iter()
        .find(|(keyword, _)| keyword.eq_ignore_ascii_case(&written))
    {
        Some((keyword, _)) => format!(" (kinds are lowercase: did you mean `{keyword}`?)"),
        None => suggest::did_you_mean(&suggest::closest(
            &ident.unraw().to_string(),
            KINDS.iter().map(|(keyword, _)| *keyword),
        ))
        .map(|hint| format!(" ({hint})"))
        .unwrap_or_default(),
    };
    Err(syn::Error::new(
        ident.span(),
        format!("unknown span kind `{written}`: expected one of {valid}{hint}"),
    ))
}

/// `crate = some::path`.
fn parse_crate(input: ParseStream) -> syn::Result<Path> {
    const EXPECTED: &str = "`crate` takes the path of the runtime crate, \
                            e.g. `crate = trace_runtime` or `crate = my_telemetry::trace_runtime`";
    if let Ok(literal) = input.fork().parse::<LitStr>() {
        let hint = match literal.parse_with(Path::parse_mod_style) {
            Ok(path) => format!(
                "write `crate = {}`",
                quote::quote!(#path).to_string().replace(' ', "")
            ),
            Err(_) => String::from("write the path without quotes"),
        };
        return Err(syn::Error::new(
            literal.span(),
            format!("`crate` takes a path, not a string: {hint}"),
        ));
    }
    if !(input.peek(Token![::]) || input.peek(Ident::peek_any)) {
        return Err(input.error(EXPECTED));
    }
    let path = input.call(Path::parse_mod_style)?;
    if !end_of_argument(input) {
        return Err(input.error(EXPECTED));
    }
    Ok(path)
}

/// Whether the next token ends the current argument.
fn end_of_argument(input: ParseStream) -> bool {
    input.is_empty() || input.peek(Token![,])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(tokens: &str) -> syn::Result<Args> {
        syn::parse_str(tokens)
    }

    fn error(tokens: &str) -> String {
        match parse(tokens) {
            Ok(_) => panic!("`{tokens}` should not parse"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn empty_arguments_use_defaults() {
        let args = parse("").unwrap();
        assert!(args.name().is_none());
        assert_eq!(args.kind_variant().to_string(), "Internal");
        assert_eq!(args.error_render(), Some(Render::Value));
        let path = args.runtime_path();
        assert_eq!(
            quote::quote!(#path).to_string(),
            quote::quote!(::trace_runtime).to_string()
        );
    }

    #[test]
    fn all_arguments_parse_with_trailing_comma() {
        let args =
            parse(r#"name = "db.query", kind = client, err = false, crate = tr::rt,"#).unwrap();
        assert!(matches!(args.name(), Some(SpanName::Literal(l)) if l.value() == "db.query"));
        assert_eq!(args.kind_variant().to_string(), "Client");
        assert_eq!(args.error_render(), None);
        let path = args.runtime_path();
        assert_eq!(quote::quote!(#path).to_string(), "tr :: rt");
    }

    #[test]
    fn name_accepts_a_const_path() {
        let args = parse("name = spans::DB_QUERY").unwrap();
        assert!(matches!(args.name(), Some(SpanName::Const(_))));
    }

    #[test]
    fn every_kind_is_accepted() {
        for (keyword, variant) in KINDS {
            let args = parse(&format!("kind = {keyword}")).unwrap();
            assert_eq!(args.kind_variant().to_string(), variant);
        }
    }

    #[test]
    fn unknown_argument_lists_valid_ones() {
        let message = error("level = 3");
        assert!(message.contains("unknown argument `level`"), "{message}");
        assert!(message.contains("`crate = path`"), "{message}");
    }

    #[test]
    fn near_miss_argument_is_suggested() {
        let message = error(r#"nme = "x""#);
        assert!(
            message.starts_with("unknown argument `nme`: did you mean `name`? #[traced] accepts"),
            "{message}"
        );
        assert!(message.contains("`crate = path`"), "{message}");
        assert!(error("krate = a").contains("did you mean `crate`?"));
        assert!(error("follow_from = a").contains("did you mean `follows_from`?"));
        assert!(error("rot").contains("did you mean `ret` or `root`?"));
        assert!(error("r#nme = \"x\"").contains("`r#nme`: did you mean `name`?"));
        assert!(!error("level = 3").contains("did you mean"));
    }

    #[test]
    fn duplicate_argument_is_rejected() {
        assert!(error("err = false, err = true").contains("duplicate argument `err`"));
    }

    #[test]
    fn bare_err_explains_the_default() {
        assert!(error("err").contains("errors are recorded by default"));
        assert!(error("err = 1").contains("`err` takes `true` or `false`"));
    }

    #[test]
    fn name_must_be_a_literal_or_path() {
        assert!(error("name = 42").contains("`name` takes a string literal"));
        assert!(error("name = a + b").contains("`name` takes a string literal"));
        assert!(error(r#"name = """#).contains("must not be empty"));
    }

    #[test]
    fn unknown_kind_lists_valid_ones() {
        let message = error("kind = Client");
        assert!(message.contains("did you mean `client`"), "{message}");
        assert!(error("kind = rpc").contains("expected one of `internal`"));
        assert!(!error("kind = rpc").contains("did you mean"));
        let message = error("kind = clent");
        assert!(
            message.ends_with("`consumer` (did you mean `client`?)"),
            "{message}"
        );
        assert!(error("kind = Sever").contains("(did you mean `server`?)"));
    }

    #[test]
    fn crate_must_be_a_path() {
        assert!(error(r#"crate = "tr""#).contains("not a string: write `crate = tr`"));
        assert!(error(r#"crate = "::a::b""#).contains("write `crate = ::a::b`"));
        assert!(error(r#"crate = "a b""#).contains("without quotes"));
        assert!(error("crate = 1").contains("`crate` takes the path"));
        assert!(error("crate = a::b<T>").contains("`crate` takes the path"));
    }

    #[test]
    fn new_arguments_parse() {
        let args = parse(
            "attrs(a.b = 1, c = %x), args(y), ret(%), err(?), parent = p, \
             link = l, follows_from = m, link = n",
        )
        .unwrap();
        assert_eq!(args.fields().len(), 3);
        assert_eq!(args.ret().map(|ret| ret.render), Some(Render::Display));
        assert_eq!(args.error_render(), Some(Render::Debug));
        assert!(args.parent().is_some());
        assert!(!args.root());
        assert_eq!(args.links().len(), 3);
        assert!(args.has_start_options());
        let args = parse("root, ret").unwrap();
        assert!(args.root() && args.has_start_options());
        assert_eq!(args.ret().map(|ret| ret.render), Some(Render::Value));
        assert!(!parse("attrs(a = 1)").unwrap().has_start_options());
    }

    #[test]
    fn new_arguments_reject_wrong_shapes() {
        assert!(error("root, parent = p").contains("`root` and `parent` contradict"));
        assert!(error("attrs(a = 1), attrs(b = 2)").contains("duplicate argument `attrs`"));
        assert!(error("args(a), args(b)").contains("duplicate argument `args`"));
        assert!(error("attrs()").contains("`attrs()` is empty"));
        assert!(error("args").contains("`args` takes a list in parentheses"));
        assert!(error("args(a.b)").contains("parameter names separated by commas"));
        assert!(error("args(a), attrs(a = 1)").contains("duplicate attribute key `a`"));
        assert!(error("ret = true").contains("`ret` takes no value"));
        assert!(error("ret(x)").contains("`ret(..)` takes `%`"));
        assert!(error("err(%%)").contains("takes a single `%` or `?`"));
        assert!(error("err = false, err(%)").contains("duplicate argument `err`"));
        assert!(error("root = true").contains("`root` takes no value"));
        assert!(error("parent").contains("`parent` takes a value"));
        assert!(error("link =").contains("expected an expression"));
        assert!(error("parent = a, parent = b").contains("duplicate argument `parent`"));
    }
}
