//! `[customers.fields]` expressions: text with `{placeholders}` and optional filters, e.g.
//! `"Client web {customer.id}"` or `"{customer.lastname|upper}"`. `{{` and `}}` are literal
//! braces. Parsed once at profile load, so a typo is a profile error with its line.

use crate::text::QuickTrim;
use std::fmt;

use jiff::civil::Date;

use crate::model::{Customer, Order};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    CustomerId,
    Email,
    Firstname,
    Lastname,
    Company,
    Siret,
    Vat,
    Phone,
    Mobile,
    Address1,
    Address2,
    Zip,
    City,
    Country,
    Code,
    Today,
    OrderNumber,
    OrderId,
    OrderDate,
}

const VARS: &[(&str, Var)] = &[
    ("customer.id", Var::CustomerId),
    ("customer.email", Var::Email),
    ("customer.firstname", Var::Firstname),
    ("customer.lastname", Var::Lastname),
    ("customer.company", Var::Company),
    ("customer.siret", Var::Siret),
    ("customer.vat", Var::Vat),
    ("customer.phone", Var::Phone),
    ("customer.mobile", Var::Mobile),
    ("billing.address1", Var::Address1),
    ("billing.address2", Var::Address2),
    ("billing.zip", Var::Zip),
    ("billing.city", Var::City),
    ("billing.country", Var::Country),
    ("code", Var::Code),
    ("today", Var::Today),
    ("order.number", Var::OrderNumber),
    ("order.id", Var::OrderId),
    ("order.date", Var::OrderDate),
];

impl Var {
    /// `order.number`: the name written between braces.
    pub fn name(self) -> &'static str {
        VARS.iter().find(|(_, v)| *v == self).map(|(n, _)| *n).unwrap_or("?")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Upper,
    Lower,
    NoAccents,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Lit(String),
    Var(Var, Vec<Filter>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError(String);

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExprError {}

/// What an expression can read.
pub struct Ctx<'a> {
    pub customer: &'a Customer,
    pub code: &'a str,
    pub today: Date,
    /// The order, for document expressions (reference, piece); empty values without one.
    pub order: Option<&'a Order>,
}

impl Expr {
    pub fn parse(text: &str) -> Result<Expr, ExprError> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '}' => {
                    return Err(ExprError(format!("\"{text}\": '}}' without '{{' (write '}}}}' for a brace)")));
                }
                '{' => {
                    let mut inner = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => inner.push(c),
                            None => {
                                return Err(ExprError(format!("\"{text}\": '{{' is not closed")));
                            }
                        }
                    }
                    if !lit.is_empty() {
                        pieces.push(Piece::Lit(std::mem::take(&mut lit)));
                    }
                    pieces.push(parse_var(inner.quick_trim(), text)?);
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            pieces.push(Piece::Lit(lit));
        }
        Ok(Expr { pieces })
    }

    /// The literal text of the expression, placeholders left out (`WEB-{order.number}` →
    /// `WEB-`): what a profile check can measure.
    pub fn literal(&self) -> String {
        self.pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Lit(s) => Some(s.as_str()),
                Piece::Var(..) => None,
            })
            .collect()
    }

    /// The placeholders of the expression, in order.
    pub fn vars(&self) -> impl Iterator<Item = Var> + '_ {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(v, _) => Some(*v),
            Piece::Lit(_) => None,
        })
    }

    pub fn eval(&self, ctx: &Ctx) -> String {
        let mut out = String::with_capacity(32);
        for p in &self.pieces {
            match p {
                Piece::Lit(s) => out.push_str(s),
                // Most placeholders have no filter: their value goes straight in (two
                // expressions are made for every order: its piece and its reference).
                Piece::Var(v, filters) if filters.is_empty() => push_value(*v, ctx, &mut out),
                Piece::Var(v, filters) => {
                    let mut s = String::new();
                    push_value(*v, ctx, &mut s);
                    for f in filters {
                        s = match f {
                            Filter::Upper => crate::text::upper(&s),
                            Filter::Lower => s.to_lowercase(),
                            Filter::NoAccents => crate::text::remove_accents(&s),
                        };
                    }
                    out.push_str(&s);
                }
            }
        }
        out
    }
}

fn parse_var(inner: &str, text: &str) -> Result<Piece, ExprError> {
    let mut it = inner.split('|').map(str::trim);
    let name = it.next().unwrap_or("");
    let var = VARS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v).ok_or_else(|| {
        let known: Vec<&str> = VARS.iter().map(|(n, _)| *n).collect();
        ExprError(format!("\"{text}\": unknown placeholder {{{name}}}; known: {}", known.join(", ")))
    })?;
    let mut filters = Vec::new();
    for f in it {
        filters.push(match f {
            "upper" => Filter::Upper,
            "lower" => Filter::Lower,
            "noaccents" => Filter::NoAccents,
            other => {
                return Err(ExprError(format!("\"{text}\": unknown filter |{other} (upper, lower, noaccents)")));
            }
        });
    }
    Ok(Piece::Var(var, filters))
}

/// The value of placeholder `v`, appended to `out`.
fn push_value(v: Var, ctx: &Ctx, out: &mut String) {
    let c = ctx.customer;
    match v {
        Var::CustomerId => out.push_str(&c.shop_id),
        Var::Email => out.push_str(&c.email),
        Var::Firstname => out.push_str(&c.firstname),
        Var::Lastname => out.push_str(&c.lastname),
        Var::Company => out.push_str(&c.company),
        Var::Siret => out.push_str(&c.siret),
        Var::Vat => out.push_str(&c.vat_number),
        Var::Phone => out.push_str(&c.phone),
        Var::Mobile => out.push_str(&c.mobile),
        Var::Address1 => out.push_str(&c.billing.address1),
        Var::Address2 => out.push_str(&c.billing.address2),
        Var::Zip => out.push_str(&c.billing.zip),
        Var::City => out.push_str(&c.billing.city),
        Var::Country => out.push_str(crate::countries::name_fr(&c.billing.country).unwrap_or(&c.billing.country)),
        Var::Code => out.push_str(ctx.code),
        Var::Today => out.push_str(&crate::sage::value::fmt_date(ctx.today)),
        Var::OrderNumber => {
            if let Some(o) = ctx.order {
                out.push_str(o.clean_number());
            }
        }
        Var::OrderId => {
            if let Some(o) = ctx.order {
                out.push_str(&o.id);
            }
        }
        Var::OrderDate => {
            if let Some(d) = ctx.order.and_then(|o| o.date) {
                out.push_str(&crate::sage::value::fmt_date(d.date()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_eval(expr: &str) -> String {
        let c = Customer { shop_id: "530".into(), lastname: "Lefèvre".into(), ..Default::default() };
        let e = Expr::parse(expr).unwrap();
        e.eval(&Ctx { customer: &c, code: "WEB000530", today: Date::new(2026, 11, 28).unwrap(), order: None })
    }

    #[test]
    fn placeholders_and_filters() {
        assert_eq!(ctx_eval("Client web {customer.id}"), "Client web 530");
        assert_eq!(ctx_eval("{customer.lastname|upper}"), "LEFÈVRE");
        assert_eq!(ctx_eval("{customer.lastname|noaccents|upper} {code}"), "LEFEVRE WEB000530");
        assert_eq!(ctx_eval("{{literal}} {today}"), "{literal} 281126");
    }

    #[test]
    fn every_placeholder_says_its_value_with_or_without_filters() {
        use crate::model::{Address, Order};
        let c = Customer {
            shop_id: "530".into(),
            email: "Zoé@exemple.fr".into(),
            firstname: "Zoé".into(),
            lastname: "Lefèvre".into(),
            company: "Œuvres SARL".into(),
            siret: "73282932000074".into(),
            vat_number: "FR44732829320".into(),
            phone: "01 23".into(),
            mobile: "06 45".into(),
            billing: Address {
                address1: "3 rue de l’Église".into(),
                address2: "Bât. B".into(),
                zip: "21000".into(),
                city: "Dijon".into(),
                country: "FR".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let order = Order {
            number: " #1001 ".into(),
            id: "5501".into(),
            date: Some(jiff::civil::date(2026, 11, 20).at(10, 42, 0, 0)),
            ..Default::default()
        };
        let ctx = Ctx { customer: &c, code: "WEB000530", today: Date::new(2026, 11, 28).unwrap(), order: Some(&order) };
        let want = [
            "530",
            "Zoé@exemple.fr",
            "Zoé",
            "Lefèvre",
            "Œuvres SARL",
            "73282932000074",
            "FR44732829320",
            "01 23",
            "06 45",
            "3 rue de l’Église",
            "Bât. B",
            "21000",
            "Dijon",
            "France",
            "WEB000530",
            "281126",
            "1001",
            "5501",
            "201126",
        ];
        assert_eq!(VARS.len(), want.len());
        for ((name, _), want) in VARS.iter().zip(want) {
            assert_eq!(Expr::parse(&format!("<{{{name}}}>")).unwrap().eval(&ctx), format!("<{want}>"), "{name}");
            let upper = Expr::parse(&format!("{{{name}|upper}}")).unwrap().eval(&ctx);
            assert_eq!(upper, want.to_uppercase(), "{name}");
        }
        let none = Ctx { order: None, ..ctx };
        assert_eq!(Expr::parse("[{order.number}{order.id}{order.date}]").unwrap().eval(&none), "[]");
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(Expr::parse("{customer.idd}").unwrap_err().to_string().contains("unknown placeholder"));
        assert!(Expr::parse("{customer.id").unwrap_err().to_string().contains("not closed"));
        assert!(Expr::parse("{customer.id|shout}").unwrap_err().to_string().contains("unknown filter"));
    }
}
