//! The natives behind `std.time` (docs/stdlib.md), with `jiff`: the
//! clock, and the calendar arithmetic of the `DateTime` frame. A date-time
//! is an instant (seconds since the epoch, a float) with a fixed offset
//! from UTC (seconds east); its calendar fields are computed here.

use jiff::fmt::strtime;
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::value::{display, to_f64, Value};

/// The ISO 8601 / RFC 3339 forms `DateTime.parse(text)` accepts, most
/// specific first.
const ISO_FORMS: [&str; 8] = [
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
];

fn seconds(a: &[Value], i: usize) -> Result<f64, Trap> {
    let v = a.get(i).unwrap_or(&Value::Nil);
    match to_f64(v) {
        Some(x) => Ok(x),
        None => fail(
            kinds::TYPE_ERROR,
            &format!("time expects a number of seconds, got {}", v.type_name()),
        ),
    }
}

fn int(a: &[Value], i: usize) -> i64 {
    match a.get(i) {
        Some(Value::Int(n)) => *n,
        _ => 0,
    }
}

/// The instant `epoch` seconds after 1970-01-01T00:00:00Z, to the
/// nanosecond; outside jiff's range (years -9999 to 9999) a `ConversionError`.
fn timestamp(epoch: f64) -> Result<Timestamp, Trap> {
    let whole = epoch.floor();
    let nanos = ((epoch - whole) * 1e9).round().min(999_999_999.0) as i32;
    let range = || {
        crate::errors::trap(
            kinds::CONVERSION_ERROR,
            &format!("{epoch} seconds is outside the years -9999 to 9999"),
        )
    };
    if !whole.is_finite() || whole.abs() > 1e15 {
        return Err(range());
    }
    Timestamp::new(whole as i64, nanos).map_err(|_| range())
}

fn epoch_of(t: Timestamp) -> f64 {
    t.as_second() as f64 + f64::from(t.subsec_nanosecond()) / 1e9
}

fn offset(seconds: i64) -> Result<Offset, Trap> {
    i32::try_from(seconds)
        .ok()
        .and_then(|s| Offset::from_seconds(s).ok())
        .map_or_else(
            || {
                fail(
                    kinds::CONVERSION_ERROR,
                    &format!("offset of {seconds} seconds is not between -25:59:59 and +25:59:59"),
                )
            },
            Ok,
        )
}

/// `fields(epoch, offset)`: `[year, month, day, hour, minute, second,
/// weekday (1 is Monday), day of the year]` of the instant at that offset.
pub(crate) fn fields(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let t = timestamp(seconds(a, 0)?)?;
    let dt = offset(int(a, 1))?.to_datetime(t);
    let parts = [
        i64::from(dt.year()),
        i64::from(dt.month()),
        i64::from(dt.day()),
        i64::from(dt.hour()),
        i64::from(dt.minute()),
        i64::from(dt.second()),
        i64::from(dt.weekday().to_monday_one_offset()),
        i64::from(dt.day_of_year()),
    ];
    Ok(Value::list(parts.into_iter().map(Value::Int).collect()))
}

/// `local_offset(epoch)`: the system time zone's offset at that instant.
pub(crate) fn local_offset(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let t = timestamp(seconds(a, 0)?)?;
    Ok(Value::Int(i64::from(
        TimeZone::system().to_offset(t).seconds(),
    )))
}

/// `from_fields(year, month, day, hour, minute, second, offset)`: the
/// instant, or a `ConversionError` value for a date that does not exist.
pub(crate) fn from_fields(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let small = |i: usize| i8::try_from(int(a, i)).unwrap_or(i8::MAX);
    let year = i16::try_from(int(a, 0)).unwrap_or(i16::MAX);
    let made =
        jiff::civil::DateTime::new(year, small(1), small(2), small(3), small(4), small(5), 0)
            .map_err(|e| e.to_string())
            .and_then(|dt| {
                let off = offset(int(a, 6)).map_err(|t| t.message.to_string())?;
                off.to_timestamp(dt).map_err(|e| e.to_string())
            });
    Ok(match made {
        Ok(t) => Value::Float(epoch_of(t)),
        Err(e) => Value::error(kinds::CONVERSION_ERROR, &e),
    })
}

/// `parse(text, fmt)`: `(epoch, offset)`, or a `ParseError` value. An
/// empty `fmt` accepts the ISO 8601 forms; a text without an offset is UTC.
pub(crate) fn parse(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let (text, fmt) = (display(&a[0]), display(&a[1]));
    let forms: Vec<&str> = if fmt.is_empty() {
        ISO_FORMS.to_vec()
    } else {
        vec![fmt.as_str()]
    };
    let mut last_error = String::new();
    for form in forms {
        match parse_with(&text, form) {
            Ok((epoch, off)) => {
                return Ok(Value::tuple(vec![Value::Float(epoch), Value::Int(off)]))
            }
            Err(e) => last_error = e,
        }
    }
    let expected = if fmt.is_empty() {
        "an ISO 8601 date-time".to_string()
    } else {
        format!("the format {fmt:?}")
    };
    Ok(Value::error(
        "ParseError",
        &format!("{text:?} is not {expected}: {last_error}"),
    ))
}

fn parse_with(text: &str, form: &str) -> Result<(f64, i64), String> {
    let broken = strtime::parse(form, text).map_err(|e| e.to_string())?;
    let off = broken.offset().unwrap_or(Offset::UTC);
    let dt = match broken.to_datetime() {
        Ok(dt) => dt,
        // A date alone is its midnight.
        Err(_) => broken
            .to_date()
            .map_err(|e| e.to_string())?
            .to_datetime(jiff::civil::Time::midnight()),
    };
    let t = off.to_timestamp(dt).map_err(|e| e.to_string())?;
    Ok((epoch_of(t), i64::from(off.seconds())))
}

/// `format(epoch, offset, fmt)`: strftime-style text; an unknown
/// directive is an `Error` trap (the format is the program's own).
pub(crate) fn format(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let t = timestamp(seconds(a, 0)?)?;
    let zoned = t.to_zoned_datetime(TimeZone::fixed(offset(int(a, 1))?));
    let fmt = display(&a[2]);
    match strtime::format(fmt.as_bytes(), &zoned) {
        Ok(text) => {
            crate::limits::check_string(text.len())?;
            Ok(Value::string(text))
        }
        Err(e) => fail(kinds::ERROR, &format!("bad date format {fmt:?}: {e}")),
    }
}
