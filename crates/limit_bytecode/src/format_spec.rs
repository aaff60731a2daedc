//! Format specs (§3.3a): `"{x:.2f}"` in interpolation and `format(v, spec)`.
//!
//! The spec is Python's format mini-language,
//! `[[fill]align][sign][#][0][width][,|_][.precision][type]`. Parsing and
//! checking a spec against the kind of value it formats are separate from
//! formatting (the VM's `runtime::format`), so that the compiler can reject
//! a bad spec for a value whose type it knows (`"{"s":d}"`) and the VM
//! raises `ConversionError` for the rest.

/// A parsed format spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatSpec {
    pub fill: Option<char>,
    pub align: Option<Align>,
    pub sign: Sign,
    /// `#`: `0x`/`0b`/`0o` prefixes; a point kept even without decimals.
    pub alternate: bool,
    /// `0` before the width: pad numbers with zeros after the sign.
    pub zero: bool,
    pub width: usize,
    /// `,` or `_` between groups of integer digits.
    pub grouping: Option<char>,
    pub precision: Option<usize>,
    pub kind: Option<char>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    Center,
    /// Padding between the sign (and prefix) and the digits.
    AfterSign,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    /// Only negative numbers get a sign (the default, `-`).
    Negative,
    /// `+`: positive numbers get `+`.
    Always,
    /// ` `: positive numbers get a space.
    Space,
}

/// What a spec is applied to, as far as checking it goes: the compiler
/// knows this for values of a known static type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatClass {
    Int,
    Float,
    Decimal,
    /// Any other value: strings, bools, collections, … (formatted as their
    /// printed text).
    Text,
}

impl FormatClass {
    /// Whether values of this class are numbers.
    pub fn is_number(self) -> bool {
        self != FormatClass::Text
    }
}

/// Widths and precisions above this are refused: formatting would build a
/// string beyond any limit a program could use.
const MAX_WIDTH: usize = 100_000_000;

impl FormatSpec {
    /// Reads a spec; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<FormatSpec, String> {
        let chars: Vec<char> = text.chars().collect();
        let mut spec = FormatSpec {
            fill: None,
            align: None,
            sign: Sign::Negative,
            alternate: false,
            zero: false,
            width: 0,
            grouping: None,
            precision: None,
            kind: None,
        };
        let mut i = 0;
        if let Some(align) = chars.get(1).copied().and_then(align_of) {
            spec.fill = Some(chars[0]);
            spec.align = Some(align);
            i = 2;
        } else if let Some(align) = chars.first().copied().and_then(align_of) {
            spec.align = Some(align);
            i = 1;
        }
        match chars.get(i) {
            Some('+') => spec.sign = Sign::Always,
            Some(' ') => spec.sign = Sign::Space,
            Some('-') => {}
            _ => i = i.wrapping_sub(1),
        }
        i = i.wrapping_add(1);
        if chars.get(i) == Some(&'#') {
            spec.alternate = true;
            i += 1;
        }
        if chars.get(i) == Some(&'0') {
            spec.zero = true;
            i += 1;
        }
        spec.width = read_number(&chars, &mut i, "width")?.unwrap_or(0);
        if let Some(&c @ (',' | '_')) = chars.get(i) {
            spec.grouping = Some(c);
            i += 1;
        }
        if chars.get(i) == Some(&'.') {
            i += 1;
            match read_number(&chars, &mut i, "precision")? {
                Some(precision) => spec.precision = Some(precision),
                None => return Err("a `.` in a format spec needs a precision after it".into()),
            }
        }
        if let Some(&c) = chars.get(i) {
            if !"dboxXfFeEgG%s".contains(c) {
                return Err(format!(
                    "unknown format type `{c}` (expected one of d b o x X f F e E g G % s)"
                ));
            }
            spec.kind = Some(c);
            i += 1;
        }
        if let Some(&c) = chars.get(i) {
            return Err(format!("unexpected `{c}` in format spec `{text}`"));
        }
        Ok(spec)
    }

    /// Whether this spec can format values of `class`; the error says why
    /// not.
    pub fn check(&self, class: FormatClass) -> Result<(), String> {
        match self.kind {
            Some(kind @ ('d' | 'b' | 'o' | 'x' | 'X')) if class != FormatClass::Int => {
                return Err(format!("format type `{kind}` needs an int"));
            }
            Some(kind @ ('f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%')) if !class.is_number() => {
                return Err(format!("format type `{kind}` needs a number"));
            }
            _ => {}
        }
        let as_text = !class.is_number() || self.kind == Some('s');
        if as_text {
            let number_only = if self.sign != Sign::Negative {
                Some("a sign")
            } else if self.alternate {
                Some("`#`")
            } else if self.grouping.is_some() {
                Some("a digit separator")
            } else if self.align == Some(Align::AfterSign) {
                Some("alignment `=`")
            } else {
                None
            };
            return match number_only {
                Some(what) => Err(format!("{what} applies to numbers only")),
                None => Ok(()),
            };
        }
        let integer_kind = matches!(self.kind, None | Some('d' | 'b' | 'o' | 'x' | 'X'));
        if class == FormatClass::Int && integer_kind && self.precision.is_some() {
            return Err("an int takes no precision (use `f` for decimals)".into());
        }
        if let (Some(','), Some(kind @ ('b' | 'o' | 'x' | 'X'))) = (self.grouping, self.kind) {
            return Err(format!("`,` cannot group the digits of `{kind}` (use `_`)"));
        }
        Ok(())
    }
}

fn align_of(c: char) -> Option<Align> {
    match c {
        '<' => Some(Align::Left),
        '>' => Some(Align::Right),
        '^' => Some(Align::Center),
        '=' => Some(Align::AfterSign),
        _ => None,
    }
}

fn read_number(chars: &[char], i: &mut usize, what: &str) -> Result<Option<usize>, String> {
    let start = *i;
    let mut n: usize = 0;
    while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(d as usize))
            .filter(|&n| n <= MAX_WIDTH)
            .ok_or_else(|| format!("format {what} is too large (at most {MAX_WIDTH})"))?;
        *i += 1;
    }
    Ok((*i > start).then_some(n))
}
