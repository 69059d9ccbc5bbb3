//! Codification of client codes: prefix + parts 1–4 + suffix + number, on a fixed length
//! ("Codification du code client"). Shop customer 530 with prefix WEB and length 9 → WEB000530.

use crate::model::Customer;
use crate::profile::{CodeSection, PartField};
use crate::text::code_chars;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error(
        "the number {number} needs {needed} digits but only {room} fit after {fixed} in a code of {length} characters; lengthen customers.code.length or use source = \"counter\""
    )]
    TooLong { number: u64, needed: usize, room: usize, fixed: String, length: u32 },
    #[error("the shop customer id '{0}' is not a number; use source = \"counter\" in [customers.code]")]
    NotANumber(String),
    #[error(
        "the export gives no customer id (Shopify orders and legacy customer files have none); use source = \"counter\" in [customers.code]"
    )]
    NoShopId,
}

/// A generated code and how it was made (for the report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub code: String,
    pub explain: String,
}

fn part_value(c: &Customer, field: PartField) -> &str {
    match field {
        PartField::Lastname => &c.lastname,
        PartField::Firstname => &c.firstname,
        PartField::Company => &c.company,
        PartField::Zip => &c.billing.zip,
        PartField::City => &c.billing.city,
        PartField::Country => &c.billing.country,
        PartField::Email => &c.email,
    }
}

fn field_name(f: PartField) -> &'static str {
    match f {
        PartField::Lastname => "lastname",
        PartField::Firstname => "firstname",
        PartField::Company => "company",
        PartField::Zip => "zip",
        PartField::City => "city",
        PartField::Country => "country",
        PartField::Email => "email",
    }
}

/// The shop id as the number of the code.
pub fn shop_number(shop_id: &str) -> Result<u64, CodeError> {
    let s = shop_id.trim();
    if s.is_empty() {
        return Err(CodeError::NoShopId);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 19 {
        return Err(CodeError::NotANumber(s.to_string()));
    }
    s.parse().map_err(|_| CodeError::NotANumber(s.to_string()))
}

/// Builds the code of `customer` with `number`. Parts are the customer's data without
/// accents, uppercase, letters and digits only, cut to their length (a shorter value is kept
/// short: nothing is invented). The number is zero-padded to `counter_length`, or to fill the
/// code up to `length` when `counter_length` is 0. A number that does not fit is an error,
/// never cut: a cut number would give two customers one code.
pub fn generate(
    cfg: &CodeSection,
    customer: &Customer,
    number: u64,
    source_label: &str,
) -> Result<Generated, CodeError> {
    // Made for every new client: the code and its explanation grow in place.
    let mut code = String::with_capacity(cfg.length as usize);
    // "WEB (prefix) + 000530 (counter)" and the like: one allocation.
    let mut explain = String::with_capacity(64);
    let sep = |e: &mut String| {
        if !e.is_empty() {
            e.push_str(" + ");
        }
    };
    code.extend(cfg.prefix.chars().map(|c| c.to_ascii_uppercase()));
    explain.push_str(&code);
    for p in &cfg.parts {
        let start = code.len();
        code.extend(code_chars(part_value(customer, p.field)).chars().take(p.length as usize));
        sep(&mut explain);
        explain.push_str(&code[start..]);
        explain.push_str(" (");
        explain.push_str(field_name(p.field));
        explain.push(')');
    }
    let suffix_at = code.len();
    code.extend(cfg.suffix.chars().map(|c| c.to_ascii_uppercase()));
    if code.len() > suffix_at {
        sep(&mut explain);
        explain.push_str(&code[suffix_at..]);
    }
    let digits = number.checked_ilog10().map_or(1, |d| d as usize + 1);
    let room = if cfg.counter_length > 0 {
        cfg.counter_length as usize
    } else {
        (cfg.length as usize).saturating_sub(code.len())
    };
    if digits > room || code.len() + room > cfg.length as usize {
        return Err(CodeError::TooLong {
            number,
            needed: digits,
            room: room.min((cfg.length as usize).saturating_sub(code.len())),
            fixed: if code.is_empty() { "nothing".into() } else { code.clone() },
            length: cfg.length,
        });
    }
    // The number zero-padded to `room` ("{number:0>room$}"), without the formatting machinery.
    let num_at = code.len();
    code.extend(std::iter::repeat_n('0', room - digits));
    crate::sage::value::push_uint(&mut code, number);
    sep(&mut explain);
    explain.push_str(&code[num_at..]);
    explain.push_str(" (");
    explain.push_str(source_label);
    explain.push(')');
    Ok(Generated { code, explain })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Address;
    use crate::profile::CodePart;

    fn cfg(prefix: &str, parts: Vec<CodePart>, suffix: &str, counter_length: u32, length: u32) -> CodeSection {
        CodeSection {
            prefix: prefix.into(),
            parts,
            suffix: suffix.into(),
            counter_length,
            length,
            ..Default::default()
        }
    }

    fn marie() -> Customer {
        Customer {
            shop_id: "530".into(),
            lastname: "Lefèvre".into(),
            firstname: "Zoé".into(),
            billing: Address { zip: "69003".into(), city: "Lyon".into(), ..Default::default() },
            ..Default::default()
        }
    }

    #[test]
    fn the_seed_example() {
        let g = generate(&CodeSection::default(), &marie(), 530, "shop id 530").unwrap();
        assert_eq!(g.code, "WEB000530");
        assert_eq!(g.explain, "WEB + 000530 (shop id 530)");
    }

    #[test]
    fn parts_suffix_and_counter_length() {
        let parts =
            vec![CodePart { field: PartField::Lastname, length: 3 }, CodePart { field: PartField::Zip, length: 2 }];
        let g = generate(&cfg("C", parts, "W", 4, 12), &marie(), 42, "counter").unwrap();
        assert_eq!(g.code, "CLEF69W0042");
        assert_eq!(g.explain, "C + LEF (lastname) + 69 (zip) + W + 0042 (counter)");
    }

    #[test]
    fn a_short_part_stays_short_and_the_number_fills_the_rest() {
        let parts = vec![CodePart { field: PartField::Lastname, length: 5 }];
        let mut c = marie();
        c.lastname = "Né".into();
        let g = generate(&cfg("", parts, "", 0, 8), &c, 7, "counter").unwrap();
        assert_eq!(g.code, "NE000007");
    }

    #[test]
    fn a_number_that_does_not_fit_is_an_error() {
        let e = generate(&CodeSection::default(), &marie(), 7_012_345_678_901, "shop id").unwrap_err();
        assert!(matches!(e, CodeError::TooLong { needed: 13, room: 6, .. }), "{e:?}");
        let e = generate(&cfg("WEB", vec![], "", 4, 9), &marie(), 12345, "counter").unwrap_err();
        assert!(matches!(e, CodeError::TooLong { needed: 5, room: 4, .. }), "{e:?}");
    }

    #[test]
    fn shop_ids_must_be_numbers() {
        assert_eq!(shop_number(" 000123 "), Ok(123));
        assert_eq!(shop_number(""), Err(CodeError::NoShopId));
        assert!(matches!(shop_number("A12"), Err(CodeError::NotANumber(_))));
    }
}
