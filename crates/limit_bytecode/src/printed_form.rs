//! How instances of a class print when not as `Name { field: value, … }`
//! (reference.md §3): the standard collections print their items, in the
//! compact form their `to_string()` gives (docs/stdlib.md) — `Set{3, 1}`,
//! `Deque[1, 2]`, `Heap[1, 2, 3]` (in pop order) — wherever a value is
//! printed (print, `str()`, interpolation, inside a list). The code
//! generator chooses the form of a standard module's frame
//! (`ClassDef::printed`); no other frame has one. The VM's
//! `printed_form::collection_items` lays the items out.

/// The printed form of a class's instances, naming the fields that hold
/// the items by slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PrintedForm {
    /// `Name { field: value, … }`, as every frame.
    #[default]
    Fields,
    /// `Set{a, b}`: the keys of the dict in field `items`.
    Set { items: u16 },
    /// `Deque[a, b]`: the list in field `front` reversed, then `back`.
    Deque { front: u16, back: u16 },
    /// `Heap[a, b]`: the list `items` in the order `pop` gives them: by
    /// `keys` (parallel to `items`), ties by `order` (insertion).
    Heap { items: u16, keys: u16, order: u16 },
}
