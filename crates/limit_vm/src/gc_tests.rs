//! The cycle collector's unit tests (gc.rs).

use super::*;

#[test]
fn a_list_cycle_is_freed_and_a_rooted_one_kept() {
    let a = Value::list(vec![]);
    let b = Value::list(vec![a.clone()]);
    if let Value::List(l) = &a {
        l.items.borrow_mut().push(b.clone());
    }
    let weak = match &a {
        Value::List(l) => Rc::downgrade(l),
        _ => unreachable!(),
    };
    let kept = Value::list(vec![]);
    if let Value::List(l) = &kept {
        l.items.borrow_mut().push(kept.clone());
    }
    drop(a);
    drop(b);
    let c = collect();
    assert_eq!(c.freed, 2);
    assert_eq!(weak.strong_count(), 0);
    // `kept` is referenced from here: not garbage.
    assert_eq!(collect().freed, 0);
    if let Value::List(l) = &kept {
        l.items.borrow_mut().clear();
    }
}

/// A list holding itself, and a weak handle to it.
fn self_cycle() -> (Value, Weak<List>) {
    let a = Value::list(vec![]);
    let Value::List(l) = &a else { unreachable!() };
    l.items.borrow_mut().push(a.clone());
    let weak = Rc::downgrade(l);
    (a, weak)
}

#[test]
fn a_young_collection_frees_young_cycles_and_leaves_old_ones_to_a_full_one() {
    let (old, old_weak) = self_cycle();
    // A collection makes every object registered so far old.
    assert_eq!(collect_in(Scope::Due).freed, 0);
    let (young, young_weak) = self_cycle();
    drop(old);
    drop(young);
    let c = collect_in(Scope::Due);
    // Only the young cycle was examined, and freed.
    assert_eq!((c.freed, c.examined), (1, 1));
    assert_eq!(young_weak.strong_count(), 0);
    assert_eq!(old_weak.strong_count(), 1);
    assert_eq!(collect().freed, 1);
    assert_eq!(old_weak.strong_count(), 0);
}

#[test]
fn a_young_object_reached_only_from_an_old_one_survives_a_young_collection() {
    let holder = Value::list(vec![]);
    assert_eq!(collect_in(Scope::Due).freed, 0);
    let (young, young_weak) = self_cycle();
    let Value::List(h) = &holder else {
        unreachable!()
    };
    h.items.borrow_mut().push(young.clone());
    drop(young);
    assert_eq!(collect_in(Scope::Due).freed, 0);
    // Held by itself and by the holder.
    assert_eq!(young_weak.strong_count(), 2);
    // Dropping the holder frees the cycle's outside reference; it is
    // old by now, so the full collection frees it.
    drop(holder);
    assert_eq!(collect_in(Scope::Due).freed, 0);
    assert_eq!(young_weak.strong_count(), 1);
    assert!(collect().freed >= 1);
    assert_eq!(young_weak.strong_count(), 0);
}

#[test]
fn cells_and_closures_register_only_once_they_can_reach_a_container() {
    let proto = std::sync::Arc::new(crate::program::FunctionProto::default());
    let closure = |capture: Value| {
        Value::closure(Closure::new(
            0,
            proto.clone(),
            std::iter::once(capture).collect(),
        ))
    };
    let start = registered();
    let cell = Value::new_cell(Value::Int(1));
    let over_number = closure(Value::Int(3));
    assert_eq!(
        registered(),
        start,
        "a cell of a number, a closure over a number"
    );
    let over_cell = closure(Value::Cell(cell.clone()));
    assert_eq!(registered(), start, "a closure over a cell");
    let over_list = closure(Value::list(vec![]));
    assert_eq!(registered(), start + 2, "a closure over a list, the list");
    drop(over_list);
    // The cell comes to hold a list holding the closure: a cycle, found
    // through the list, which holds the closure.
    cell.set(Value::list(vec![over_cell.clone()]));
    assert_eq!(registered(), start + 2, "the list and the cell");
    drop((over_cell, over_number));
    drop(cell);
    assert_eq!(collect().freed, 3);
    assert_eq!(registered(), start);
}

/// A closure (function 0 of no program) over `captures`.
fn closure_over(captures: Vec<Value>) -> Value {
    let proto = std::sync::Arc::new(crate::program::FunctionProto::default());
    Value::closure(Closure::new(0, proto, captures.into_iter().collect()))
}

fn weak_closure(v: &Value) -> Weak<Closure> {
    let Value::Function(rc) = v else {
        unreachable!()
    };
    Rc::downgrade(rc)
}

#[test]
fn a_closure_stored_in_the_cell_it_captures_is_freed_with_it() {
    let cell = Value::new_cell(Value::Nil);
    let f = closure_over(vec![Value::Cell(cell.clone())]);
    let weak = weak_closure(&f);
    // The cell registers on holding a function; the closure does not.
    let start = registered();
    cell.set(f.clone());
    assert_eq!(registered(), start + 1);
    drop(f);
    // Rooted by `cell`: kept, and its stand-in slot given back.
    assert_eq!(collect().freed, 0);
    let Value::Function(rc) = cell.borrow().clone() else {
        unreachable!()
    };
    assert_eq!(rc.gc_slot.get(), NO_SLOT);
    drop(rc);
    drop(cell);
    let c = collect();
    assert_eq!((c.freed, weak.strong_count()), (2, 0));
}

#[test]
fn closures_held_twice_by_one_list_and_by_two_lists_are_counted_once() {
    // a = [f, f, g]; b = [g]; f and g capture a cell holding a; b is
    // held from here until the end.
    let cell = Value::new_cell(Value::Nil);
    let f = closure_over(vec![Value::Cell(cell.clone()), Value::Int(1)]);
    let g = closure_over(vec![Value::Int(2), Value::Cell(cell.clone())]);
    let a = Value::list(vec![f.clone(), f.clone(), g.clone()]);
    let b = Value::list(vec![g.clone()]);
    cell.set(a);
    let (wf, wg) = (weak_closure(&f), weak_closure(&g));
    drop((f, g, cell));
    // `g` is held by `b`, a root: everything stays.
    assert_eq!(collect().freed, 0);
    assert_eq!((wf.strong_count(), wg.strong_count()), (2, 2));
    drop(b);
    // The list a, the cell, f and g; and b, which died by itself.
    assert_eq!(collect().freed, 4);
    assert_eq!((wf.strong_count(), wg.strong_count()), (0, 0));
}

#[test]
fn a_closure_over_scalars_alone_is_not_counted_among_the_freed() {
    let f = closure_over(vec![Value::Int(7)]);
    let weak = weak_closure(&f);
    let (a, _) = self_cycle();
    let Value::List(l) = &a else { unreachable!() };
    l.items.borrow_mut().push(f);
    drop(a);
    // The list only: the closure is freed with it but never examined.
    assert_eq!(collect().freed, 1);
    assert_eq!(weak.strong_count(), 0);
}

#[test]
fn a_closure_reached_only_from_a_tuple_keeps_its_cycle() {
    // cell -> tuple -> closure -> cell: tuples are not registered, so
    // the cycle counts as held from outside (as it did when closures
    // over cells registered).
    let cell = Value::new_cell(Value::Nil);
    let f = closure_over(vec![Value::Cell(cell.clone())]);
    let weak = weak_closure(&f);
    cell.set(Value::tuple(vec![f]));
    drop(cell);
    assert_eq!(collect().freed, 0);
    assert_eq!(weak.strong_count(), 1);
    // Break it by hand so that the test leaves nothing behind.
    let rc = weak.upgrade().expect("kept by its cycle");
    let Value::Cell(cell) = rc.captures[0].clone() else {
        unreachable!()
    };
    drop(rc);
    cell.set(Value::Nil);
    drop(cell);
    assert_eq!(weak.strong_count(), 0);
}

#[test]
fn containers_released_inside_others_free_their_slots_at_once() {
    let proto = std::sync::Arc::new(crate::program::FunctionProto::default());
    let start = registered();
    // Each level: a list holding the level below, a dict and a closure
    // over a cell, each holding the level below too.
    let mut level = Value::list(vec![]);
    for _ in 0..50 {
        let mut map = crate::value::DictMap::default();
        map.insert(crate::value::Key(Value::Int(0)), level.clone());
        let cell = Value::Cell(Value::new_cell(level.clone()));
        let closure = Value::closure(Closure::new(
            0,
            proto.clone(),
            std::iter::once(cell).collect(),
        ));
        level = Value::list(vec![level, Value::dict(map), closure]);
    }
    // The list, the dict and the cell of each level (a closure over a
    // cell is not registered).
    assert_eq!(registered(), start + 1 + 50 * 3);
    drop(level);
    // No prune has run: every object gave up its own slot.
    assert_eq!(registered(), start);
}

#[test]
fn a_borrowed_container_is_a_root() {
    let a = Value::list(vec![]);
    let Value::List(l) = &a else { unreachable!() };
    l.items.borrow_mut().push(a.clone());
    let l = l.clone();
    drop(a);
    let weak = Rc::downgrade(&l);
    {
        let _in_use = l.items.borrow_mut();
        assert_eq!(collect().freed, 0);
    }
    drop(l);
    assert_eq!(collect().freed, 1);
    assert_eq!(weak.strong_count(), 0);
}
