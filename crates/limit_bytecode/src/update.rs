//! How a session's program grows from one chunk to the next. Each chunk
//! only appends functions, constants, globals and files, so a VM (or a
//! REPL's copy) is brought up to date with what was added — a cost that
//! follows the chunk, not the session's history. Classes and enums are
//! sent whole: a later chunk may complete an earlier frame (its value
//! makers), and there are as many as the session declared.
//!
//! A session also releases functions nothing can call any more (a chunk's
//! top-level code once it has run, literals no live value holds, the
//! earlier version of a redeclared function): an update names the slots
//! released since the last one, and fills released slots again before it
//! appends. Every other function keeps its index.

use crate::program::{ClassDef, Constant, EnumDef, FunctionProto, Program};

/// How far a program reached: the lengths of its growing tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProgramExtent {
    pub functions: usize,
    pub constants: usize,
    pub globals: usize,
    pub files: usize,
}

impl ProgramExtent {
    /// The extent of `program` as it is.
    pub fn of(program: &Program) -> ProgramExtent {
        ProgramExtent {
            functions: program.functions.len(),
            constants: program.constants.len(),
            globals: program.globals.len(),
            files: program.files.len(),
        }
    }

    /// Cuts `program`'s growing tables back to this extent (what a
    /// rejected chunk or update added goes; classes and enums, sent whole,
    /// are the caller's to restore).
    pub fn truncate(self, program: &mut Program) {
        program.functions.truncate(self.functions);
        program.constants.truncate(self.constants);
        program.globals.truncate(self.globals);
        program.files.truncate(self.files);
    }
}

/// What a chunk added to a program that had reached `since`.
#[derive(Clone, Debug, Default)]
pub struct ProgramUpdate {
    /// Where the receiving program must stand before this update.
    pub since: ProgramExtent,
    pub functions: Vec<FunctionProto>,
    /// Function slots the sender released since the last update: the
    /// receiver drops their code (nothing can call them any more).
    pub released: Vec<u32>,
    /// Released function slots (below `since.functions`) this update
    /// fills again, with their new functions.
    pub refilled: Vec<(u32, FunctionProto)>,
    pub constants: Vec<Constant>,
    /// Constant slots (below `since.constants`) given new constants: a
    /// session gives the constants no live code names any more to later
    /// chunks.
    pub refilled_constants: Vec<(u32, Constant)>,
    pub globals: Vec<String>,
    pub files: Vec<String>,
    /// File slots (below `since.files`) given to new files: a session
    /// gives a file no function refers to any more to a later chunk.
    pub renamed_files: Vec<(u32, String)>,
    /// Every class and enum, replacing the receiver's.
    pub classes: Vec<ClassDef>,
    pub enums: Vec<EnumDef>,
    /// The function to run (the chunk's top-level code).
    pub main: usize,
}

impl ProgramUpdate {
    /// What `program` added since it reached `since`.
    pub fn since(program: &Program, since: ProgramExtent) -> ProgramUpdate {
        ProgramUpdate {
            since,
            functions: program.functions[since.functions.min(program.functions.len())..].to_vec(),
            released: Vec::new(),
            refilled: Vec::new(),
            constants: program.constants[since.constants.min(program.constants.len())..].to_vec(),
            refilled_constants: Vec::new(),
            globals: program.globals[since.globals.min(program.globals.len())..].to_vec(),
            files: program.files[since.files.min(program.files.len())..].to_vec(),
            renamed_files: Vec::new(),
            classes: program.classes.clone(),
            enums: program.enums.clone(),
            main: program.main,
        }
    }

    /// [`ProgramUpdate::since`], also releasing the function slots
    /// `released` and carrying the released slots `refilled` filled again.
    pub fn since_releasing(
        program: &Program,
        since: ProgramExtent,
        released: Vec<u32>,
        refilled: &[u32],
    ) -> ProgramUpdate {
        let mut update = ProgramUpdate::since(program, since);
        update.released = released;
        update.refilled = refilled
            .iter()
            .filter_map(|&slot| Some((slot, program.functions.get(slot as usize)?.clone())))
            .collect();
        update
    }

    /// The slots of `program` this update changes below where it starts
    /// (released, then refilled), for the receiver to drop and prepare.
    pub fn refilled_slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.refilled.iter().map(|(slot, _)| *slot as usize)
    }

    /// Brings `program` up to date. Fails (leaving it unchanged) when it
    /// does not stand where the update starts, or names a slot it does not
    /// have.
    pub fn apply_to(self, program: &mut Program) -> Result<(), String> {
        let at = ProgramExtent::of(program);
        if at != self.since {
            return Err(format!(
                "a program update for {:?} cannot apply to a program at {at:?}",
                self.since
            ));
        }
        let slots = self
            .released
            .iter()
            .chain(self.refilled.iter().map(|(slot, _)| slot));
        if let Some(slot) = slots.clone().find(|&&slot| slot as usize >= at.functions) {
            return Err(format!(
                "a program update names function slot {slot} of {}",
                at.functions
            ));
        }
        if let Some((file, _)) = self
            .renamed_files
            .iter()
            .find(|(file, _)| *file as usize >= at.files)
        {
            return Err(format!(
                "a program update renames file {file} of {}",
                at.files
            ));
        }
        if let Some((constant, _)) = self
            .refilled_constants
            .iter()
            .find(|(constant, _)| *constant as usize >= at.constants)
        {
            return Err(format!(
                "a program update refills constant {constant} of {}",
                at.constants
            ));
        }
        for &slot in &self.released {
            program.functions[slot as usize] = FunctionProto::released();
        }
        for (slot, constant) in self.refilled_constants {
            program.constants[slot as usize] = constant;
        }
        for (file, name) in self.renamed_files {
            program.files[file as usize] = name;
        }
        for (slot, function) in self.refilled {
            program.functions[slot as usize] = function;
        }
        program.functions.extend(self.functions);
        program.constants.extend(self.constants);
        program.globals.extend(self.globals);
        program.files.extend(self.files);
        program.classes = self.classes;
        program.enums = self.enums;
        program.main = self.main;
        Ok(())
    }

    /// The whole program, for a receiver that has nothing yet.
    pub fn into_program(self) -> Result<Program, String> {
        let mut program = Program::default();
        self.apply_to(&mut program)?;
        Ok(program)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(name: &str) -> FunctionProto {
        FunctionProto {
            name: name.to_string(),
            ..FunctionProto::default()
        }
    }

    #[test]
    fn an_update_carries_what_was_added_and_applies_once() {
        let mut grown = Program {
            functions: vec![function("a")],
            constants: vec![Constant::Int(1)],
            globals: vec!["g".into()],
            files: vec!["<1>".into()],
            ..Program::default()
        };
        let mut copy = grown.clone();
        let since = ProgramExtent::of(&grown);
        grown.functions.push(function("b"));
        grown.constants.push(Constant::Int(2));
        grown.files.push("<2>".into());
        grown.main = 1;
        let update = ProgramUpdate::since(&grown, since);
        assert_eq!(update.functions.len(), 1);
        assert!(update.globals.is_empty());
        update.clone().apply_to(&mut copy).unwrap();
        assert_eq!(ProgramExtent::of(&copy), ProgramExtent::of(&grown));
        assert_eq!(copy.functions[1].name, "b");
        assert_eq!(copy.main, 1);
        // Applied twice, the update no longer fits.
        assert!(update.apply_to(&mut copy).is_err());
    }

    #[test]
    fn an_update_releases_slots_and_fills_released_ones_again() {
        let mut grown = Program {
            functions: vec![function("a"), function("b"), function("c")],
            ..Program::default()
        };
        let mut copy = grown.clone();
        let since = ProgramExtent::of(&grown);
        // `a` and `c` are released; `c`'s slot is filled again.
        grown.functions[0] = FunctionProto::released();
        grown.functions[2] = function("d");
        let update = ProgramUpdate::since_releasing(&grown, since, vec![0, 2], &[2]);
        assert!(update.functions.is_empty());
        update.apply_to(&mut copy).unwrap();
        assert!(copy.functions[0].is_released());
        assert_eq!(copy.functions[1].name, "b");
        assert_eq!(copy.functions[2].name, "d");
        // A slot the receiver does not have is refused.
        let at = ProgramExtent::of(&copy);
        let bad = ProgramUpdate {
            since: at,
            released: vec![7],
            ..ProgramUpdate::default()
        };
        assert!(bad.apply_to(&mut copy).is_err());
        assert_eq!(ProgramExtent::of(&copy), at);
    }

    #[test]
    fn an_update_renames_files_it_gives_to_new_chunks() {
        let mut copy = Program {
            files: vec!["<1>".into(), "<2>".into()],
            ..Program::default()
        };
        let at = ProgramExtent::of(&copy);
        let update = ProgramUpdate {
            since: at,
            renamed_files: vec![(0, "<3>".into())],
            ..ProgramUpdate::default()
        };
        update.apply_to(&mut copy).unwrap();
        assert_eq!(copy.files, vec!["<3>".to_string(), "<2>".to_string()]);
        // A file the receiver does not have is refused.
        let bad = ProgramUpdate {
            since: at,
            renamed_files: vec![(2, "<4>".into())],
            ..ProgramUpdate::default()
        };
        assert!(bad.apply_to(&mut copy).is_err());
        assert_eq!(copy.files[0], "<3>");
    }

    #[test]
    fn an_update_refills_released_constants() {
        let mut copy = Program {
            constants: vec![Constant::Int(1), Constant::Nil],
            ..Program::default()
        };
        let at = ProgramExtent::of(&copy);
        let update = ProgramUpdate {
            since: at,
            refilled_constants: vec![(1, Constant::Str("s".into()))],
            constants: vec![Constant::Int(3)],
            ..ProgramUpdate::default()
        };
        update.apply_to(&mut copy).unwrap();
        assert_eq!(
            copy.constants,
            vec![
                Constant::Int(1),
                Constant::Str("s".into()),
                Constant::Int(3)
            ]
        );
        let at = ProgramExtent::of(&copy);
        let bad = ProgramUpdate {
            since: at,
            refilled_constants: vec![(3, Constant::Int(4))],
            ..ProgramUpdate::default()
        };
        assert!(bad.apply_to(&mut copy).is_err());
        assert_eq!(ProgramExtent::of(&copy), at);
    }
}
