//! How a standard collection's instances print (`limit_bytecode::printed_form`):
//! chosen here, where its frame is declared, from the slots of the fields
//! holding its items.

use super::Codegen;
use limit_bytecode::printed_form::PrintedForm;

impl Codegen<'_> {
    /// The printed form of frame `name`, whose fields (by slot) are
    /// `fields`: a std.collections frame's items, else its fields.
    pub(crate) fn printed_form(&self, name: &str, fields: &[String]) -> PrintedForm {
        if !self.in_std_module() || self.module_name != "collections" {
            return PrintedForm::Fields;
        }
        let slot = |field: &str| fields.iter().position(|f| f == field).map(|i| i as u16);
        let form = match name {
            "Set" => slot("items").map(|items| PrintedForm::Set { items }),
            "Deque" => slot("front")
                .zip(slot("back"))
                .map(|(front, back)| PrintedForm::Deque { front, back }),
            "Heap" => match (slot("items"), slot("keys"), slot("order")) {
                (Some(items), Some(keys), Some(order)) => {
                    Some(PrintedForm::Heap { items, keys, order })
                }
                _ => None,
            },
            _ => None,
        };
        form.unwrap_or_default()
    }
}
