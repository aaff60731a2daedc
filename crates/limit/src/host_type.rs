//! Host objects: Rust values that scripts use as objects, with the
//! fields and methods the host registers ([`Engine::register_type`]).
//!
//! A host object is shared, never copied: the script, the host (through
//! a [`Host`] handle) and the tasks of a `parallel` block all reach the
//! same Rust value, kept behind a lock that each member access takes for
//! its own duration. That is why a host type must be `Send`: an object
//! may be used from a `parallel` task on another thread (one access at a
//! time), and the engine holding it may move between threads.
//!
//! ```
//! use limit::{Engine, Host, Value};
//!
//! struct Player { name: String, hp: i64 }
//!
//! let mut engine = Engine::new();
//! engine
//!     .register_type::<Player>("Player")
//!     .get("name", |p: &Player| p.name.clone())
//!     .get("hp", |p: &Player| p.hp)
//!     .set("hp", |p: &mut Player, hp: i64| p.hp = hp)
//!     .method("damage", |p: &mut Player, n: i64| { p.hp -= n; p.hp });
//! let ada = engine.create(Player { name: "ada".into(), hp: 10 })?;
//! engine.run_str("fn hit(p: Player): int { p.hp = p.hp + 1; return p.damage(3); }")?;
//! assert_eq!(engine.call("hit", &[ada.clone().into()])?, Value::Int(8));
//! assert_eq!(ada.with(|p| p.hp)?, 8);
//! // The checker knows the members.
//! assert!(engine.run_str("fn f(p: Player) { p.mana = 1; }").is_err());
//! # Ok::<(), limit::Error>(())
//! ```

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};

use limit_compiler::check::{FunctionType, HostField, HostTypeInfo, ParamType, Type};
use limit_vm::errors::{kinds, Trap};
use limit_vm::host_object::{
    HostClass, HostDisplay, HostGetter, HostMethod as VmHostMethod, HostObject, HostSetter,
};
use limit_vm::interp::Vm;
use limit_vm::value::Value as VmValue;

use crate::callback::{self, HostContext};
use crate::conversions::{mismatch, FromValue, IntoValue, ScriptType};
use crate::direct;
use crate::engine::{error_trap, to_vm, Engine, Error, Value};
use crate::host_arguments::{self, arity_trap};
use crate::host_fn::HostResult;

/// Where an object's Rust value lives: `None` once the host took it back.
type Cell<T> = Mutex<Option<T>>;

/// The prefix of the placeholder type name a [`Host<T>`] parameter has
/// until its engine names the Rust type (see [`Engine::register_type`]).
const RUST_TYPE: &str = "rust type ";

/// A Limit value that is an object of a host type (in [`Value::Object`]).
/// Equal to another when it is the same object.
#[derive(Clone)]
pub struct Object {
    class: Arc<HostClass>,
    data: Arc<dyn Any + Send + Sync>,
}

impl Object {
    /// The name scripts know its type by.
    pub fn type_name(&self) -> &str {
        &self.class.name
    }

    /// The object as a [`Host<T>`], when its Rust type is `T`.
    ///
    /// ```
    /// # struct Player { hp: i64 }
    /// let mut engine = limit::Engine::new();
    /// engine.register_type::<Player>("Player").get("hp", |p: &Player| p.hp);
    /// let p = engine.create(Player { hp: 3 })?;
    /// engine.run_str("var kept: any = nil; fn keep(p: Player) { kept = p; }")?;
    /// engine.call("keep", &[p.into()])?;
    /// let limit::Value::Object(object) = engine.run_str("kept")? else { panic!() };
    /// assert_eq!(object.type_name(), "Player");
    /// assert_eq!(object.downcast::<Player>().unwrap().with(|p| p.hp)?, 3);
    /// # Ok::<(), limit::Error>(())
    /// ```
    pub fn downcast<T: Send + 'static>(self) -> Result<Host<T>, Object> {
        match self.data.clone().downcast::<Cell<T>>() {
            Ok(cell) => Ok(Host {
                class: self.class,
                cell,
            }),
            Err(_) => Err(self),
        }
    }

    pub(crate) fn from_vm(object: &HostObject) -> Object {
        Object {
            class: object.class.clone(),
            data: object.data.clone(),
        }
    }

    pub(crate) fn to_vm(&self) -> VmValue {
        VmValue::HostObject(std::rc::Rc::new(HostObject {
            class: self.class.clone(),
            data: self.data.clone(),
        }))
    }
}

impl PartialEq for Object {
    fn eq(&self, other: &Object) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.data), Arc::as_ptr(&other.data))
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} object>", self.class.name)
    }
}

impl fmt::Display for Object {
    /// As `print` shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        HostObject {
            class: self.class.clone(),
            data: self.data.clone(),
        }
        .write_to(&mut out);
        f.write_str(&out)
    }
}

/// A handle on an object of host type `T`: the host's way to make one
/// ([`Engine::create`], [`TypeHandle::create`]), to read or change its
/// value while scripts hold it ([`Host::with`], [`Host::with_mut`]) and
/// to take the value back ([`Host::take`]). Cloning the handle does not
/// copy the object. As a host function's parameter it is the object the
/// script passed (its Limit type is the host type); as a result, the
/// object itself.
pub struct Host<T> {
    class: Arc<HostClass>,
    cell: Arc<Cell<T>>,
}

impl<T> Clone for Host<T> {
    fn clone(&self) -> Self {
        Host {
            class: self.class.clone(),
            cell: self.cell.clone(),
        }
    }
}

impl<T> fmt::Debug for Host<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} object>", self.class.name)
    }
}

impl<T: Send + 'static> Host<T> {
    /// Lock the object for one access.
    fn lock(&self) -> Result<Locked<'_, T>, Error> {
        lock(&self.cell, &self.class.name)
    }

    /// `f` of the object's value.
    ///
    /// An object is locked while `f` runs: another thread using it waits;
    /// using the same object within `f` (through another handle on it) is
    /// an error, not a deadlock.
    /// After [`Host::take`] there is no value: an error.
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> Result<R, Error> {
        let guard = self.lock()?;
        let value = guard.as_ref().ok_or_else(|| taken(&self.class.name))?;
        Ok(f(value))
    }

    /// `f` of the object's value, which it may change.
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> Result<R, Error> {
        let mut guard = self.lock()?;
        let value = guard.as_mut().ok_or_else(|| taken(&self.class.name))?;
        Ok(f(value))
    }

    /// Take the value back from the object: scripts still holding the
    /// object get an error when they use it.
    ///
    /// ```
    /// # struct Player { hp: i64 }
    /// let mut engine = limit::Engine::new();
    /// engine.register_type::<Player>("Player").get("hp", |p: &Player| p.hp);
    /// let p = engine.create(Player { hp: 3 })?;
    /// engine.run_str("var kept: any = nil; fn keep(p: Player) { kept = p; }")?;
    /// engine.call("keep", &[p.clone().into()])?;
    /// assert_eq!(p.take()?.hp, 3);
    /// let e = engine.run_str("kept.hp").unwrap_err();
    /// assert!(e.to_string().contains("the host took back the value of this `Player`"), "{e}");
    /// # Ok::<(), limit::Error>(())
    /// ```
    pub fn take(&self) -> Result<T, Error> {
        self.lock()?.take().ok_or_else(|| taken(&self.class.name))
    }

    /// Whether `self` and `other` are handles on the same object.
    pub fn same(&self, other: &Host<T>) -> bool {
        Arc::ptr_eq(&self.cell, &other.cell)
    }

    /// The object as an untyped [`Object`].
    pub fn into_object(self) -> Object {
        Object {
            class: self.class,
            data: self.cell,
        }
    }
}

thread_local! {
    /// The objects this thread holds locked (their addresses): locking
    /// one again on the same thread would deadlock, so it is an error.
    static HELD: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// An object's value, locked for one access by this thread.
struct Locked<'a, T> {
    guard: MutexGuard<'a, Option<T>>,
    address: usize,
}

impl<T> std::ops::Deref for Locked<'_, T> {
    type Target = Option<T>;
    fn deref(&self) -> &Option<T> {
        &self.guard
    }
}

impl<T> std::ops::DerefMut for Locked<'_, T> {
    fn deref_mut(&mut self) -> &mut Option<T> {
        &mut self.guard
    }
}

impl<T> Drop for Locked<'_, T> {
    fn drop(&mut self) {
        HELD.with(|held| {
            let mut held = held.borrow_mut();
            if let Some(i) = held.iter().rposition(|a| *a == self.address) {
                held.swap_remove(i);
            }
        });
    }
}

/// Lock `cell` for one access: another thread's access is waited for;
/// one of this thread's own (a method using its own object through
/// another handle) is an error, not a deadlock.
fn lock<'a, T>(cell: &'a Cell<T>, type_name: &str) -> Result<Locked<'a, T>, Error> {
    let address = std::ptr::from_ref(cell) as usize;
    if HELD.with(|held| held.borrow().contains(&address)) {
        return Err(Error::runtime(
            kinds::TYPE_ERROR,
            &format!("this `{type_name}` is in use (one of its members is running)"),
        ));
    }
    // A member that panicked left the value as it was.
    let guard = cell
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    HELD.with(|held| held.borrow_mut().push(address));
    Ok(Locked { guard, address })
}

fn taken(type_name: &str) -> Error {
    Error::runtime(
        kinds::TYPE_ERROR,
        &format!("the host took back the value of this `{type_name}`"),
    )
}

impl<T: Send + 'static> From<Host<T>> for Value {
    fn from(host: Host<T>) -> Value {
        Value::Object(host.into_object())
    }
}

impl<T: Send + 'static> FromValue for Host<T> {
    fn from_value(value: Value) -> Result<Host<T>, Error> {
        match value {
            Value::Object(object) => object.downcast::<T>().map_err(|object| {
                Error::Conversion(format!(
                    "expected {}, found a `{}` object",
                    rust_type_name::<T>(),
                    object.type_name()
                ))
            }),
            other => Err(mismatch(&rust_type_name::<T>(), &other)),
        }
    }

    fn script_type() -> ScriptType {
        Type::Host(rust_type_name::<T>())
    }
}

impl<T: Send + 'static> IntoValue for Host<T> {
    fn into_value(self) -> Result<Value, Error> {
        Ok(self.into())
    }

    fn script_type() -> ScriptType {
        Type::Host(rust_type_name::<T>())
    }
}

impl FromValue for Object {
    fn from_value(value: Value) -> Result<Object, Error> {
        match value {
            Value::Object(object) => Ok(object),
            other => Err(mismatch("a host object", &other)),
        }
    }
}

impl IntoValue for Object {
    fn into_value(self) -> Result<Value, Error> {
        Ok(Value::Object(self))
    }
}

/// The placeholder name of `T`'s Limit type, which an engine replaces by
/// the name `T` was registered under.
fn rust_type_name<T>() -> String {
    format!("{RUST_TYPE}{}", std::any::type_name::<T>())
}

/// The host types an engine registered: by Rust type, and the Limit
/// names of the Rust type names (for signatures).
#[derive(Default)]
pub(crate) struct HostTypes {
    classes: HashMap<TypeId, Arc<HostClass>>,
    names: HashMap<String, String>,
}

impl HostTypes {
    /// `signature` with the placeholders of registered Rust types
    /// replaced by their Limit names (an unregistered one is `any`).
    pub(crate) fn name_types(&self, signature: &mut FunctionType) {
        for param in &mut signature.params {
            self.name_type(&mut param.ty);
        }
        self.name_type(&mut signature.ret);
    }

    fn name_type(&self, ty: &mut Type) {
        match ty {
            Type::Host(name) if name.starts_with(RUST_TYPE) => {
                *ty = match self.names.get(name.as_str()) {
                    Some(limit_name) => Type::Host(limit_name.clone()),
                    None => Type::Any,
                };
            }
            Type::List(inner) | Type::Fallible(inner, _) | Type::Refined(inner, _) => {
                self.name_type(inner)
            }
            Type::Dict(key, value) => {
                self.name_type(key);
                self.name_type(value);
            }
            Type::Tuple(items) | Type::Union(items) => {
                items.iter_mut().for_each(|item| self.name_type(item))
            }
            Type::Function(function) => self.name_types(function),
            _ => {}
        }
    }
}

/// A registered host type, for making objects of it where there is no
/// engine at hand (inside a host function): from [`Engine::type_handle`].
pub struct TypeHandle<T> {
    class: Arc<HostClass>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for TypeHandle<T> {
    fn clone(&self) -> Self {
        TypeHandle {
            class: self.class.clone(),
            _type: PhantomData,
        }
    }
}

impl<T: Send + 'static> TypeHandle<T> {
    /// A new object holding `value`.
    pub fn create(&self, value: T) -> Host<T> {
        Host {
            class: self.class.clone(),
            cell: Arc::new(Mutex::new(Some(value))),
        }
    }
}

/// The members of host type `T` being registered
/// ([`Engine::register_type`]); they take effect when it is dropped (at
/// the end of the statement that registers them).
pub struct TypeBuilder<'a, T: Send + 'static> {
    engine: &'a mut Engine,
    name: String,
    getters: Vec<(Box<str>, Box<HostGetter>)>,
    setters: HashMap<Box<str>, Box<HostSetter>>,
    methods: HashMap<Box<str>, Box<VmHostMethod>>,
    display: Option<Box<HostDisplay>>,
    info: HostTypeInfo,
    _type: PhantomData<fn() -> T>,
}

/// The cell of `object`'s value, when it holds a `T`.
fn cell_of<T: Send + 'static>(object: &HostObject) -> Result<&Cell<T>, Trap> {
    object.data.downcast_ref::<Cell<T>>().ok_or_else(|| {
        limit_vm::errors::trap(
            kinds::TYPE_ERROR,
            &format!("a `{}` object of another Rust type", object.class.name),
        )
    })
}

/// `value` as a VM value (the scalars straight).
fn result_to_vm<V: IntoValue + 'static>(value: V) -> Result<VmValue, Trap> {
    match direct::to_vm(value) {
        Ok(v) => Ok(v),
        Err(value) => {
            let value = value.into_value().map_err(|e| error_trap(&e))?;
            to_vm(&value, 0).map_err(|e| error_trap(&e))
        }
    }
}

impl<'a, T: Send + 'static> TypeBuilder<'a, T> {
    pub(crate) fn new(engine: &'a mut Engine, name: &str) -> TypeBuilder<'a, T> {
        engine
            .host_types_mut()
            .names
            .insert(rust_type_name::<T>(), name.to_string());
        TypeBuilder {
            engine,
            name: name.to_string(),
            getters: Vec::new(),
            setters: HashMap::new(),
            methods: HashMap::new(),
            display: None,
            info: HostTypeInfo::default(),
            _type: PhantomData,
        }
    }

    fn field_info(&mut self, name: &str) -> &mut HostField {
        if let Some(i) = self.info.fields.iter().position(|f| f.name == name) {
            return &mut self.info.fields[i];
        }
        self.info.fields.push(HostField {
            name: name.to_string(),
            ty: Type::Any,
            readable: false,
            settable: false,
        });
        let last = self.info.fields.len() - 1;
        &mut self.info.fields[last]
    }

    fn named(&self, mut ty: Type) -> Type {
        let mut signature = FunctionType {
            params: Vec::new(),
            ret: ty,
            flexible_arity: false,
        };
        self.engine.host_types().name_types(&mut signature);
        ty = signature.ret;
        ty
    }

    /// A field scripts read as `obj.name`, its value `get(&value)`. The
    /// field's Limit type is `V`'s.
    pub fn get<V, F>(mut self, name: &str, get: F) -> Self
    where
        V: IntoValue + 'static,
        F: Fn(&T) -> V + Send + Sync + 'static,
    {
        let type_name: Arc<str> = self.name.as_str().into();
        let getter = move |object: &HostObject| -> Result<VmValue, Trap> {
            let cell = cell_of::<T>(object)?;
            let value = {
                let guard = lock(cell, &type_name).map_err(|e| error_trap(&e))?;
                let value = guard
                    .as_ref()
                    .ok_or_else(|| error_trap(&taken(&type_name)))?;
                get(value)
            };
            result_to_vm(value)
        };
        self.getters.retain(|(field, _)| &**field != name);
        self.getters.push((name.into(), Box::new(getter)));
        let ty = self.named(<V as IntoValue>::script_type());
        let field = self.field_info(name);
        field.ty = ty;
        field.readable = true;
        self
    }

    /// Let scripts assign field `name` (`obj.name = v`): `set(&mut value,
    /// v)`, after `v` is converted to `V` (a value that does not convert
    /// is a compile error where the checker knows its type, a
    /// `TypeError` otherwise).
    pub fn set<V, F>(mut self, name: &str, set: F) -> Self
    where
        V: FromValue + 'static,
        F: Fn(&mut T, V) + Send + Sync + 'static,
    {
        let type_name: Arc<str> = self.name.as_str().into();
        let field: Arc<str> = name.into();
        let setter = move |object: &HostObject, v: VmValue| -> Result<(), Trap> {
            let cell = cell_of::<T>(object)?;
            let v: V =
                host_arguments::convert(&v, None, &|| format!("field `{field}` of `{type_name}`"))?;
            let mut guard = lock(cell, &type_name).map_err(|e| error_trap(&e))?;
            let value = guard
                .as_mut()
                .ok_or_else(|| error_trap(&taken(&type_name)))?;
            set(value, v);
            Ok(())
        };
        self.setters.insert(name.into(), Box::new(setter));
        let ty = self.named(<V as FromValue>::script_type());
        let field = self.field_info(name);
        if !field.readable {
            field.ty = ty;
        }
        field.settable = true;
        self
    }

    /// A method scripts call as `obj.name(args)`: `method(&mut value,
    /// args…)`, any function of the value and up to six [`FromValue`]
    /// arguments returning a [`HostResult`] (a `Result` makes it `T?`).
    /// Its signature is checked when scripts compile, as a host
    /// function's. An [`FnHandle`](crate::FnHandle) argument is a function
    /// the script passes, which the method may call back while it runs
    /// ([`FnHandle::call_back`](crate::FnHandle::call_back)); the object
    /// stays locked meanwhile.
    pub fn method<Marker, F>(mut self, name: &str, method: F) -> Self
    where
        F: MethodFunction<T, Marker>,
    {
        let mut signature = F::signature();
        self.engine.host_types().name_types(&mut signature);
        let label: Arc<str> = format!("{}.{name}", self.name).into();
        let context = self.engine.host_context();
        self.methods.insert(
            name.into(),
            method.into_method(self.name.as_str().into(), label, context),
        );
        self.info.methods.retain(|(m, _)| m != name);
        self.info.methods.push((name.to_string(), signature));
        self
    }

    /// How `print` and interpolation show an object (by default its
    /// fields: `Player{name: "ada", hp: 3}`).
    pub fn display<F>(mut self, display: F) -> Self
    where
        F: Fn(&T) -> String + Send + Sync + 'static,
    {
        let shown = move |object: &HostObject| -> Option<String> {
            let cell = object.data.downcast_ref::<Cell<T>>()?;
            let guard = cell.try_lock().ok()?;
            guard.as_ref().map(&display)
        };
        self.display = Some(Box::new(shown));
        self
    }
}

impl<T: Send + 'static> Drop for TypeBuilder<'_, T> {
    fn drop(&mut self) {
        let class = Arc::new(HostClass {
            name: self.name.as_str().into(),
            getters: std::mem::take(&mut self.getters),
            setters: std::mem::take(&mut self.setters),
            methods: std::mem::take(&mut self.methods),
            display: self.display.take(),
        });
        let info = std::mem::take(&mut self.info);
        self.engine
            .host_types_mut()
            .classes
            .insert(TypeId::of::<T>(), class);
        self.engine.declare_host_type(&self.name, info);
    }
}

impl Engine {
    /// Make Rust type `T` a Limit type named `name`, whose fields and
    /// methods are registered on the returned [`TypeBuilder`] (like Rhai's
    /// `register_type` / `register_get` or mlua's `UserData`). Scripts
    /// then annotate with it (`fn heal(p: Player)`), read and assign its
    /// fields, call its methods, pass its objects around, keep them in
    /// lists and dicts, compare them (`==` is the same object) and print
    /// them; the checker knows the members, so an unknown member, a
    /// method called with the wrong number or types of arguments or a
    /// field assigned the wrong type is a compile error. Objects come
    /// from [`Engine::create`] or host functions ([`TypeHandle`]); they
    /// come back to Rust as [`Host<T>`] or [`Value::Object`].
    ///
    /// Register a type before the host functions whose signatures name
    /// [`Host<T>`] (until then such a parameter is `any`). `T` must be
    /// `Send`: an object may be used from the tasks of a `parallel`
    /// block, on other threads (each access locks it).
    ///
    /// ```
    /// struct Counter { n: i64 }
    /// let mut engine = limit::Engine::new();
    /// engine
    ///     .register_type::<Counter>("Counter")
    ///     .get("n", |c: &Counter| c.n)
    ///     .method("bump", |c: &mut Counter, by: i64| c.n += by)
    ///     .display(|c: &Counter| format!("Counter({})", c.n));
    /// let c = engine.create(Counter { n: 0 })?;
    /// engine.run_str("fn twice(c: Counter) { c.bump(1); c.bump(2); print(c); }")?;
    /// engine.capture_output(true);
    /// engine.call("twice", &[c.clone().into()])?;
    /// assert_eq!(engine.take_output(), "Counter(3)\n");
    /// let e = engine.run_str(r#"fn f(c: Counter) { c.bump("x"); }"#).unwrap_err();
    /// assert!(e.to_string().contains("`Counter.bump` expects `int`, found `str`"), "{e}");
    /// # Ok::<(), limit::Error>(())
    /// ```
    pub fn register_type<T: Send + 'static>(&mut self, name: &str) -> TypeBuilder<'_, T> {
        TypeBuilder::new(self, name)
    }

    /// A new object of the registered host type `T` holding `value`.
    /// An unregistered type is an [`Error::NotFound`].
    pub fn create<T: Send + 'static>(&self, value: T) -> Result<Host<T>, Error> {
        Ok(self.type_handle::<T>()?.create(value))
    }

    /// The registered host type `T`, for making objects of it later
    /// (inside a host function, which has no engine at hand).
    ///
    /// ```
    /// struct Token { id: i64 }
    /// let mut engine = limit::Engine::new();
    /// engine.register_type::<Token>("Token").get("id", |t: &Token| t.id);
    /// let tokens = engine.type_handle::<Token>()?;
    /// engine.register_fn("mint", move |id: i64| tokens.create(Token { id }));
    /// assert_eq!(engine.run_str("var t: Token = mint(7);\nt.id")?, limit::Value::Int(7));
    /// # Ok::<(), limit::Error>(())
    /// ```
    pub fn type_handle<T: Send + 'static>(&self) -> Result<TypeHandle<T>, Error> {
        match self.host_types().classes.get(&TypeId::of::<T>()) {
            Some(class) => Ok(TypeHandle {
                class: class.clone(),
                _type: PhantomData,
            }),
            None => Err(Error::NotFound(format!(
                "host type {} (register it with Engine::register_type)",
                std::any::type_name::<T>()
            ))),
        }
    }
}

/// A Rust function [`TypeBuilder::method`] can register as a method of
/// host type `T`: `Fn(&mut T, A1, …, An) -> R` for up to six
/// [`FromValue`] arguments and a [`HostResult`]. `Marker` tells the
/// implementations apart; callers never name it.
pub trait MethodFunction<T, Marker>: Send + Sync + 'static {
    /// The signature the checker checks calls against (the receiver
    /// apart).
    fn signature() -> FunctionType;

    /// The method, on VM values; `context` turns function arguments into
    /// handles it can call back.
    #[doc(hidden)]
    #[allow(private_interfaces)]
    fn into_method(
        self,
        type_name: Arc<str>,
        label: Arc<str>,
        context: HostContext,
    ) -> Box<VmHostMethod>;
}

macro_rules! methods {
    ($(($len:literal: $($a:ident $position:literal),*))*) => {$(
        impl<T, F, R, $($a),*> MethodFunction<T, (R, $($a,)*)> for F
        where
            T: Send + 'static,
            F: Fn(&mut T, $($a),*) -> R + Send + Sync + 'static,
            R: HostResult + 'static,
            $($a: FromValue + 'static,)*
        {
            fn signature() -> FunctionType {
                FunctionType {
                    params: vec![$(ParamType { name: None, ty: <$a as FromValue>::script_type() }),*],
                    ret: R::script_type(),
                    flexible_arity: false,
                }
            }

            #[allow(non_snake_case, unused_mut, unused_variables, private_interfaces)]
            fn into_method(
                self,
                type_name: Arc<str>,
                label: Arc<str>,
                context: HostContext,
            ) -> Box<VmHostMethod> {
                Box::new(move |vm: &mut Vm, object: &HostObject, args: &[VmValue]| {
                    if args.len() != $len {
                        return Err(arity_trap(&label, $len, args.len()));
                    }
                    let cell = cell_of::<T>(object)?;
                    let mut args = args.iter();
                    $(
                        let $a: $a = match args.next() {
                            Some(arg) => host_arguments::convert(
                                arg,
                                Some((&mut *vm, &context)),
                                &|| format!("argument {} of `{label}`", $position),
                            )?,
                            None => return Err(arity_trap(&label, $len, $position - 1)),
                        };
                    )*
                    // The object stays locked while the method runs: a
                    // function it calls back that uses the same object
                    // finds it in use (a `TypeError`), never a second
                    // `&mut` to it.
                    let result = callback::run_host(vm, context.engine, || {
                        let mut guard = lock(cell, &type_name)?;
                        let value = guard.as_mut().ok_or_else(|| taken(&type_name))?;
                        Ok::<R, Error>(self(value, $($a),*))
                    })?
                    .map_err(|e| error_trap(&e))?;
                    host_arguments::result_to_vm(result)
                })
            }
        }
    )*};
}

methods! {
    (0:)
    (1: A1 1)
    (2: A1 1, A2 2)
    (3: A1 1, A2 2, A3 3)
    (4: A1 1, A2 2, A3 3, A4 4)
    (5: A1 1, A2 2, A3 3, A4 4, A5 5)
    (6: A1 1, A2 2, A3 3, A4 4, A5 5, A6 6)
}
