//! Collections: the instructions that build tuples, dicts and ranges, and
//! indexing off its fast path (runtime/collections.rs holds the
//! operations themselves).

use super::*;

impl Vm {
    /// `NewDict`, `NewTuple`, `NewRange` and `GetTupleField`.
    pub(super) fn collection_op(&mut self, op: Op) -> Result<(), Trap> {
        match op {
            Op::NewDict(n) => {
                let at = self.stack.len() - 2 * n as usize;
                let mut map = DictMap::with_capacity_and_hasher(n as usize, Default::default());
                let items: Vec<Value> = self.stack.drain(at..).collect();
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    map.insert(Key::new(k)?, v);
                }
                self.stack.push(Value::dict(map));
            }
            Op::NewTuple(n) => {
                let at = self.stack.len() - n as usize;
                let items: Vec<Value> = self.stack.drain(at..).collect();
                self.stack.push(Value::tuple(items));
            }
            Op::NewRange(flags) => {
                let step = if flags & 2 != 0 {
                    self.pop()
                } else {
                    Value::Int(1)
                };
                let end = self.pop();
                let start = self.pop();
                let r = collections::make_range(&start, &end, &step, flags & 1 != 0)?;
                self.stack.push(r);
            }
            Op::GetTupleField(i) => {
                let c = self.pop();
                let r = collections::get_index(&c, &Value::Int(i as i64))?;
                self.stack.push(r);
            }
            other => return Err(unexpected(other)),
        }
        Ok(())
    }

    /// `GetIndex` off its fast path: `[c, i] -> [c[i]]`.
    #[cold]
    pub(super) fn get_index(&mut self) -> Result<(), Trap> {
        let idx = self.pop();
        let c = self.pop();
        let r = match (&c, &idx) {
            (Value::List(l), Value::Int(i)) if *i >= 0 => match l.items.borrow().get(*i as usize) {
                Some(v) => Ok(v.clone()),
                None => collections::index_error(*i, l.items.borrow().len()),
            },
            _ => collections::get_index(&c, &idx),
        };
        self.stack.push(r?);
        Ok(())
    }

    /// `AddToEntryLocals(a, b)`: `[default, x] -> []`, `d[k] =
    /// d.get_or(k, default) + x` for `d = locals[a]` and `k = locals[b]`
    /// (`base`: the frame's first slot), in the order of the instructions
    /// it replaces (the method call, the addition, the store), with their
    /// errors.
    #[cold]
    pub(super) fn add_to_entry(&mut self, a: u16, b: u16, base: usize) -> Result<(), Trap> {
        let x = self.pop();
        let default = self.pop();
        let d = self.stack[base + a as usize].clone();
        let k = self.stack[base + b as usize].clone();
        // The built-in `get_or`, which a dict's `Invoke` reaches (the code
        // generator proved the receiver a dict of ints, so no entry named
        // `get_or` holds a function, and no other receiver gets here).
        let current = methods::invoke(self, Method::GetOr, "get_or", &d, &[k.clone(), default])?;
        let sum = arith::add(&current, &x)?;
        drop(current);
        collections::set_index(&d, k, sum)
    }

    /// `SetIndex` off its fast path: `[c, i, v] -> []`.
    #[cold]
    pub(super) fn set_index(&mut self) -> Result<(), Trap> {
        let v = self.pop();
        let idx = self.pop();
        let c = self.pop();
        match (&c, &idx) {
            (Value::List(l), Value::Int(i))
                if *i >= 0 && (*i as usize) < l.items.borrow().len() =>
            {
                l.items.borrow_mut()[*i as usize] = v;
            }
            _ => collections::set_index(&c, idx, v)?,
        }
        drop(c);
        Ok(())
    }
}
