//! Objects: instances, fields, members by name, enums and subclass tests.

use super::*;

impl Vm {
    /// `Class`, `GetFieldByName`, `SetFieldByName`, `NewEnum`,
    /// `IsInstance`, `IsVariant` and `GetPayload`.
    pub(super) fn object_op(&mut self, op: Op) -> Result<(), Trap> {
        match op {
            Op::Class(c) => {
                let class = Value::Class(self.classes[c as usize].clone());
                self.stack.push(class);
            }
            Op::GetFieldByName(k) => {
                let obj = self.pop();
                let r = self.get_member(&obj, k)?;
                self.stack.push(r);
            }
            Op::SetFieldByName(k) => {
                let v = self.pop();
                let obj = self.pop();
                let name = self.constants[k as usize].clone();
                collections::set_member(&obj, name.as_str().unwrap_or(""), v)?;
            }
            Op::NewEnum(e, variant, n) => {
                let at = self.stack.len() - n as usize;
                let payload: Vec<Value> = self.stack.drain(at..).collect();
                let info = self.enums[e as usize].clone();
                self.stack.push(Value::Enum(Rc::new(EnumValue::new(
                    info,
                    e,
                    variant,
                    payload.into_boxed_slice(),
                ))));
            }
            Op::IsInstance(c) => {
                let class = match self.stack.last() {
                    Some(Value::Instance(inst)) => Some(inst.class.id),
                    _ => None,
                };
                let r = class.is_some_and(|id| self.is_subclass(id, c));
                *self.top() = Value::Bool(r);
            }
            Op::IsVariant(e, variant) => {
                let top = self.top();
                let r = matches!(top, Value::Enum(v) if v.enum_id == e && v.tag == variant);
                *top = Value::Bool(r);
            }
            Op::GetPayload(i) => {
                let top = self.top();
                let r = match top {
                    Value::Enum(v) => match v.payload.get(i as usize) {
                        Some(x) => x.clone(),
                        None => {
                            return fail(
                                kinds::INDEX_OUT_OF_BOUNDS,
                                "enum payload index out of range",
                            )
                        }
                    },
                    other => {
                        return fail(
                            kinds::TYPE_ERROR,
                            &format!("{} has no payload", other.type_name_with_article()),
                        )
                    }
                };
                *self.top() = r;
            }
            other => return Err(unexpected(other)),
        }
        Ok(())
    }

    /// `SetField` off its fast path: `[obj, v] -> []`.
    #[cold]
    pub(super) fn set_field(&mut self, slot: u16) -> Result<(), Trap> {
        let v = self.pop();
        let obj = self.pop();
        match &obj {
            Value::Instance(inst) => {
                if !inst.set(slot as usize, v) {
                    return fail(kinds::TYPE_ERROR, "field slot out of range");
                }
            }
            other => return field_type_error(other),
        }
        drop(obj);
        Ok(())
    }

    /// Whether class `class` is `ancestor` or one of its subclasses.
    pub(crate) fn is_subclass(&self, class: u32, ancestor: u32) -> bool {
        let mut current = Some(class);
        for _ in 0..=self.classes.len() {
            match current {
                Some(c) if c == ancestor => return true,
                Some(c) => current = self.classes.get(c as usize).and_then(|k| k.parent),
                None => return false,
            }
        }
        false
    }

    /// `obj.name` for untyped access.
    pub(super) fn get_member(&self, obj: &Value, k: u32) -> Result<Value, Trap> {
        let name_v = &self.constants[k as usize];
        let name = name_v.as_str().unwrap_or("");
        if let Value::HostObject(object) = obj {
            return object.get(name);
        }
        if let Value::Instance(inst) = obj {
            if let Some(slot) = inst.class.field_slot(name) {
                return Ok(inst.get(slot).unwrap_or_default());
            }
            if let Some(&func) = inst.class.method_map.get(name) {
                return Ok(Value::BoundMethod(Rc::new(crate::value::BoundMethod {
                    receiver: obj.clone(),
                    function: Some(func),
                    name: name.into(),
                })));
            }
        }
        collections::get_member(obj, name)
    }
}

pub(super) fn field_error(v: &Value) -> Result<Value, Trap> {
    match v {
        Value::Instance(_) => fail(kinds::TYPE_ERROR, "field slot out of range"),
        other => field_type_error(other),
    }
}

pub(super) fn field_type_error<T>(v: &Value) -> Result<T, Trap> {
    match v {
        Value::Nil => fail(kinds::NIL_ACCESS, "field access on nil"),
        other => fail(
            kinds::TYPE_ERROR,
            &format!("{} has no fields", other.type_name_with_article()),
        ),
    }
}
