//! The instance pointer: counts, fields, release, the collector's claim
//! (also when the registry holding it is not the installed one) and the
//! revival for `deinit`. Run under Miri too (.ci/miri), which reports a
//! block freed twice, used after it is freed, or leaked.

use super::*;
use crate::gc;
use crate::value::next_pending_deinit;

/// A class with fields `names`, a `deinit` when `deinit`, registered
/// with the collector unless `acyclic`.
pub(crate) fn class(names: &[&str], deinit: bool, acyclic: bool) -> Rc<Class> {
    Rc::new(Class {
        id: 0,
        name: "Probe".into(),
        field_names: names.iter().map(|&n| n.into()).collect(),
        public_fields: vec![true; names.len()],
        methods: Vec::new(),
        method_map: Default::default(),
        init: None,
        parent: None,
        is_data: false,
        is_abstract: false,
        value_makers: Vec::new(),
        printed: Default::default(),
        deinit: deinit.then_some(0),
        traits: Vec::new(),
        acyclic,
        lineage: 0,
    })
}

fn instance_of(v: &Value) -> &InstanceRef {
    match v {
        Value::Instance(i) => i,
        _ => unreachable!("an instance"),
    }
}

#[test]
fn counts_fields_and_release() {
    let k = class(&["a", "b", "c"], false, true);
    let two = Value::str("two");
    let before = limits::heap_bytes();
    let inst = InstanceRef::new(k.clone(), [Value::Int(1), two]);
    assert_eq!(limits::heap_bytes() - before, heap_bytes(3));
    assert_eq!(inst.strong_count(), 1);
    // A missing field is nil; an extra one is dropped.
    assert!(matches!(inst.get(2), Some(Value::Nil)));
    assert!(inst.get(3).is_none());
    let again = inst.clone();
    assert_eq!(inst.strong_count(), 2);
    assert!(InstanceRef::ptr_eq(&inst, &again));
    assert!(again.set(0, Value::Int(5)));
    assert!(!again.set(3, Value::Int(6)));
    assert!(matches!(inst.get(0), Some(Value::Int(5))));
    drop(again);
    assert_eq!(inst.strong_count(), 1);
    // The class is held once by the instance.
    assert_eq!(Rc::strong_count(&k), 2);
    // An instance holding itself: a field write of the same instance.
    assert!(inst.set(1, Value::Instance(inst.clone())));
    assert_eq!(inst.strong_count(), 2);
    assert_eq!(inst.take_values().len(), 3);
    assert_eq!(inst.strong_count(), 1);
    drop(inst);
    assert_eq!(Rc::strong_count(&k), 1);
    // The instance's bytes and its string's are released.
    assert!(limits::heap_bytes() < before);
}

#[test]
fn a_dying_instance_clears_its_registry_slot() {
    let k = class(&["x"], false, false);
    let v = Value::instance(k, [Value::Int(1)]);
    let slot = instance_of(&v).gc_slot();
    assert_ne!(slot, gc::NO_SLOT);
    let registered = gc::registered();
    drop(v);
    assert_eq!(gc::registered(), registered - 1);
    // An acyclic class's instances are not registered.
    let k = class(&["x"], false, true);
    let v = Value::instance(k, [Value::Int(1)]);
    assert_eq!(instance_of(&v).gc_slot(), gc::NO_SLOT);
}

#[test]
fn an_instance_dying_while_its_registry_is_away_is_freed_by_the_registry() {
    let k = class(&["x"], false, false);
    let v = Value::instance(k.clone(), [Value::Int(1)]);
    // Another engine's registry installed (isolate.rs): the instance's
    // registry is swapped out when it dies.
    let mut away = None;
    let mut due = false;
    assert!(gc::swap_registry(&mut away, &mut due));
    drop(v);
    // Its fields and class are released at once; the block waits.
    assert_eq!(Rc::strong_count(&k), 1);
    assert!(gc::swap_registry(&mut away, &mut due));
    // A collection (or a prune) frees the zombie's block and slot.
    let registered = gc::registered();
    gc::collect();
    assert_eq!(gc::registered(), registered - 1);
}

#[test]
fn a_registry_dropped_before_its_instances_lets_them_free_themselves() {
    let k = class(&["x"], false, false);
    let mut mine = None;
    let mut due = false;
    // A fresh registry, as an engine's.
    assert!(gc::swap_registry(&mut mine, &mut due));
    let v = Value::instance(k, [Value::Int(1)]);
    assert_ne!(instance_of(&v).gc_slot(), gc::NO_SLOT);
    assert!(gc::swap_registry(&mut mine, &mut due));
    drop(mine);
    assert_eq!(instance_of(&v).gc_slot(), gc::NO_SLOT);
    drop(v);
}

#[test]
fn the_last_reference_revives_an_instance_with_a_deinit_once() {
    let k = class(&["x"], true, false);
    let v = Value::instance(k, [Value::str("kept")]);
    let address = instance_of(&v).as_ptr();
    drop(v);
    let revived = next_pending_deinit().expect("queued for deinit");
    let inst = instance_of(&revived);
    // Revived in place, fields intact, marked finalised.
    assert_eq!(inst.as_ptr(), address);
    assert!(inst.finalized());
    assert!(matches!(inst.get(0), Some(Value::Str(_))));
    drop(revived);
    assert!(next_pending_deinit().is_none());
}

#[test]
fn a_cycle_of_instances_is_collected() {
    let k = class(&["other"], false, false);
    let a = Value::instance(k.clone(), []);
    let b = Value::instance(k.clone(), [a.clone()]);
    instance_of(&a).set(0, b.clone());
    drop((a, b));
    assert_eq!(Rc::strong_count(&k), 3);
    assert_eq!(gc::collect().freed, 2);
    assert_eq!(Rc::strong_count(&k), 1);
}
