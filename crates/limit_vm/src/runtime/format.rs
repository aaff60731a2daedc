//! Format specs (§3.3a): `"{x:.2f}"` in interpolation and `format(v, spec)`.
//!
//! The spec is Python's format mini-language,
//! `[[fill]align][sign][#][0][width][,|_][.precision][type]`. Parsing and
//! checking a spec against the kind of value it formats are separate from
//! formatting, so that the compiler can reject a bad spec for a value whose
//! type it knows (`"{"s":d}"`) and the VM raises `ConversionError` for the
//! rest.

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};

use crate::errors::{kinds, trap, Trap};
use crate::runtime::decimal::Decimal;
use crate::value::{display, Value};
pub use limit_bytecode::format_spec::{Align, FormatClass, FormatSpec, Sign};

/// The class of a run-time value, for checking a spec against it.
pub fn class_of(v: &Value) -> FormatClass {
    match v {
        Value::Int(_) | Value::BigInt(_) => FormatClass::Int,
        Value::Float(_) => FormatClass::Float,
        Value::Decimal(_) => FormatClass::Decimal,
        _ => FormatClass::Text,
    }
}

fn conversion_error(message: String) -> Trap {
    trap(kinds::CONVERSION_ERROR, &message)
}

/// `v` formatted by the spec `spec` (`format(v, spec)`, `"{v:spec}"`).
pub fn format_value(v: &Value, spec: &str) -> Result<String, Trap> {
    let parsed = FormatSpec::parse(spec)
        .map_err(|problem| conversion_error(format!("invalid format spec `{spec}`: {problem}")))?;
    let class = class_of(v);
    parsed.check(class).map_err(|problem| {
        conversion_error(format!(
            "format spec `{spec}` cannot format a {}: {problem}",
            v.type_name()
        ))
    })?;
    // Checked before building text: a width or precision near the cap
    // would otherwise allocate far past the string limit.
    crate::limits::check_string(parsed.width.max(parsed.precision.unwrap_or(0)))?;
    if class == FormatClass::Text || parsed.kind == Some('s') {
        return Ok(format_text(&parsed, &display(v)));
    }
    let number = match v {
        Value::Int(i) => integer_text(&parsed, &BigInt::from(*i))?,
        Value::BigInt(b) => integer_text(&parsed, b)?,
        Value::Float(x) => float_text(&parsed, *x),
        Value::Decimal(d) => decimal_text(&parsed, **d),
        _ => return Ok(format_text(&parsed, &display(v))),
    };
    Ok(lay_out(&parsed, number))
}

/// A number's text in pieces, before grouping and padding.
struct NumberText {
    negative: bool,
    /// `0x` and the like (after the sign, before any zero padding).
    prefix: &'static str,
    /// The integer digits, which grouping separates (empty for `inf`).
    integer: String,
    /// What follows them (`.50`, `.5e+03`, `%`, `inf`).
    rest: String,
    /// Digits are grouped by 4 (`_` with b o x X) rather than 3.
    group_size: usize,
}

fn format_text(spec: &FormatSpec, text: &str) -> String {
    let text: String = match spec.precision {
        Some(limit) => text.chars().take(limit).collect(),
        None => text.to_string(),
    };
    let fill = spec.fill.unwrap_or(if spec.zero { '0' } else { ' ' });
    pad(
        &text,
        "",
        spec.width,
        fill,
        spec.align.unwrap_or(Align::Left),
    )
}

fn integer_text(spec: &FormatSpec, n: &BigInt) -> Result<NumberText, Trap> {
    let (radix, prefix, upper) = match spec.kind {
        Some('b') => (2, "0b", false),
        Some('o') => (8, "0o", false),
        Some('x') => (16, "0x", false),
        Some('X') => (16, "0X", true),
        None | Some('d') => (10, "", false),
        _ => {
            // A float format of an int: the int as a float.
            let x = n.to_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                conversion_error(format!(
                    "an int of {} bits is too large to format as a float",
                    n.bits()
                ))
            })?;
            return Ok(float_text(spec, x));
        }
    };
    let mut body = n.abs().to_str_radix(radix);
    if upper {
        body.make_ascii_uppercase();
    }
    Ok(NumberText {
        negative: n.is_negative(),
        prefix: if spec.alternate { prefix } else { "" },
        integer: body,
        rest: String::new(),
        group_size: if radix == 10 { 3 } else { 4 },
    })
}

fn float_text(spec: &FormatSpec, x: f64) -> NumberText {
    let negative = x.is_sign_negative() && !x.is_nan();
    let magnitude = x.abs();
    let upper = matches!(spec.kind, Some('F' | 'E' | 'G'));
    let mut body = if !magnitude.is_finite() {
        if magnitude.is_nan() { "nan" } else { "inf" }.to_string()
    } else {
        match (spec.kind, spec.precision) {
            (None, None) => crate::value::format_float(magnitude),
            (None | Some('g' | 'G'), precision) => general(magnitude, precision, spec.alternate),
            (Some('e' | 'E'), precision) => {
                scientific(magnitude, precision.unwrap_or(6), spec.alternate)
            }
            (Some('%'), precision) => {
                let mut text = fixed(magnitude * 100.0, precision.unwrap_or(6), spec.alternate);
                text.push('%');
                text
            }
            (_, precision) => fixed(magnitude, precision.unwrap_or(6), spec.alternate),
        }
    };
    if !magnitude.is_finite() && spec.kind == Some('%') {
        body.push('%');
    }
    if upper {
        body.make_ascii_uppercase();
    }
    decimal_number(negative, body)
}

/// A number in base ten: its integer digits are those before the point,
/// the exponent or the `%`.
fn decimal_number(negative: bool, mut body: String) -> NumberText {
    let integer_len = if body.starts_with(|c: char| c.is_ascii_digit()) {
        body.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(body.len())
    } else {
        0
    };
    let rest = body.split_off(integer_len);
    NumberText {
        negative,
        prefix: "",
        integer: body,
        rest,
        group_size: 3,
    }
}

/// `f`: exactly `precision` decimals, correctly rounded (the standard
/// library's fixed-precision formatting is exact, ties to even).
fn fixed(x: f64, precision: usize, alternate: bool) -> String {
    let mut text = format!("{x:.precision$}");
    if alternate && precision == 0 {
        text.push('.');
    }
    text
}

/// `e`: one digit, `precision` decimals, and a signed exponent of at
/// least two digits (`1.50e+03`).
fn scientific(x: f64, precision: usize, alternate: bool) -> String {
    let text = format!("{x:.precision$e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let point = if alternate && precision == 0 { "." } else { "" };
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}{point}e{sign}{:02}", exponent.unsigned_abs())
}

/// `g`: `precision` significant digits (6 by default), fixed or
/// scientific by the exponent, trailing zeros removed unless `#`.
fn general(x: f64, precision: Option<usize>, alternate: bool) -> String {
    let significant = precision.unwrap_or(6).max(1);
    let exponent = if x == 0.0 {
        0
    } else {
        let text = format!("{x:.prec$e}", prec = significant - 1);
        text.split_once('e')
            .and_then(|(_, e)| e.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let mut text = if -4 <= exponent && exponent < significant as i64 {
        let decimals = (significant as i64 - 1 - exponent).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        scientific(x, significant - 1, false)
    };
    if !alternate {
        let (mantissa, exponent) = match text.find('e') {
            Some(at) => text.split_at(at),
            None => (text.as_str(), ""),
        };
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        text = format!("{mantissa}{exponent}");
    } else if !text.contains('.') {
        match text.find('e') {
            Some(at) => text.insert(at, '.'),
            None => text.push('.'),
        }
    }
    text
}

/// A decimal formatted exactly: `f` (or no type) rounds its own digits,
/// half to even, to the precision (its own scale when none is given).
fn decimal_text(spec: &FormatSpec, d: Decimal) -> NumberText {
    let negative = d.units < 0;
    let digits = d.units.unsigned_abs().to_string();
    let body = match spec.kind {
        None | Some('f' | 'F') => {
            let precision = spec.precision.unwrap_or(d.scale as usize);
            let mut text = exact_fixed(&digits, d.scale as i64, precision);
            if spec.alternate && precision == 0 {
                text.push('.');
            }
            text
        }
        Some('%') => {
            // Times 100 is the point moved two places.
            let scale = d.scale as i64 - 2;
            let precision = spec.precision.unwrap_or(scale.max(0) as usize);
            let mut text = exact_fixed(&digits, scale, precision);
            if spec.alternate && precision == 0 {
                text.push('.');
            }
            text.push('%');
            text
        }
        _ => return float_text(spec, d.to_f64()),
    };
    decimal_number(negative, body)
}

/// The number `digits × 10^-scale` with exactly `precision` decimals,
/// rounded half to even.
fn exact_fixed(digits: &str, scale: i64, precision: usize) -> String {
    let mut digits: Vec<u8> = digits.bytes().collect();
    let mut scale = scale;
    if scale < 0 {
        digits.extend(std::iter::repeat_n(b'0', scale.unsigned_abs() as usize));
        scale = 0;
    }
    let scale = scale as usize;
    if precision < scale {
        let drop = scale - precision;
        // Keep at least one (zero) digit before the dropped ones.
        while digits.len() < drop + 1 {
            digits.insert(0, b'0');
        }
        let kept = digits.len() - drop;
        let first_dropped = digits[kept];
        let rest_nonzero = digits[kept + 1..].iter().any(|&d| d != b'0');
        let last_kept_odd = (digits[kept - 1] - b'0') % 2 == 1;
        digits.truncate(kept);
        let round_up =
            first_dropped > b'5' || first_dropped == b'5' && (rest_nonzero || last_kept_odd);
        if round_up {
            increment(&mut digits);
        }
    } else {
        digits.extend(std::iter::repeat_n(b'0', precision - scale));
    }
    while digits.len() < precision + 1 {
        digits.insert(0, b'0');
    }
    let point = digits.len() - precision;
    let mut text = String::with_capacity(digits.len() + 1);
    text.extend(digits[..point].iter().map(|&d| d as char));
    if precision > 0 {
        text.push('.');
        text.extend(digits[point..].iter().map(|&d| d as char));
    }
    text
}

/// Adds one to a decimal digit string, growing it on a carry out.
fn increment(digits: &mut Vec<u8>) {
    for d in digits.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return;
        }
    }
    digits.insert(0, b'1');
}

/// Sign, grouping and padding around a number's text.
fn lay_out(spec: &FormatSpec, number: NumberText) -> String {
    let sign = match (number.negative, spec.sign) {
        (true, _) => "-",
        (false, Sign::Always) => "+",
        (false, Sign::Space) => " ",
        (false, Sign::Negative) => "",
    };
    let mut head = String::from(sign);
    head.push_str(number.prefix);
    let (align, fill) = match (spec.align, spec.fill, spec.zero) {
        (None, _, true) => (Align::AfterSign, '0'),
        (Some(align), None, true) => (align, '0'),
        (align, fill, _) => (align.unwrap_or(Align::Right), fill.unwrap_or(' ')),
    };
    let NumberText {
        mut integer,
        rest,
        group_size,
        ..
    } = number;
    let grouped = |integer: &str| match spec.grouping {
        Some(separator) => group(integer, separator, group_size),
        None => integer.to_string(),
    };
    if align == Align::AfterSign && fill == '0' && spec.grouping.is_some() && !integer.is_empty() {
        // Zeros padded in front of grouped digits are grouped too
        // (`00,001,234`).
        while head.len() + grouped(&integer).len() + rest.chars().count() < spec.width {
            integer.insert(0, '0');
        }
    }
    let text = format!("{}{rest}", grouped(&integer));
    pad(&text, &head, spec.width, fill, align)
}

/// `digits` with `separator` between groups of `size`, from the right.
fn group(digits: &str, separator: char, size: usize) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / size);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(size) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// `head` (sign and prefix) and `text` padded to `width` characters.
fn pad(text: &str, head: &str, width: usize, fill: char, align: Align) -> String {
    let length = head.chars().count() + text.chars().count();
    let missing = width.saturating_sub(length);
    let filler = |n: usize| std::iter::repeat_n(fill, n).collect::<String>();
    match align {
        Align::Left => format!("{head}{text}{}", filler(missing)),
        Align::Right => format!("{}{head}{text}", filler(missing)),
        Align::Center => format!(
            "{}{head}{text}{}",
            filler(missing / 2),
            filler(missing - missing / 2)
        ),
        Align::AfterSign => format!("{head}{}{text}", filler(missing)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: Value, spec: &str) -> String {
        format_value(&v, spec).unwrap_or_else(|e| format!("error: {}", e.message))
    }

    #[test]
    fn language_examples() {
        assert_eq!(f(Value::Float(1.23456), ".2f"), "1.23");
        assert_eq!(f(Value::Int(42), ">6"), "    42");
        assert_eq!(f(Value::Int(7), "03d"), "007");
        assert_eq!(f(Value::Int(255), "#x"), "0xff");
        assert_eq!(f(Value::Int(1234567), ","), "1,234,567");
        assert_eq!(f(Value::Float(0.25), ".0%"), "25%");
        assert_eq!(f(Value::str("ab"), "*^6"), "**ab**");
    }

    #[test]
    fn numbers_follow_python() {
        assert_eq!(f(Value::Float(1234.5), "e"), "1.234500e+03");
        assert_eq!(f(Value::Float(1234.5), ".2E"), "1.23E+03");
        assert_eq!(f(Value::Float(0.00001234), "g"), "1.234e-05");
        assert_eq!(f(Value::Float(1234567.0), "g"), "1.23457e+06");
        assert_eq!(f(Value::Float(100.0), "g"), "100");
        assert_eq!(f(Value::Float(2.5), "#.0f"), "2.");
        assert_eq!(f(Value::Float(-0.0), ".1f"), "-0.0");
        assert_eq!(f(Value::Float(-1.5), "+.1f"), "-1.5");
        assert_eq!(f(Value::Float(1.5), "+.1f"), "+1.5");
        assert_eq!(f(Value::Float(1.5), " .1f"), " 1.5");
        assert_eq!(f(Value::Float(f64::INFINITY), "F"), "INF");
        assert_eq!(f(Value::Float(-1234.5), "=+12,.1f"), "-    1,234.5");
        assert_eq!(f(Value::Int(1234), "010,"), "00,001,234");
        assert_eq!(f(Value::Int(-42), "08"), "-0000042");
        assert_eq!(f(Value::Int(255), "#010b"), "0b11111111");
        assert_eq!(f(Value::Int(0xABCDEF), "_X"), "AB_CDEF");
        assert_eq!(f(Value::Int(5), "f"), "5.000000");
        assert_eq!(f(Value::Int(-5), "x"), "-5");
        assert_eq!(f(Value::Float(0.5), ".0f"), "0");
        assert_eq!(f(Value::Float(2.675), ".2f"), "2.67");
        assert_eq!(f(Value::str("abcdef"), ".3"), "abc");
        assert_eq!(f(Value::str("ab"), "<5"), "ab   ");
        assert_eq!(f(Value::Bool(true), ">6"), "  true");
    }

    #[test]
    fn decimals_format_exactly() {
        let d = |units: i128, scale: u8| Value::Decimal(std::rc::Rc::new(Decimal { units, scale }));
        assert_eq!(f(d(1025, 2), ""), "10.25");
        assert_eq!(f(d(1025, 2), "f"), "10.25");
        assert_eq!(f(d(1025, 2), ".1f"), "10.2");
        assert_eq!(f(d(1035, 2), ".1f"), "10.4");
        assert_eq!(f(d(-5, 2), ".1f"), "-0.0");
        assert_eq!(f(d(99995, 3), ".2f"), "100.00");
        assert_eq!(f(d(123456789, 2), ",.2f"), "1,234,567.89");
        assert_eq!(f(d(25, 2), "%"), "25%");
        assert_eq!(f(d(1, 0), ".3f"), "1.000");
    }

    #[test]
    fn bad_specs_are_explained() {
        assert!(FormatSpec::parse(".f").is_err());
        assert!(FormatSpec::parse("q").is_err());
        assert!(FormatSpec::parse("5.2.1f").is_err());
        assert!(FormatSpec::parse("999999999999999999999").is_err());
        let d = FormatSpec::parse("d").unwrap();
        assert!(d.check(FormatClass::Text).is_err());
        assert!(d.check(FormatClass::Float).is_err());
        assert!(d.check(FormatClass::Int).is_ok());
        assert!(FormatSpec::parse(".2")
            .unwrap()
            .check(FormatClass::Int)
            .is_err());
        assert!(FormatSpec::parse(",x")
            .unwrap()
            .check(FormatClass::Int)
            .is_err());
        assert!(FormatSpec::parse("+")
            .unwrap()
            .check(FormatClass::Text)
            .is_err());
        assert!(FormatSpec::parse(",")
            .unwrap()
            .check(FormatClass::Text)
            .is_err());
    }
}
