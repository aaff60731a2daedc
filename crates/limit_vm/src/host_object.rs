//! Objects of the host program (`Engine::register_type`): Rust data that
//! scripts reach through the members the host registered — fields read
//! by getters and written by setters, and methods.
//!
//! The VM knows no Rust type: an object is its class (the member table,
//! made by the embedding crate) and its data, opaque here and handed to
//! the members. The data is shared (`Arc`), because the host keeps its
//! own handles on the object and because an object may cross into the
//! tasks of a `parallel` block: the class and the data are `Send + Sync`
//! (the embedding crate keeps the Rust value behind a lock), so a task on
//! another thread reaches the very same object, not a copy. Two objects
//! are equal when they are the same object (`==` is identity).

use std::any::Any;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use crate::errors::Trap;
use crate::value::Value;

/// Reads a field of an object.
pub type HostGetter = dyn Fn(&HostObject) -> Result<Value, Trap> + Send + Sync;
/// Writes a field of an object.
pub type HostSetter = dyn Fn(&HostObject, Value) -> Result<(), Trap> + Send + Sync;
/// Calls a method of an object with the arguments (the receiver apart),
/// on the VM running the call (so that a method taking a function can
/// call it back).
pub type HostMethod =
    dyn Fn(&mut crate::interp::Vm, &HostObject, &[Value]) -> Result<Value, Trap> + Send + Sync;
/// The printed form of an object, when the host gives one.
pub type HostDisplay = dyn Fn(&HostObject) -> Option<String> + Send + Sync;

/// A host type: its Limit name and its members.
pub struct HostClass {
    /// The name scripts know the type by (`Player`).
    pub name: Box<str>,
    /// The fields, in the order they were registered (the printed form
    /// follows it): name and getter.
    pub getters: Vec<(Box<str>, Box<HostGetter>)>,
    /// Fields scripts may assign.
    pub setters: HashMap<Box<str>, Box<HostSetter>>,
    /// Methods by name.
    pub methods: HashMap<Box<str>, Box<HostMethod>>,
    /// The printed form (`None`: the fields, `Player{hp: 3, …}`).
    pub display: Option<Box<HostDisplay>>,
}

/// One object of a host type.
pub struct HostObject {
    /// Its type.
    pub class: Arc<HostClass>,
    /// The Rust value, as the embedding crate keeps it (behind a lock).
    pub data: Arc<dyn Any + Send + Sync>,
}

impl HostObject {
    /// Whether `self` and `other` are the same object.
    pub fn same(&self, other: &HostObject) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.data), Arc::as_ptr(&other.data))
    }

    /// The getter of field `name`.
    pub fn getter(&self, name: &str) -> Option<&HostGetter> {
        self.class
            .getters
            .iter()
            .find(|(field, _)| &**field == name)
            .map(|(_, getter)| &**getter)
    }

    /// `obj.name`: a field, or a method bound to the object (a host
    /// function value).
    pub fn get(self: &std::rc::Rc<Self>, name: &str) -> Result<Value, Trap> {
        if let Some(getter) = self.getter(name) {
            return getter(self);
        }
        if self.class.methods.contains_key(name) {
            let object = self.clone();
            let method: Box<str> = name.into();
            let func = move |vm: &mut crate::interp::Vm, args: &[Value]| match object
                .class
                .methods
                .get(&method)
            {
                Some(m) => m(vm, &object, args),
                None => Err(object.no_member(&method)),
            };
            return Ok(Value::Host(std::rc::Rc::new(crate::value::HostFn {
                name: format!("{}.{name}", self.class.name).into(),
                func: Box::new(func),
            })));
        }
        Err(self.no_member(name))
    }

    /// `obj.name = v`.
    pub fn set(&self, name: &str, v: Value) -> Result<(), Trap> {
        match self.class.setters.get(name) {
            Some(setter) => setter(self, v),
            None if self.getter(name).is_some() => Err(crate::errors::trap(
                crate::errors::kinds::TYPE_ERROR,
                &format!("field `{name}` of `{}` is read-only", self.class.name),
            )),
            None => Err(self.no_member(name)),
        }
    }

    /// `obj.name(args)`, on `vm`.
    pub fn invoke(
        &self,
        vm: &mut crate::interp::Vm,
        name: &str,
        args: &[Value],
    ) -> Result<Value, Trap> {
        match self.class.methods.get(name) {
            Some(method) => method(vm, self, args),
            None => match self.getter(name) {
                // A field holding a function.
                Some(_) => Err(crate::errors::trap(
                    crate::errors::kinds::TYPE_ERROR,
                    &format!("`{name}` of `{}` is a field, not a method", self.class.name),
                )),
                None => Err(self.no_member(name)),
            },
        }
    }

    fn no_member(&self, name: &str) -> Trap {
        crate::errors::trap(
            crate::errors::kinds::TYPE_ERROR,
            &format!("`{}` has no field or method `{name}`", self.class.name),
        )
    }

    /// The printed form: the host's, or the fields the getters read
    /// (`Player{name: "ada", hp: 3}`); a field that cannot be read now
    /// (the object is in use, or the host took its value back) shows as
    /// `?`.
    pub fn write_to(&self, out: &mut String) {
        if let Some(display) = &self.class.display {
            if let Some(text) = display(self) {
                out.push_str(&text);
                return;
            }
        }
        out.push_str(&self.class.name);
        out.push('{');
        for (i, (name, getter)) in self.class.getters.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{name}: ");
            match getter(self) {
                Ok(v) => out.push_str(&crate::value::repr(&v)),
                Err(_) => out.push('?'),
            }
        }
        out.push('}');
    }
}
