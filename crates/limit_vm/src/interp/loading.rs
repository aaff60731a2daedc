//! Loading a program: functions made ready to run, constants, classes,
//! enums and method maps.

use super::*;

/// Function `f` of a program, ready to run: its code moved out of the
/// program (which keeps the rest of the prototype, what validating later
/// code needs) and a guard at its end (falling off the end, or jumping to
/// `len`, returns nil).
pub(super) fn prepared_function(f: &mut FunctionProto) -> Arc<FunctionProto> {
    let mut code = std::mem::take(&mut f.code);
    let mut lines = std::mem::take(&mut f.lines);
    code.push(Op::ReturnNil);
    if let Some(&pos) = lines.last() {
        lines.push(pos);
    }
    Arc::new(FunctionProto {
        code,
        lines,
        ..f.clone()
    })
}

/// What a released function slot runs: nothing calls it (see
/// `ProgramUpdate::released`), and were something to, it returns nil.
pub(super) fn released_function() -> Arc<FunctionProto> {
    static RELEASED: std::sync::OnceLock<Arc<FunctionProto>> = std::sync::OnceLock::new();
    RELEASED
        .get_or_init(|| prepared_function(&mut FunctionProto::released()))
        .clone()
}

/// Appends the continuation functions (native callbacks' drivers), which
/// follow the program's own.
pub(super) fn push_continuations(functions: &mut Vec<Arc<FunctionProto>>) {
    for mut f in callbacks::continuation_protos() {
        f.code.push(Op::ReturnNil);
        functions.push(Arc::new(f));
    }
}

/// The method a string constant names (for `Invoke` by constant).
pub(super) fn constant_method(c: &Constant) -> Method {
    match c {
        Constant::Str(s) => Method::from_name(s),
        _ => Method::Unknown,
    }
}

pub(super) fn enum_infos(enums: &[crate::program::EnumDef]) -> Vec<Rc<EnumInfo>> {
    enums.iter().map(enum_info).collect()
}

pub(super) fn enum_info(e: &crate::program::EnumDef) -> Rc<EnumInfo> {
    Rc::new(EnumInfo {
        name: e.name.as_str().into(),
        variants: e.variants.iter().map(|v| v.as_str().into()).collect(),
    })
}

/// The enum descriptions after a session's update: an enum the update
/// leaves as it was keeps its description, so values made by earlier
/// chunks still equal the same variant written in later ones (equality
/// compares descriptions by identity).
pub(super) fn updated_enum_infos(
    before: &[Rc<EnumInfo>],
    enums: &[crate::program::EnumDef],
) -> Vec<Rc<EnumInfo>> {
    let unchanged = |old: &EnumInfo, def: &crate::program::EnumDef| {
        *old.name == *def.name
            && old
                .variants
                .iter()
                .map(|v| &**v)
                .eq(def.variants.iter().map(String::as_str))
    };
    enums
        .iter()
        .enumerate()
        .map(|(i, def)| match before.get(i) {
            Some(old) if unchanged(old, def) => old.clone(),
            _ => enum_info(def),
        })
        .collect()
}

pub(super) fn constant_value(c: &Constant) -> Value {
    match c {
        Constant::Nil => Value::Nil,
        Constant::Bool(b) => Value::Bool(*b),
        Constant::Int(i) => Value::Int(*i),
        Constant::BigInt(b) => Value::from_bigint(b.clone()),
        Constant::Float(f) => Value::Float(*f),
        Constant::Str(s) => Value::str(s),
    }
}

pub(super) fn build_classes(defs: &[crate::program::ClassDef], lineage: u64) -> Vec<Rc<Class>> {
    let method_maps = method_maps(defs);
    defs.iter()
        .zip(method_maps)
        .enumerate()
        .map(|(id, (d, method_map))| {
            let methods: Vec<(Rc<str>, u32)> = d
                .methods
                .iter()
                .map(|(n, f)| (n.as_str().into(), *f))
                .collect();
            let init = method_map.get("init").copied();
            let deinit = method_map.get("deinit").copied();
            Rc::new(Class {
                id: id as u32,
                name: d.name.as_str().into(),
                field_names: d.field_names.iter().map(|f| f.as_str().into()).collect(),
                public_fields: d.public_fields.clone(),
                methods,
                method_map,
                init,
                parent: d.parent,
                is_data: d.is_data,
                is_abstract: d.is_abstract,
                value_makers: d.value_makers.clone(),
                printed: d.printed,
                deinit,
                traits: d.traits.iter().map(|t| t.as_str().into()).collect(),
                // A `deinit` is what a collection of garbage holding the
                // instance must still see (gc.rs: finalisation).
                acyclic: d.acyclic && deinit.is_none(),
                lineage,
            })
        })
        .collect()
}

/// Each class's methods by name, inherited ones included (a class's own
/// entries win). Every map starts from its parent's finished map, so a
/// hierarchy thousands of classes deep costs the total size of the maps,
/// not that times the depth. A parent cycle (no valid program has one) is
/// cut where it closes.
pub(super) fn method_maps(
    defs: &[crate::program::ClassDef],
) -> Vec<rustc_hash::FxHashMap<Rc<str>, u32>> {
    let mut maps: Vec<Option<rustc_hash::FxHashMap<Rc<str>, u32>>> = vec![None; defs.len()];
    let mut on_chain = vec![false; defs.len()];
    for id in 0..defs.len() {
        let mut chain = Vec::new();
        let mut next = Some(id);
        while let Some(current) = next {
            if maps[current].is_some() || on_chain[current] {
                break;
            }
            on_chain[current] = true;
            chain.push(current);
            next = defs[current]
                .parent
                .map(|p| p as usize)
                .filter(|p| *p < defs.len());
        }
        for current in chain.into_iter().rev() {
            on_chain[current] = false;
            let mut map = defs[current]
                .parent
                .and_then(|p| maps.get(p as usize))
                .and_then(|m| m.clone())
                .unwrap_or_default();
            for (name, function) in &defs[current].methods {
                map.insert(Rc::from(name.as_str()), *function);
            }
            maps[current] = Some(map);
        }
    }
    maps.into_iter().map(Option::unwrap_or_default).collect()
}
