//! `[customers.fields]` expressions: text with `{placeholders}` and optional filters, e.g.
//! `"Client web {customer.id}"` or `"{customer.lastname|upper}"`. `{{` and `}}` are literal
//! braces. Parsed once at profile load, so a typo is a profile error with its line.

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
                    pieces.push(parse_var(inner.trim(), text)?);
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
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Lit(s) => out.push_str(s),
                Piece::Var(v, filters) => {
                    let mut s = value(*v, ctx);
                    for f in filters {
                        s = match f {
                            Filter::Upper => s.to_uppercase(),
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

fn value(v: Var, ctx: &Ctx) -> String {
    let c = ctx.customer;
    match v {
        Var::CustomerId => c.shop_id.clone(),
        Var::Email => c.email.clone(),
        Var::Firstname => c.firstname.clone(),
        Var::Lastname => c.lastname.clone(),
        Var::Company => c.company.clone(),
        Var::Siret => c.siret.clone(),
        Var::Vat => c.vat_number.clone(),
        Var::Phone => c.phone.clone(),
        Var::Mobile => c.mobile.clone(),
        Var::Address1 => c.billing.address1.clone(),
        Var::Address2 => c.billing.address2.clone(),
        Var::Zip => c.billing.zip.clone(),
        Var::City => c.billing.city.clone(),
        Var::Country => crate::countries::name_fr(&c.billing.country).unwrap_or(&c.billing.country).to_string(),
        Var::Code => ctx.code.to_string(),
        Var::Today => crate::sage::value::fmt_date(ctx.today),
        Var::OrderNumber => ctx.order.map(|o| o.clean_number().to_string()).unwrap_or_default(),
        Var::OrderId => ctx.order.map(|o| o.id.clone()).unwrap_or_default(),
        Var::OrderDate => {
            ctx.order.and_then(|o| o.date).map(|d| crate::sage::value::fmt_date(d.date())).unwrap_or_default()
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
    fn errors_name_the_problem() {
        assert!(Expr::parse("{customer.idd}").unwrap_err().to_string().contains("unknown placeholder"));
        assert!(Expr::parse("{customer.id").unwrap_err().to_string().contains("not closed"));
        assert!(Expr::parse("{customer.id|shout}").unwrap_err().to_string().contains("unknown filter"));
    }
}
