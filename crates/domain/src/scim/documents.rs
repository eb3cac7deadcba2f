//! The discovery documents: `/Schemas` (RFC 7643 §7) and `/ResourceTypes` (§6).

use serde_json::{Value, json};

use super::schema::{AttrType, Attribute, Mutability, Returned, SCHEMAS, Uniqueness};
use super::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};

const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/// One document per schema, listing exactly the attributes Tessera supports. `id`,
/// `externalId` and `meta` are common attributes (RFC 7643 §3.1) and so belong to no schema.
pub fn schema_documents(base: &str) -> Vec<Value> {
    let base = base.trim_end_matches('/');
    SCHEMAS
        .iter()
        .map(|schema| {
            json!({
                "schemas": [SCHEMA_SCHEMA],
                "id": schema.id,
                "name": schema.name,
                "description": schema.description,
                "attributes": schema.attributes.iter().map(attribute_document).collect::<Vec<_>>(),
                "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{}", schema.id)},
            })
        })
        .collect()
}

fn attribute_document(attr: &Attribute) -> Value {
    let mut doc = json!({
        "name": attr.name,
        "type": match attr.ty {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::DateTime => "dateTime",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        },
        "multiValued": attr.multi_valued,
        "description": attr.description,
        "required": attr.required,
        "mutability": match attr.mutability {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
        },
        "returned": match attr.returned {
            Returned::Always => "always",
            Returned::Default => "default",
        },
    });
    if attr.ty == AttrType::Complex {
        doc["subAttributes"] = attr.sub_attributes.iter().map(attribute_document).collect();
    } else {
        doc["caseExact"] = json!(attr.case_exact);
    }
    doc["uniqueness"] = json!(match attr.uniqueness {
        Uniqueness::None => "none",
        Uniqueness::Server => "server",
    });
    if !attr.reference_types.is_empty() {
        doc["referenceTypes"] = json!(attr.reference_types);
    }
    if !attr.canonical_values.is_empty() {
        doc["canonicalValues"] = json!(attr.canonical_values);
    }
    doc
}

/// `User` (with the enterprise extension, optional) and `Group`.
pub fn resource_type_documents(base: &str) -> Vec<Value> {
    let base = base.trim_end_matches('/');
    let document = |name: &str, endpoint: &str, schema: &str, extensions: &[&str]| {
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": name,
            "name": name,
            "endpoint": endpoint,
            "description": name,
            "schema": schema,
            "schemaExtensions": extensions.iter().map(|e| json!({"schema": e, "required": false})).collect::<Vec<_>>(),
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{name}")},
        })
    };
    vec![
        document("User", "/Users", USER_SCHEMA, &[ENTERPRISE_USER_SCHEMA]),
        document("Group", "/Groups", GROUP_SCHEMA, &[]),
    ]
}
