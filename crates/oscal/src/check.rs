//! Structural checks of a catalog: unique ids, links and parameter
//! insertions that point at something.

use std::collections::HashSet;

use crate::model::{Catalog, Control, Group, Link, Param, Part};

/// One structural problem of a catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogProblem {
    #[error("id {id} is used more than once")]
    DuplicateId { id: String },
    #[error("{owner}: link {href} points at nothing in this catalog")]
    DanglingLink { owner: String, href: String },
    #[error("{owner}: prose inserts unknown parameter {param_id}")]
    UnknownParamInsert { owner: String, param_id: String },
}

#[derive(Default)]
struct Ids<'a> {
    all: HashSet<&'a str>,
    dups: Vec<String>,
    links: Vec<(&'a str, &'a str)>,
    inserts: Vec<(&'a str, String)>,
    params: HashSet<&'a str>,
}

impl<'a> Ids<'a> {
    fn id(&mut self, id: &'a str) {
        if !self.all.insert(id) {
            self.dups.push(id.to_string());
        }
    }
    fn links(&mut self, owner: &'a str, links: &'a [Link]) {
        for l in links {
            if l.href.starts_with('#') {
                self.links.push((owner, &l.href));
            }
        }
    }
    fn params(&mut self, owner: &'a str, ps: &'a [Param]) {
        for p in ps {
            self.id(&p.id);
            self.params.insert(&p.id);
            self.links(owner, &p.links);
        }
    }
    fn parts(&mut self, owner: &'a str, parts: &'a [Part]) {
        for p in parts {
            if let Some(id) = &p.id {
                self.id(id);
            }
            self.links(owner, &p.links);
            if let Some(prose) = &p.prose {
                for param in param_inserts(prose) {
                    self.inserts.push((owner, param));
                }
            }
            self.parts(owner, &p.parts);
        }
    }
    fn control(&mut self, c: &'a Control) {
        self.id(&c.id);
        self.params(&c.id, &c.params);
        self.links(&c.id, &c.links);
        self.parts(&c.id, &c.parts);
        for k in &c.controls {
            self.control(k);
        }
    }
    fn group(&mut self, g: &'a Group) {
        let owner = g.id.as_deref().unwrap_or(&g.title);
        if let Some(id) = &g.id {
            self.id(id);
        }
        self.params(owner, &g.params);
        self.links(owner, &g.links);
        self.parts(owner, &g.parts);
        for c in &g.controls {
            self.control(c);
        }
        for s in &g.groups {
            self.group(s);
        }
    }
}

/// Parameter ids named by `{{ insert: param, ID }}` in prose.
pub fn param_inserts(prose: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = prose;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let Some(end) = after.find("}}") else { break };
        let inner = after[..end].trim();
        if let Some(spec) = inner.strip_prefix("insert:") {
            let mut it = spec.split(',').map(str::trim);
            if it.next() == Some("param")
                && let Some(id) = it.next()
            {
                out.push(id.to_string());
            }
        }
        rest = &after[end + 2..];
    }
    out
}

/// Every structural problem of `cat`: duplicate ids (controls, groups,
/// params, parts), `#fragment` links that name no id or back-matter
/// resource, and prose inserting unknown parameters.
pub fn check_catalog(cat: &Catalog) -> Vec<CatalogProblem> {
    let mut ids = Ids::default();
    ids.params("catalog", &cat.params);
    for c in &cat.controls {
        ids.control(c);
    }
    for g in &cat.groups {
        ids.group(g);
    }
    let resources: HashSet<&str> = cat
        .back_matter
        .iter()
        .flat_map(|b| b.resources.iter().map(|r| r.uuid.as_str()))
        .collect();
    let mut out: Vec<CatalogProblem> = ids
        .dups
        .iter()
        .map(|id| CatalogProblem::DuplicateId { id: id.clone() })
        .collect();
    for (owner, href) in &ids.links {
        let target = &href[1..];
        if !ids.all.contains(target) && !resources.contains(target) {
            out.push(CatalogProblem::DanglingLink {
                owner: owner.to_string(),
                href: href.to_string(),
            });
        }
    }
    for (owner, param) in &ids.inserts {
        if !ids.params.contains(param.as_str()) {
            out.push(CatalogProblem::UnknownParamInsert {
                owner: owner.to_string(),
                param_id: param.clone(),
            });
        }
    }
    out
}
