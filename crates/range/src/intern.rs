//! String interning: events carry `Sym` (a `u32`) instead of owned strings.

use std::collections::HashMap;

/// An interned string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Sym(pub u32);

/// Owns every distinct string used by a world's events.
#[derive(Debug, Clone)]
pub struct Interner {
    strings: Vec<Box<str>>,
    map: HashMap<Box<str>, u32>,
}

impl Default for Interner {
    fn default() -> Self {
        let mut i = Interner {
            strings: Vec::new(),
            map: HashMap::new(),
        };
        // Sym(0) is always "-" (the usual "no value" in log lines).
        i.intern("-");
        i
    }
}

impl Interner {
    /// The symbol for `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&i) = self.map.get(s) {
            return Sym(i);
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.into());
        self.map.insert(s.into(), i);
        Sym(i)
    }

    /// The symbol for `s` if it was interned.
    pub fn lookup(&self, s: &str) -> Option<Sym> {
        self.map.get(s).map(|&i| Sym(i))
    }

    /// The string of a symbol.
    pub fn get(&self, s: Sym) -> &str {
        &self.strings[s.0 as usize]
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// Never true: "-" is always present.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

/// The "-" symbol.
pub const DASH: Sym = Sym(0);
