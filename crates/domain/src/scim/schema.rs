//! The attributes Tessera supports, as RFC 7643 §8.7.1 describes them. These tables are the one
//! source for canonical names, types and characteristics: filters, PATCH, normalisation,
//! projection and the `/Schemas` documents all read them.

use super::{AttrPath, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, ResourceKind, USER_SCHEMA};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    DateTime,
    Reference,
    Complex,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returned {
    Always,
    Default,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
}

/// One attribute or sub-attribute definition.
#[derive(Clone, Copy, Debug)]
pub struct Attribute {
    pub name: &'static str,
    pub description: &'static str,
    pub ty: AttrType,
    pub multi_valued: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub sub_attributes: &'static [Attribute],
    pub reference_types: &'static [&'static str],
    pub canonical_values: &'static [&'static str],
}

impl Attribute {
    const fn new(name: &'static str, ty: AttrType, description: &'static str) -> Self {
        Attribute {
            name,
            description,
            ty,
            multi_valued: false,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            sub_attributes: &[],
            reference_types: &[],
            canonical_values: &[],
        }
    }
    const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    const fn read_only(mut self) -> Self {
        self.mutability = Mutability::ReadOnly;
        self
    }
    const fn immutable(mut self) -> Self {
        self.mutability = Mutability::Immutable;
        self
    }
    const fn unique(mut self) -> Self {
        self.uniqueness = Uniqueness::Server;
        self
    }
    const fn subs(mut self, sub_attributes: &'static [Attribute]) -> Self {
        self.sub_attributes = sub_attributes;
        self
    }
    const fn refs(mut self, reference_types: &'static [&'static str]) -> Self {
        self.reference_types = reference_types;
        self
    }
    const fn canonical(mut self, canonical_values: &'static [&'static str]) -> Self {
        self.canonical_values = canonical_values;
        self
    }

    /// The sub-attribute called `name`, in any case.
    pub fn sub(&self, name: &str) -> Option<&'static Attribute> {
        find(self.sub_attributes, name)
    }
}

use AttrType::{Boolean, Complex, DateTime, Reference, String as Str};

/// `id`, `externalId` and `meta`: common to every resource (RFC 7643 §3.1), so not part of any
/// schema document.
pub static COMMON: &[Attribute] = &[
    {
        let mut id = Attribute::new(
            "id",
            Str,
            "Unique identifier assigned by the service provider.",
        )
        .case_exact()
        .read_only()
        .unique();
        id.returned = Returned::Always;
        id
    },
    Attribute::new(
        "externalId",
        Str,
        "Identifier assigned by the provisioning client.",
    )
    .case_exact(),
    Attribute::new("meta", Complex, "Resource metadata.")
        .read_only()
        .subs(&[
            Attribute::new("resourceType", Str, "The resource type.")
                .case_exact()
                .read_only(),
            Attribute::new("created", DateTime, "When the resource was added.").read_only(),
            Attribute::new("lastModified", DateTime, "When the resource last changed.").read_only(),
            Attribute::new("location", Reference, "The resource's URI.")
                .case_exact()
                .read_only()
                .refs(&["uri"]),
            Attribute::new("version", Str, "The resource's version.")
                .case_exact()
                .read_only(),
        ]),
];

pub static USER: &[Attribute] = &[
    Attribute::new(
        "userName",
        Str,
        "Unique identifier for the user, used to sign in.",
    )
    .required()
    .unique(),
    Attribute::new("name", Complex, "The components of the user's name.").subs(&[
        Attribute::new("formatted", Str, "The full name."),
        Attribute::new("familyName", Str, "The family name."),
        Attribute::new("givenName", Str, "The given name."),
    ]),
    // Required by Tessera: every person has a display name and is enabled or not.
    Attribute::new("displayName", Str, "The name shown for the user.").required(),
    // Tessera knows guests and members: "Guest" makes a guest, anything else (or nothing) a
    // member, answered without a userType.
    Attribute::new("userType", Str, "The relationship to the organisation.").canonical(&["Guest"]),
    Attribute::new("active", Boolean, "Whether the user may sign in.").required(),
    // Required here, unlike RFC 7643's core schema: Tessera needs an address for every person
    // (notifications, approvals); a userName that is an address stands in for it.
    Attribute::new("emails", Complex, "Email addresses.")
        .multi()
        .required()
        .subs(&[
            Attribute::new("value", Str, "The email address.").required(),
            // One address per person, kept as the work address.
            Attribute::new("type", Str, "The kind of address.").canonical(&["work"]),
            // Tessera keeps one address, so there is no preferred one to record: read-only,
            // accepted in input and dropped.
            Attribute::new("primary", Boolean, "Whether this is the preferred address.")
                .read_only(),
        ]),
    Attribute::new("groups", Complex, "Groups the user belongs to.")
        .multi()
        .read_only()
        .subs(&[
            Attribute::new("value", Str, "The group's id.").read_only(),
            Attribute::new("$ref", Reference, "The group's URI.")
                .read_only()
                .refs(&["Group"]),
            Attribute::new("display", Str, "The group's display name.").read_only(),
        ]),
];

pub static ENTERPRISE_USER: &[Attribute] = &[
    Attribute::new(
        "employeeNumber",
        Str,
        "Identifier assigned by the organisation.",
    ),
    Attribute::new("costCenter", Str, "The cost center."),
    Attribute::new("organization", Str, "The organisation."),
    Attribute::new("division", Str, "The division."),
    Attribute::new("department", Str, "The department."),
    Attribute::new("manager", Complex, "The user's manager.").subs(&[
        Attribute::new("value", Str, "The manager's id."),
        Attribute::new("$ref", Reference, "The manager's URI.").refs(&["User"]),
        Attribute::new("displayName", Str, "The manager's display name.").read_only(),
    ]),
];

pub static GROUP: &[Attribute] = &[
    Attribute::new("displayName", Str, "The group's name.")
        .required()
        .unique(),
    Attribute::new("members", Complex, "The group's members.")
        .multi()
        .subs(&[
            Attribute::new("value", Str, "The member's id.").immutable(),
            // Members are people: groups do not nest.
            Attribute::new("$ref", Reference, "The member's URI.")
                .immutable()
                .refs(&["User"]),
            Attribute::new("display", Str, "The member's display name.").read_only(),
            Attribute::new("type", Str, "The kind of member.")
                .immutable()
                .canonical(&["User"]),
        ]),
];

/// A schema: its URN, name and attributes.
pub struct Schema {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [Attribute],
}

pub static SCHEMAS: &[Schema] = &[
    Schema {
        id: USER_SCHEMA,
        name: "User",
        description: "User Account",
        attributes: USER,
    },
    Schema {
        id: ENTERPRISE_USER_SCHEMA,
        name: "EnterpriseUser",
        description: "Enterprise User",
        attributes: ENTERPRISE_USER,
    },
    Schema {
        id: GROUP_SCHEMA,
        name: "Group",
        description: "Group",
        attributes: GROUP,
    },
];

impl ResourceKind {
    /// The core schema URN.
    pub fn core_schema(self) -> &'static str {
        match self {
            ResourceKind::User => USER_SCHEMA,
            ResourceKind::Group => GROUP_SCHEMA,
        }
    }

    /// The extension schema URNs this kind accepts.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            ResourceKind::User => &[ENTERPRISE_USER_SCHEMA],
            ResourceKind::Group => &[],
        }
    }

    fn core_attributes(self) -> &'static [Attribute] {
        match self {
            ResourceKind::User => USER,
            ResourceKind::Group => GROUP,
        }
    }
}

/// The attributes of the extension schema `urn` (any case), if `kind` accepts it.
pub fn extension(kind: ResourceKind, urn: &str) -> Option<(&'static str, &'static [Attribute])> {
    let canonical = kind
        .extensions()
        .iter()
        .find(|e| e.eq_ignore_ascii_case(urn))?;
    SCHEMAS
        .iter()
        .find(|s| s.id == *canonical)
        .map(|s| (s.id, s.attributes))
}

/// Where an attribute lives in a resource's JSON: at the top level, or inside the object keyed
/// by its extension URN.
#[derive(Clone, Copy, Debug)]
pub struct Resolved {
    pub extension: Option<&'static str>,
    pub attr: &'static Attribute,
    pub sub: Option<&'static Attribute>,
}

pub(crate) fn find(attributes: &'static [Attribute], name: &str) -> Option<&'static Attribute> {
    attributes
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

/// Resolves `path` for `kind`: a URN names its schema; without one, core and common attributes
/// come first, then the extensions' (RFC 7644 §3.10 lets clients omit the URN).
pub fn resolve(kind: ResourceKind, path: &AttrPath) -> Option<Resolved> {
    let (extension, attr) = match &path.uri {
        Some(uri) if uri.eq_ignore_ascii_case(kind.core_schema()) => (
            None,
            find(COMMON, &path.name).or_else(|| find(kind.core_attributes(), &path.name))?,
        ),
        Some(uri) => {
            let (urn, attributes) = extension(kind, uri)?;
            (Some(urn), find(attributes, &path.name)?)
        }
        None => match find(COMMON, &path.name).or_else(|| find(kind.core_attributes(), &path.name))
        {
            Some(attr) => (None, attr),
            None => kind.extensions().iter().find_map(|urn| {
                let (urn, attributes) = extension(kind, urn)?;
                Some((Some(urn), find(attributes, &path.name)?))
            })?,
        },
    };
    let sub = match &path.sub {
        Some(sub) => Some(attr.sub(sub)?),
        None => None,
    };
    Some(Resolved {
        extension,
        attr,
        sub,
    })
}

/// All top-level attributes of `kind` with their container.
pub fn all(kind: ResourceKind) -> impl Iterator<Item = (Option<&'static str>, &'static Attribute)> {
    let core = COMMON
        .iter()
        .chain(kind.core_attributes())
        .map(|a| (None, a));
    let ext = kind.extensions().iter().flat_map(move |urn| {
        extension(kind, urn)
            .into_iter()
            .flat_map(|(urn, attributes)| attributes.iter().map(move |a| (Some(urn), a)))
    });
    core.chain(ext)
}
