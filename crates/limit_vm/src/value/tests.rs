use super::*;

#[test]
fn million_long_chains_release_without_recursion() {
    // Each link's drop would recurse into the next one: a million of
    // them overflowed the Rust stack. Under Miri (a thousand times
    // slower) shorter chains take the same release paths.
    const LINKS: usize = if cfg!(miri) { 200 } else { 1_000_000 };
    let info = Rc::new(EnumInfo {
        name: "Chain".into(),
        variants: vec!["End".into(), "Link".into()],
    });
    let mut chain = Value::Nil;
    for _ in 0..LINKS {
        chain = Value::Enum(Rc::new(EnumValue::new(
            info.clone(),
            0,
            1,
            vec![chain].into_boxed_slice(),
        )));
    }
    drop(chain);
    let proto = std::sync::Arc::new(crate::program::FunctionProto::default());
    let mut f = Value::Nil;
    for i in 0..LINKS {
        // Alternate a captured value and a captured cell.
        let capture = if i % 2 == 0 {
            f
        } else {
            Value::Cell(Value::new_cell(f))
        };
        let captures: Captures = std::iter::once(capture).collect();
        f = Value::closure(Closure::new(0, proto.clone(), captures));
    }
    drop(f);
}

#[test]
fn identical_is_identity_not_equality() {
    let a = Value::list(vec![Value::Int(1)]);
    let b = Value::list(vec![Value::Int(1)]);
    assert!(a.identical(&a.clone()));
    assert!(!a.identical(&b), "equal lists are different objects");
    assert!(Value::Int(3).identical(&Value::Int(3)));
    assert!(!Value::Int(3).identical(&Value::Float(3.0)));
    assert!(!Value::Float(0.0).identical(&Value::Float(-0.0)));
    assert!(Value::Float(f64::NAN).identical(&Value::Float(f64::NAN)));
    assert!(!Value::Nil.identical(&a));
    // A list that holds itself is compared without looking inside.
    if let Value::List(l) = &a {
        l.items.borrow_mut().push(a.clone());
        assert!(a.identical(&a.clone()));
        l.items.borrow_mut().clear();
    }
}

#[test]
fn value_is_16_bytes() {
    assert_eq!(std::mem::size_of::<Value>(), 16);
    // The cached hash sits in what was padding after `ascii`.
    assert_eq!(std::mem::size_of::<Str>(), 24);
}

#[test]
fn floats_print_their_shortest_round_trip_text() {
    // §3.2: the fewest digits that read back, no fraction on an
    // integral value, scientific below 1e-4 and from 1e16.
    let table: &[(f64, &str)] = &[
        (5.0, "5"),
        (2.5, "2.5"),
        (12.56636, "12.56636"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1234567.891, "1234567.891"),
        (1e15, "1000000000000000"),
        (1e16, "1e+16"),
        (1.5e16, "1.5e+16"),
        (123456789012345680.0, "1.2345678901234568e+17"),
        (1e20, "1e+20"),
        (1e-5, "1e-05"),
        (-2.5e-7, "-2.5e-07"),
        (1e-100, "1e-100"),
        (5e-324, "5e-324"),
        (1.797_693_134_862_315_7e308, "1.7976931348623157e+308"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (f64::NAN, "nan"),
        (100000.0, "100000"),
        (1000000.0, "1000000"),
        (123456.7, "123456.7"),
        (0.0001, "0.0001"),
        (0.00012, "0.00012"),
        (-1.5, "-1.5"),
        (0.0, "0"),
        (-0.0, "-0"),
        (9007199254740993.0, "9007199254740992"),
    ];
    for (x, want) in table {
        assert_eq!(format_float(*x), *want, "formatting {x:?}");
        if !x.is_nan() {
            let back: f64 = want.parse().expect("the text is a float");
            assert_eq!(back.to_bits(), x.to_bits(), "{want} reads back");
        }
    }
    assert_eq!(repr_float(0.1 + 0.2), "0.30000000000000004");
    assert_eq!(repr_float(2.0), "2.0");
    assert_eq!(repr_float(-0.0), "-0.0");
    assert_eq!(repr_float(1e15), "1000000000000000.0");
    assert_eq!(repr_float(1e16), "1e+16");
    assert_eq!(repr_float(f64::NEG_INFINITY), "-inf");
}

#[test]
fn printing_quotes_strings_inside_collections() {
    let v = Value::list(vec![Value::str("a"), Value::Int(1)]);
    assert_eq!(display(&v), "[\"a\", 1]");
    assert_eq!(display(&Value::str("a")), "a");
    let t = Value::tuple(vec![Value::Int(1), Value::str("x")]);
    assert_eq!(display(&t), "(1, \"x\")");
    let mut m = DictMap::default();
    m.insert(Key(Value::str("a")), Value::Int(1));
    assert_eq!(display(&Value::dict(m)), "{\"a\": 1}");
    assert_eq!(
        display(&Value::error("DivisionByZero", "")),
        "DivisionByZero"
    );
    assert_eq!(
        display(&Value::error("DivisionByZero", "b is zero")),
        "DivisionByZero: b is zero"
    );
}

/// CPU seconds this thread has used (Linux), so that a loaded machine
/// does not fail a timing test; wall-clock time elsewhere.
fn thread_cpu_seconds(wall_start: std::time::Instant) -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and
    // stime are the 12th and 13th of them, in clock ticks of 1/100 s.
    let after_name = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    match (fields.get(11), fields.get(12)) {
        (Some(user), Some(system)) => {
            let ticks: f64 =
                user.parse::<f64>().unwrap_or(0.0) + system.parse::<f64>().unwrap_or(0.0);
            ticks / 100.0
        }
        _ => wall_start.elapsed().as_secs_f64(),
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a timing check over 100 000 inserts: CPU time means nothing under Miri, \
              which would take hours; only hashing and the map, no unsafe code"
)]
fn keys_that_collided_under_the_unseeded_hash_insert_quickly() {
    // Under FxHash, `j << 46` left the bucket bits and the hashbrown tag
    // bits the same for every key: 100 000 of them fell into a few
    // hundred probe chains (issue 18 item 18).
    let started = std::time::Instant::now();
    let cpu_before = thread_cpu_seconds(started);
    let mut map = DictMap::default();
    for j in 0..100_000i64 {
        map.insert(Key(Value::Int(j << 46)), Value::Int(j));
    }
    for j in 0..100_000i64 {
        assert!(map.contains_key(&Key(Value::Int(j << 46))));
    }
    let spent = thread_cpu_seconds(started) - cpu_before;
    assert_eq!(map.len(), 100_000);
    assert!(
        spent < 1.0,
        "100 000 adversarial keys took {spent} s of CPU"
    );
}

/// `count` ASCII strings of 64 bytes whose rustc-hash 2 byte hash (the
/// old dict string hash) is one and the same. That hash mixes 16-byte
/// chunks as `t = mix(s ^ x, C ^ y)`, where `mix(a, b)` folds the
/// 128-bit product `a * b`: when `x` equals the state `s`, `t` is 0
/// whatever `y` is. The first chunk is chosen (by search) so that the
/// state reaching the third chunk is ASCII; the third chunk then starts
/// with that state and ends with the 8 free bytes that tell keys apart.
fn keys_colliding_under_the_old_string_hash(count: u32) -> Vec<String> {
    const SEED1: u64 = 0x243f_6a88_85a3_08d3;
    const ZERO_GUARD: u64 = 0xa409_3822_299f_31d0;
    let mix = |x: u64, y: u64| {
        let full = u128::from(x) * u128::from(y);
        (full as u64) ^ ((full >> 64) as u64)
    };
    let ascii = |w: u64| w.to_le_bytes().iter().all(|b| b.is_ascii());
    let word = |w: u64| String::from_utf8(w.to_le_bytes().to_vec()).unwrap();
    // Chunk 0: ASCII words x0 (searched) and y0 (fixed) making the
    // state t0 ASCII; chunk 1 (the other stream) is fixed.
    let y0 = u64::from_le_bytes(*b"chunk0y0");
    let (x0, t0) = (0u64..)
        .map(|i| {
            let x0 = u64::from_le_bytes(
                format!("{:08}", i % 100_000_000)
                    .as_bytes()
                    .try_into()
                    .unwrap(),
            );
            (x0, mix(SEED1 ^ x0, ZERO_GUARD ^ y0))
        })
        .find(|&(_, t0)| ascii(t0))
        .unwrap();
    let prefix = format!("{}chunk0y0{}{}", word(x0), "chunk1:anything.", word(t0));
    (0..count)
        .map(|i| format!("{prefix}{i:08}{}", "the same suffix!"))
        .collect()
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a timing check over 100 000 inserts: CPU time means nothing under Miri, \
              which would take hours; only hashing and the map, no unsafe code"
)]
fn string_keys_that_collided_under_the_old_hash_insert_quickly() {
    let keys = keys_colliding_under_the_old_string_hash(100_000);
    // They did collide: every one has the same old hash.
    let old_hash = |k: &str| {
        let mut h = rustc_hash::FxHasher::default();
        h.write(k.as_bytes());
        h.finish()
    };
    let first = old_hash(&keys[0]);
    assert!(keys.iter().all(|k| k.len() == 64 && old_hash(k) == first));
    let started = std::time::Instant::now();
    let cpu_before = thread_cpu_seconds(started);
    let mut map = DictMap::default();
    for (i, k) in keys.iter().enumerate() {
        map.insert(Key(Value::str(k)), Value::Int(i as i64));
    }
    for k in &keys {
        assert!(map.contains_key(&Key(Value::str(k))));
    }
    let spent = thread_cpu_seconds(started) - cpu_before;
    assert_eq!(map.len(), 100_000);
    assert!(
        spent < 1.0,
        "100 000 adversarial strings took {spent} s of CPU"
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "45 000 probes of a degenerate hash table take minutes under Miri; \
              the table and the step meter are safe code"
)]
fn wasted_probes_are_charged_to_the_step_budget() {
    // A table whose every key lands in one chain: each insert compares
    // the new key with all earlier ones. Keys whose 32-bit hashes collide
    // too (as keys made by someone who knew the seed would) have their
    // bytes compared, and each such false match is charged: 300 keys make
    // about 45 000 wasted probes, more than a 100-step budget (25 600
    // units). Keys whose hashes differ are told apart by the hash, not
    // charged, so that what is charged does not depend on the seed.
    #[derive(Default)]
    struct Constant;
    impl Hasher for Constant {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, _: &[u8]) {}
    }
    let key = |j: i64, colliding: bool| {
        let text = Value::string(format!("key{j:05}"));
        if let (Value::Str(s), true) = (&text, colliding) {
            s.hash.set(7);
        }
        Key(text)
    };
    crate::limits::install(crate::limits::Limits {
        max_steps: Some(100),
        ..crate::limits::Limits::default()
    });
    let mut map: IndexMap<Key, Value, std::hash::BuildHasherDefault<Constant>> =
        IndexMap::default();
    for j in 0..300i64 {
        map.insert(key(j, false), Value::Nil);
    }
    assert!(
        crate::limits::check_pending().is_ok(),
        "300 keys told apart by their hashes: nothing charged"
    );
    let mut map: IndexMap<Key, Value, std::hash::BuildHasherDefault<Constant>> =
        IndexMap::default();
    for j in 0..100i64 {
        map.insert(key(j, true), Value::Nil);
    }
    assert!(
        crate::limits::check_pending().is_ok(),
        "100 keys: 4 950 probes"
    );
    for j in 100..300i64 {
        map.insert(key(j, true), Value::Nil);
    }
    let e = crate::limits::check_pending().unwrap_err();
    assert_eq!(&*e.kind, crate::errors::kinds::RESOURCE_LIMIT);
    crate::limits::install(crate::limits::Limits::default());
}

#[test]
fn string_hashes_are_seeded_per_process_and_consistent_within_it() {
    // The same text hashes alike within the process (dicts depend on
    // it), and two texts almost never collide in the 32-bit hash.
    let a = Str::new("k1".into(), true);
    let b = Str::new("k1".into(), true);
    assert_eq!(a.hash_code(), b.hash_code());
    const TEXTS: usize = if cfg!(miri) { 200 } else { 10_000 };
    let mut seen = std::collections::HashSet::new();
    for i in 0..TEXTS {
        seen.insert(Str::new(format!("k{i}").into(), true).hash_code());
    }
    assert!(
        seen.len() >= TEXTS - TEXTS / 1000,
        "{} distinct hashes",
        seen.len()
    );
}

#[test]
fn int_float_equality_and_keys() {
    assert!(equals(&Value::Int(1), &Value::Float(1.0)));
    assert!(!equals(&Value::Int(1), &Value::Float(1.5)));
    let mut m = DictMap::default();
    m.insert(Key(Value::Int(1)), Value::Nil);
    assert!(m.contains_key(&Key(Value::Float(1.0))));
}

#[test]
fn int_text_len_matches_std_formatting() {
    let mut samples = vec![
        0,
        1,
        -1,
        9,
        10,
        -10,
        99,
        100,
        i64::MAX,
        i64::MIN,
        i64::MIN + 1,
    ];
    let mut p: i64 = 1;
    while let Some(next) = p.checked_mul(10) {
        samples.extend([p - 1, p, p + 1, -p, -(p - 1), -(p + 1)]);
        p = next;
    }
    samples.extend([p - 1, p, p + 1, -p]);
    for i in samples {
        let want = i.to_string();
        assert_eq!(int_text_len(i), want.len(), "length of {i}");
    }
}

fn key(text: &str) -> Key {
    Key(Value::str(text))
}

fn hash_of(k: &Key) -> u64 {
    use std::hash::BuildHasher;
    static STATE: std::sync::OnceLock<foldhash::fast::RandomState> = std::sync::OnceLock::new();
    STATE.get_or_init(Default::default).hash_one(k)
}

#[test]
fn string_keys_compare_and_hash_by_text() {
    for len in 0..40 {
        let text: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
        let (a, b) = (key(&text), key(&text));
        // Before and after either side's hash is cached.
        assert!(a == b, "{text:?}");
        assert_eq!(hash_of(&a), hash_of(&b), "{text:?}");
        assert!(a == b, "{text:?}");
        let (first, last) = (format!("_{text}"), format!("{text}_"));
        let (mut near_first, mut near_last) = (first.clone(), last.clone());
        near_first.replace_range(0..1, "-");
        near_last.replace_range(len..len + 1, "-");
        assert!(key(&first) != key(&near_first), "{first:?}");
        assert!(key(&last) != key(&near_last), "{last:?}");
        let (x, y) = (key(&last), key(&near_last));
        hash_of(&x);
        hash_of(&y);
        assert!(x != y, "{last:?} with hashes cached");
    }
    // Strings inside tuples hash by their text too.
    let t1 = Key(Value::tuple(vec![Value::str("ab"), Value::Int(1)]));
    let t2 = Key(Value::tuple(vec![
        Value::string("a".to_string() + "b"),
        Value::Int(1),
    ]));
    assert!(t1 == t2);
    assert_eq!(hash_of(&t1), hash_of(&t2));
}

#[test]
fn interpolation_writes_every_scalar_piece() {
    let pieces = [
        Value::str("é"),
        Value::Int(i64::MIN),
        Value::Bool(true),
        Value::Nil,
        Value::Float(0.5),
    ];
    let Value::Str(s) = interpolate(&pieces).unwrap() else {
        panic!("not a string");
    };
    assert_eq!(&*s.text, "é-9223372036854775808truenil0.5");
    assert!(!s.ascii);
    let Value::Str(s) = interpolate(&pieces[1..4]).unwrap() else {
        panic!("not a string");
    };
    assert_eq!(&*s.text, "-9223372036854775808truenil");
    assert!(s.ascii);
}

fn deep(n: usize) -> Value {
    let mut v = Value::list(vec![]);
    for _ in 0..n {
        v = Value::list(vec![v]);
    }
    v
}

#[test]
fn deep_lists_print_compare_and_drop() {
    // Iterative, so any depth is safe; Miri checks a smaller one.
    const DEPTH: usize = if cfg!(miri) { 100 } else { 100_000 };
    let a = deep(DEPTH);
    let b = deep(DEPTH);
    assert!(equals(&a, &b));
    let text = display(&a);
    assert_eq!(text.len(), 2 * (DEPTH + 1));
    drop(a);
    drop(b);
}

#[test]
fn short_texts_hash_by_every_byte_and_their_length() {
    // Texts up to 16 bytes are hashed from two overlapping words and the
    // length: texts whose words coincide ("abcdefgh" is both words of
    // itself and of "abcdefghabcdefgh") or that differ in one byte at
    // either end or in the middle hash apart.
    let hash = |t: &[u8]| text_hash(t);
    assert_ne!(hash(b"abcdefgh"), hash(b"abcdefghabcdefgh"));
    assert_ne!(hash(b"abcd"), hash(b"abcdabcd"));
    assert_ne!(hash(b""), hash(b"\0"));
    assert_ne!(hash(b"\0"), hash(b"\0\0"));
    let mut texts = std::collections::HashSet::new();
    for len in 0..=20usize {
        let base: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        for at in [0, len / 2, len.saturating_sub(1)] {
            for b in [b'0', b'1', b'~'] {
                let mut t = base.clone();
                if let Some(x) = t.get_mut(at) {
                    *x = b;
                }
                texts.insert(t);
            }
        }
    }
    let hashes: std::collections::HashSet<u32> = texts.iter().map(|t| hash(t)).collect();
    assert_eq!(hashes.len(), texts.len());
}

#[test]
fn string_keys_meet_other_keys_in_one_dict() {
    // Strings equal only strings (the inlined comparison), numbers
    // compare by value whatever their kind (the general one).
    let mut m = DictMap::default();
    m.insert(Key(Value::Int(1)), Value::Int(10));
    m.insert(Key(Value::str("1")), Value::Int(20));
    m.insert(
        Key(Value::str("ü-mlaut and more than sixteen bytes")),
        Value::Int(30),
    );
    m.insert(Key(Value::str("é")), Value::Int(40));
    m.insert(Key(Value::Float(2.5)), Value::Int(50));
    let get = |k: Value| match m.get(&Key(k)) {
        Some(Value::Int(i)) => *i,
        _ => 0,
    };
    assert_eq!(get(Value::Float(1.0)), 10);
    assert_eq!(get(Value::string("1".to_string())), 20);
    assert_eq!(
        get(Value::string(format!(
            "ü-mlaut and more than {}",
            "sixteen bytes"
        ))),
        30
    );
    assert_eq!(get(Value::string("é".to_string())), 40);
    assert_eq!(get(Value::Float(2.5)), 50);
    // Near misses: the other kind, a prefix, another accent.
    assert_eq!(get(Value::str("2.5")), 0);
    assert_eq!(get(Value::Int(20)), 0);
    assert_eq!(get(Value::str("ü-mlaut and more than sixteen byte")), 0);
    assert_eq!(get(Value::str("è")), 0);
    assert!(Key(Value::str("1")) != Key(Value::Int(1)));
    assert!(Key(Value::Int(1)) != Key(Value::str("1")));
}
