//! Who may name a declaration: the rules the checker and the code
//! generator both apply, written once.

use limit_syntax::ast::Visibility;

/// Whether a top-level declaration with `visibility` is hidden from the
/// modules that import its module: `@private` ones, and `@protected` ones
/// inside a `module` block (`in_block`), which its own module may use.
pub fn hidden_from_importers(visibility: Visibility, in_block: bool) -> bool {
    visibility == Visibility::Private || (in_block && visibility == Visibility::Protected)
}

/// How widely a frame member with `visibility` may be reached: public
/// members from anywhere, protected ones from the frame's family, the rest
/// from the frame itself. An overriding method keeps the wider of its own
/// and the overridden method's.
pub fn reach(visibility: Visibility) -> u8 {
    match visibility {
        Visibility::Public => 2,
        Visibility::Protected => 1,
        Visibility::Default | Visibility::Private => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_is_hidden_everywhere_and_protected_only_inside_blocks() {
        assert!(hidden_from_importers(Visibility::Private, false));
        assert!(hidden_from_importers(Visibility::Private, true));
        assert!(hidden_from_importers(Visibility::Protected, true));
        assert!(!hidden_from_importers(Visibility::Protected, false));
        assert!(!hidden_from_importers(Visibility::Default, true));
        assert!(!hidden_from_importers(Visibility::Public, true));
    }

    #[test]
    fn public_reaches_furthest() {
        assert!(reach(Visibility::Public) > reach(Visibility::Protected));
        assert!(reach(Visibility::Protected) > reach(Visibility::Default));
        assert_eq!(reach(Visibility::Default), reach(Visibility::Private));
    }
}
