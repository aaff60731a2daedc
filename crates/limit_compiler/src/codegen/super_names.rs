//! The parents and traits a frame or trait header names (`frame Kitten :
//! Cat, Printable`, `frame Kitten : zoo.Cat, fmt.Printable`): a plain name
//! is what the resolve stage bound it to (`Codegen::object_of`); a
//! qualified one `m.Name` to what the module imported as `m` declares,
//! which must be a public frame or trait (reference.md §7, §10). A plain
//! name that resolves to nothing is a warning (it is ignored, §7); a
//! qualified one is an error, since the module's members are known.

use super::objects::ObjectKind;
use super::Codegen;
use limit_syntax::ast::SuperName;

impl Codegen<'_> {
    /// The key of the frame or trait (as `kind`) that `parent` names, if
    /// it names one; reports nothing.
    pub(crate) fn resolve_super(&self, parent: &SuperName, kind: ObjectKind) -> Option<String> {
        match &parent.module {
            None => self.object_of(parent.ident.id, kind),
            Some(module) => {
                self.namespace_object_silent(module.id, &module.name, &parent.ident, kind)
            }
        }
    }

    /// Reports why `m.Name` in a header names no frame or trait.
    pub(crate) fn unresolved_qualified_super(&mut self, parent: &SuperName) {
        let Some(namespace) = &parent.module else {
            return;
        };
        let written = parent.written();
        let Some((module, _)) = self.namespace_module(namespace.id, &namespace.name) else {
            self.error_with_hint(
                namespace.span,
                format!("`{}` in `{written}` is not an imported module", namespace.name),
                &format!(
                    "import the module that declares `{}` (`import … as {}`), or name it without a module",
                    parent.name, namespace.name
                ),
            );
            return;
        };
        let module_name = self.module_scopes[module].name.clone();
        if !self.module_has(module, &parent.name)
            || self.module_scopes[module].private.contains(&parent.name)
        {
            let message = crate::suggest::with_suggestion(
                format!(
                    "module `{module_name}` has no frame or trait `{}`",
                    parent.name
                ),
                &parent.name,
                self.module_member_names(module).iter().map(String::as_str),
            );
            self.error_with_hint(
                parent.ident.span,
                message,
                "a parent frame or trait must be a public frame or trait of that module",
            );
            return;
        }
        let what = match self.declared_kind(module, &parent.name) {
            Some(ObjectKind::Enum) => "an enum",
            Some(_) => "not visible through this import",
            None => "not a frame or trait",
        };
        self.error_with_hint(
            parent.full_span(),
            format!("`{written}` cannot be extended: it is {what}"),
            "a frame extends one frame and implements traits",
        );
    }
}
