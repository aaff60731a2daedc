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
