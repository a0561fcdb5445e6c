//! Serde models for the parts of OSCAL 1.1 that Kasumi exchanges: catalogs
//! and profiles.
//!
//! Every struct keeps the fields it does not model in `extra` (a JSON map,
//! written back with `#[serde(flatten)]`), so a document read and written back loses
//! nothing. Empty lists and absent options are skipped on output, as OSCAL
//! forbids empty arrays.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Fields a struct does not model, kept verbatim.
pub type Extra = Map<String, Value>;

/// Implements `Deserialize` for a model struct: the listed fields by their
/// JSON key (`req` ones must be present), every other key into `extra`.
/// Written out rather than derived because `#[serde(flatten)]` makes serde
/// buffer each object before reading it, which doubled the time to parse a
/// large catalog.
macro_rules! deserialize_keeping_extra {
    ($t:ident { $($need:ident $field:ident : $key:literal),+ $(,)? }) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Fields;
                impl<'de> Visitor<'de> for Fields {
                    type Value = $t;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(concat!("an object (", stringify!($t), ")"))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$t, A::Error> {
                        let mut out = $t::default();
                        let mut seen = [false; [$($key),+].len()];
                        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                            let mut slot = 0;
                            $(
                                if key == $key {
                                    if seen[slot] {
                                        return Err(de::Error::duplicate_field($key));
                                    }
                                    seen[slot] = true;
                                    out.$field = map.next_value()?;
                                    continue;
                                }
                                slot += 1;
                            )+
                            let _ = slot;
                            out.extra.insert(key.into_owned(), map.next_value()?);
                        }
                        let mut slot = 0;
                        $(
                            if need!($need) && !seen[slot] {
                                return Err(de::Error::missing_field($key));
                            }
                            slot += 1;
                        )+
                        let _ = slot;
                        Ok(out)
                    }
                }
                d.deserialize_map(Fields)
            }
        }
    };
}

macro_rules! need {
    (req) => {
        true
    };
    (opt) => {
        false
    };
}

/// An object key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A catalog document: `{"catalog": {...}}` (plus e.g. `$schema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CatalogDocument {
    pub catalog: Catalog,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A profile document: `{"profile": {...}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ProfileDocument {
    pub profile: Profile,
    #[serde(flatten)]
    pub extra: Extra,
}

/// An OSCAL catalog.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Catalog {
    pub uuid: String,
    pub metadata: Metadata,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(
        rename = "back-matter",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub back_matter: Option<BackMatter>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Document metadata (roles, parties and the rest stay in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Metadata {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(
        rename = "last-modified",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(
        rename = "oscal-version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub oscal_version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A group of controls (e.g. a control family); groups nest.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Group {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A control; enhancements are nested controls.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Control {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A parameter (constraints, guidelines and the like stay in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Param {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(
        rename = "depends-on",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub depends_on: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guidelines: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<ParamSelect>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A parameter's choice list.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ParamSelect {
    #[serde(rename = "how-many", default, skip_serializing_if = "Option::is_none")]
    pub how_many: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choice: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A property: a name/value pair, optionally namespaced.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Prop {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ns: Option<String>,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Prop {
    /// A plain `name`/`value` property.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Prop {
            name: name.into(),
            value: value.into(),
            ..Default::default()
        }
    }
}

/// A link; `#uuid` hrefs point into back-matter.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Link {
    pub href: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel: Option<String>,
    #[serde(
        rename = "media-type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A part of a control's text (statement, guidance, items); parts nest.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Part {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ns: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prose: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Back matter: resources that links point at with `#uuid`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct BackMatter {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A back-matter resource (citation, base64 and the rest stay in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Resource {
    pub uuid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rlinks: Vec<Rlink>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A resource's link to an actual document.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Rlink {
    pub href: String,
    #[serde(
        rename = "media-type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub media_type: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// An OSCAL profile: a selection and tailoring of controls.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Profile {
    pub uuid: String,
    pub metadata: Metadata,
    pub imports: Vec<Import>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<Merge>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modify: Option<Modify>,
    #[serde(
        rename = "back-matter",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub back_matter: Option<BackMatter>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One import of a catalog or profile.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Import {
    pub href: String,
    #[serde(
        rename = "include-all",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub include_all: Option<Value>,
    #[serde(
        rename = "include-controls",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub include_controls: Vec<SelectControls>,
    #[serde(
        rename = "exclude-controls",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub exclude_controls: Vec<SelectControls>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A control selector: ids and/or glob patterns.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct SelectControls {
    /// `"yes"` also selects every descendant of a matched control.
    #[serde(
        rename = "with-child-controls",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub with_child_controls: Option<String>,
    #[serde(rename = "with-ids", default, skip_serializing_if = "Vec::is_empty")]
    pub with_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matching: Vec<Matching>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A glob pattern (`*` any run, `?` one character) over control ids.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Matching {
    pub pattern: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// How selected controls are combined and structured.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Merge {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub combine: Option<Combine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flat: Option<Value>,
    #[serde(rename = "as-is", default, skip_serializing_if = "is_false")]
    pub as_is: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Duplicate handling: `use-first` (default) or `keep`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Combine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Tailoring: parameter settings and control alterations.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Modify {
    #[serde(
        rename = "set-parameters",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub set_parameters: Vec<SetParameter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alters: Vec<Alter>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Sets or amends one parameter.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct SetParameter {
    #[serde(rename = "param-id")]
    pub param_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(
        rename = "depends-on",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub depends_on: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guidelines: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<ParamSelect>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Alterations of one control.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Alter {
    #[serde(rename = "control-id")]
    pub control_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removes: Vec<Remove>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adds: Vec<Add>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Removes every matching param, prop, link or part (all given criteria must match).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Remove {
    #[serde(rename = "by-name", default, skip_serializing_if = "Option::is_none")]
    pub by_name: Option<String>,
    #[serde(rename = "by-class", default, skip_serializing_if = "Option::is_none")]
    pub by_class: Option<String>,
    #[serde(rename = "by-id", default, skip_serializing_if = "Option::is_none")]
    pub by_id: Option<String>,
    #[serde(
        rename = "by-item-name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub by_item_name: Option<String>,
    #[serde(rename = "by-ns", default, skip_serializing_if = "Option::is_none")]
    pub by_ns: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Where an `add` puts its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    Before,
    After,
    Starting,
    #[default]
    Ending,
}

/// Adds content to a control, or next to / inside one of its parts or params.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Add {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    #[serde(rename = "by-id", default, skip_serializing_if = "Option::is_none")]
    pub by_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Control {
    /// Depth-first visit of this control and its descendants.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Control)) {
        f(self);
        for c in &self.controls {
            c.walk(f);
        }
    }

    /// The first property with this name (any namespace).
    pub fn prop(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
    }
}

impl Group {
    /// Depth-first visit of every control in this group and its subgroups.
    pub fn walk_controls<'a>(&'a self, f: &mut dyn FnMut(&'a Control)) {
        for c in &self.controls {
            c.walk(f);
        }
        for g in &self.groups {
            g.walk_controls(f);
        }
    }
}

impl Catalog {
    /// Depth-first visit of every control (top-level, grouped, nested).
    pub fn walk_controls<'a>(&'a self, f: &mut dyn FnMut(&'a Control)) {
        for c in &self.controls {
            c.walk(f);
        }
        for g in &self.groups {
            g.walk_controls(f);
        }
    }

    /// Every control id in document order.
    pub fn control_ids(&self) -> Vec<String> {
        let mut ids = Vec::new();
        self.walk_controls(&mut |c| ids.push(c.id.clone()));
        ids
    }

    /// Number of controls including nested enhancements.
    pub fn control_count(&self) -> usize {
        let mut n = 0;
        self.walk_controls(&mut |_| n += 1);
        n
    }

    /// Finds a control anywhere in the catalog.
    pub fn find_control(&self, id: &str) -> Option<&Control> {
        let mut found = None;
        self.walk_controls(&mut |c| {
            if found.is_none() && c.id == id {
                found = Some(c);
            }
        });
        found
    }

    /// Finds a back-matter resource by uuid.
    pub fn resource(&self, uuid: &str) -> Option<&Resource> {
        self.back_matter
            .as_ref()?
            .resources
            .iter()
            .find(|r| r.uuid == uuid)
    }
}

deserialize_keeping_extra!(CatalogDocument {
    req catalog: "catalog",
});

deserialize_keeping_extra!(ProfileDocument {
    req profile: "profile",
});

deserialize_keeping_extra!(Catalog {
    req uuid: "uuid",
    req metadata: "metadata",
    opt params: "params",
    opt controls: "controls",
    opt groups: "groups",
    opt back_matter: "back-matter",
});

deserialize_keeping_extra!(Metadata {
    req title: "title",
    opt published: "published",
    opt last_modified: "last-modified",
    opt version: "version",
    opt oscal_version: "oscal-version",
    opt props: "props",
    opt links: "links",
});

deserialize_keeping_extra!(Group {
    opt id: "id",
    opt class: "class",
    req title: "title",
    opt params: "params",
    opt props: "props",
    opt links: "links",
    opt parts: "parts",
    opt groups: "groups",
    opt controls: "controls",
});

deserialize_keeping_extra!(Control {
    req id: "id",
    opt class: "class",
    req title: "title",
    opt params: "params",
    opt props: "props",
    opt links: "links",
    opt parts: "parts",
    opt controls: "controls",
});

deserialize_keeping_extra!(Param {
    req id: "id",
    opt class: "class",
    opt depends_on: "depends-on",
    opt props: "props",
    opt links: "links",
    opt label: "label",
    opt usage: "usage",
    opt constraints: "constraints",
    opt guidelines: "guidelines",
    opt values: "values",
    opt select: "select",
});

deserialize_keeping_extra!(ParamSelect {
    opt how_many: "how-many",
    opt choice: "choice",
});

deserialize_keeping_extra!(Prop {
    req name: "name",
    opt uuid: "uuid",
    opt ns: "ns",
    req value: "value",
    opt class: "class",
});

deserialize_keeping_extra!(Link {
    req href: "href",
    opt rel: "rel",
    opt media_type: "media-type",
    opt text: "text",
});

deserialize_keeping_extra!(Part {
    opt id: "id",
    req name: "name",
    opt ns: "ns",
    opt class: "class",
    opt title: "title",
    opt props: "props",
    opt prose: "prose",
    opt parts: "parts",
    opt links: "links",
});

deserialize_keeping_extra!(BackMatter {
    opt resources: "resources",
});

deserialize_keeping_extra!(Resource {
    req uuid: "uuid",
    opt title: "title",
    opt description: "description",
    opt props: "props",
    opt rlinks: "rlinks",
});

deserialize_keeping_extra!(Rlink {
    req href: "href",
    opt media_type: "media-type",
});

deserialize_keeping_extra!(Profile {
    req uuid: "uuid",
    req metadata: "metadata",
    req imports: "imports",
    opt merge: "merge",
    opt modify: "modify",
    opt back_matter: "back-matter",
});

deserialize_keeping_extra!(Import {
    req href: "href",
    opt include_all: "include-all",
    opt include_controls: "include-controls",
    opt exclude_controls: "exclude-controls",
});

deserialize_keeping_extra!(SelectControls {
    opt with_child_controls: "with-child-controls",
    opt with_ids: "with-ids",
    opt matching: "matching",
});

deserialize_keeping_extra!(Matching {
    req pattern: "pattern",
});

deserialize_keeping_extra!(Merge {
    opt combine: "combine",
    opt flat: "flat",
    opt as_is: "as-is",
    opt custom: "custom",
});

deserialize_keeping_extra!(Combine {
    opt method: "method",
});

deserialize_keeping_extra!(Modify {
    opt set_parameters: "set-parameters",
    opt alters: "alters",
});

deserialize_keeping_extra!(SetParameter {
    req param_id: "param-id",
    opt class: "class",
    opt depends_on: "depends-on",
    opt props: "props",
    opt links: "links",
    opt label: "label",
    opt usage: "usage",
    opt constraints: "constraints",
    opt guidelines: "guidelines",
    opt values: "values",
    opt select: "select",
});

deserialize_keeping_extra!(Alter {
    req control_id: "control-id",
    opt removes: "removes",
    opt adds: "adds",
});

deserialize_keeping_extra!(Remove {
    opt by_name: "by-name",
    opt by_class: "by-class",
    opt by_id: "by-id",
    opt by_item_name: "by-item-name",
    opt by_ns: "by-ns",
});

deserialize_keeping_extra!(Add {
    opt position: "position",
    opt by_id: "by-id",
    opt title: "title",
    opt params: "params",
    opt props: "props",
    opt links: "links",
    opt parts: "parts",
});
