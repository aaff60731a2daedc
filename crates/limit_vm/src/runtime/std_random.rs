//! The natives behind `std.random` (docs/stdlib.md): a small seedable
//! generator (PCG, `rand_pcg::Pcg64Mcg`) with `rand`'s distributions, so a
//! seeded run gives the same numbers on every platform. Each program (each
//! VM) has its own generator, seeded from the clock until `seed(n)`.

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::value::Value;

/// This VM's generator, made on first use from the VM's clock-seeded
/// state (that of the built-in `random()`).
fn generator(vm: &mut Vm) -> &mut Pcg64Mcg {
    let seed = vm.rng_state;
    vm.std_rng
        .get_or_insert_with(|| Pcg64Mcg::seed_from_u64(seed))
}

/// `seed(n)`: from now on the numbers are those of seed `n`.
pub(crate) fn seed(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let n = match &a[0] {
        Value::Int(n) => *n as u64,
        other => {
            return fail(
                kinds::TYPE_ERROR,
                &format!("random.seed expects an int, got {}", other.type_name()),
            )
        }
    };
    vm.std_rng = Some(Pcg64Mcg::seed_from_u64(n));
    Ok(Value::Nil)
}

/// `int(a, b)`: uniform in `a..=b`; `a > b` is an `Error` trap.
pub(crate) fn int(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let (Value::Int(low), Value::Int(high)) = (&a[0], &a[1]) else {
        return fail(kinds::TYPE_ERROR, "random.int expects two ints");
    };
    let (low, high) = (*low, *high);
    if low > high {
        return fail(
            kinds::ERROR,
            &format!("random.int: empty range {low}..={high}"),
        );
    }
    Ok(Value::Int(generator(vm).random_range(low..=high)))
}

/// `float()`: uniform in `[0, 1)`.
pub(crate) fn float(vm: &mut Vm, _: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Float(generator(vm).random::<f64>()))
}

/// The items of a list argument (a copy).
fn items(v: &Value, what: &str) -> Result<Vec<Value>, Trap> {
    match v {
        Value::List(l) => Ok(l.items.borrow().clone()),
        other => fail(
            kinds::TYPE_ERROR,
            &format!("random.{what} expects a list, got {}", other.type_name()),
        ),
    }
}

/// `choice(xs)`: one item; an empty list is an `IndexOutOfBounds` value.
pub(crate) fn choice(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let xs = items(&a[0], "choice")?;
    if xs.is_empty() {
        return Ok(Value::error(
            kinds::INDEX_OUT_OF_BOUNDS,
            "random.choice of an empty list",
        ));
    }
    let i = generator(vm).random_range(0..xs.len());
    Ok(xs[i].clone())
}

/// `shuffle(xs)`: the list's items put in a random order, in place.
pub(crate) fn shuffle(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let Value::List(l) = &a[0] else {
        return fail(
            kinds::TYPE_ERROR,
            &format!("random.shuffle expects a list, got {}", a[0].type_name()),
        );
    };
    crate::limits::charge_units(2 * l.items.borrow().len() as u64)?;
    let mut xs = l.items.borrow().clone();
    xs.shuffle(generator(vm));
    *l.items.borrow_mut() = xs;
    Ok(Value::Nil)
}

/// `sample(xs, k)`: `k` distinct items (by position), in random order;
/// `k` outside `0..=len` is an `IndexOutOfBounds` trap.
pub(crate) fn sample(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let xs = items(&a[0], "sample")?;
    let k = match &a[1] {
        Value::Int(k) => *k,
        other => {
            return fail(
                kinds::TYPE_ERROR,
                &format!(
                    "random.sample expects an int count, got {}",
                    other.type_name()
                ),
            )
        }
    };
    if k < 0 || k as u64 > xs.len() as u64 {
        return fail(
            kinds::INDEX_OUT_OF_BOUNDS,
            &format!("random.sample of {k} items from a list of {}", xs.len()),
        );
    }
    crate::limits::charge_units(2 * xs.len() as u64)?;
    let picked = rand::seq::index::sample(generator(vm), xs.len(), k as usize);
    Ok(Value::list(
        picked.into_iter().map(|i| xs[i].clone()).collect(),
    ))
}
