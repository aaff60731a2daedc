//! The printed form of floats (docs/reference.md §3.2): the fewest digits that
//! read back as the same float.

use super::*;

/// A float's printed text (§3.2): the fewest digits that read back as the
/// same float, an integral value without a fraction (`5`), scientific
/// notation below 1e-4 and from 1e16 (`1e+16`, `1e-05`).
pub fn format_float(x: f64) -> String {
    let mut out = String::new();
    write_float(&mut out, x);
    out
}

/// Append a float's printed text (see `format_float`).
pub fn write_float(out: &mut String, x: f64) {
    write_float_text(out, x, false);
}

/// The text `repr` gives a float: the printed text, with `.0` kept on an
/// integral value written without an exponent so it reads back as a float.
pub fn repr_float(x: f64) -> String {
    let mut out = String::new();
    write_float_text(&mut out, x, true);
    out
}

/// Decimal exponents from which a float is written in scientific notation
/// (below the first, or at least the second), as Python's `repr` does.
pub(super) const SCIENTIFIC_BELOW: i32 = -4;
pub(super) const SCIENTIFIC_FROM: i32 = 16;

pub(super) fn write_float_text(out: &mut String, x: f64, keep_point: bool) {
    if x.is_nan() {
        out.push_str("nan");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
        return;
    }
    if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0" } else { "0" });
        if keep_point {
            out.push_str(".0");
        }
        return;
    }
    // `ryu` finds the shortest digits that round-trip; only their layout
    // is chosen here.
    let mut buffer = ryu::Buffer::new();
    let (digits, exponent) = shortest_digits(buffer.format_finite(x));
    if x < 0.0 {
        out.push('-');
    }
    let digits = digits.as_slice();
    if !(SCIENTIFIC_BELOW..SCIENTIFIC_FROM).contains(&exponent) {
        push_ascii(out, &digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            push_ascii(out, &digits[1..]);
        }
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        out.push_str(itoa::Buffer::new().format(magnitude));
    } else if exponent < 0 {
        out.push_str("0.");
        for _ in 0..(-exponent - 1) {
            out.push('0');
        }
        push_ascii(out, digits);
    } else {
        let whole = exponent as usize + 1;
        if digits.len() <= whole {
            push_ascii(out, digits);
            for _ in digits.len()..whole {
                out.push('0');
            }
            if keep_point {
                out.push_str(".0");
            }
        } else {
            push_ascii(out, &digits[..whole]);
            out.push('.');
            push_ascii(out, &digits[whole..]);
        }
    }
}

pub(super) fn push_ascii(out: &mut String, digits: &[u8]) {
    // The digits come from `shortest_digits`, which keeps only b'0'..=b'9'.
    out.extend(digits.iter().map(|&d| d as char));
}

/// The significant digits of a finite, non-zero float's shortest text
/// (without leading or trailing zeros) and the decimal exponent of the
/// first one: `1234.5` gives (`12345`, 3), `1e-7` gives (`1`, -7).
pub(super) fn shortest_digits(text: &str) -> (SmallVec<[u8; 24]>, i32) {
    let text = text.trim_start_matches('-');
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let point = mantissa.find('.').unwrap_or(mantissa.len()) as i32;
    let mut digits: SmallVec<[u8; 24]> = SmallVec::new();
    let mut first = None;
    for (i, b) in mantissa.bytes().filter(u8::is_ascii_digit).enumerate() {
        if first.is_none() {
            if b == b'0' {
                continue;
            }
            first = Some(i as i32);
        }
        digits.push(b);
    }
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    // The first significant digit's place: `point - 1 - first` counted
    // from the units digit (the point sits after `point` digits).
    let exponent = exp + point - 1 - first.unwrap_or(0);
    (digits, exponent)
}
