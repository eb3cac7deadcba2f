//! Behaviour of the module as the API uses it, in the shapes real clients send.

use serde_json::{Value, json};

use super::*;

fn user() -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "Ext-9",
        "userName": "BJensen@example.com",
        "name": {"formatted": "Ms. Barbara J Jensen", "familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs Jensen",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "groups": [{"value": "e9e30dba", "display": "Tour Guides"}],
        ENTERPRISE_USER_SCHEMA: {"department": "Tour Operations", "manager": {"value": "26118915", "displayName": "John Smith"}},
        "meta": {
            "resourceType": "User",
            "created": "2024-01-23T04:56:22Z",
            "lastModified": "2024-05-13T04:42:34Z",
            "location": "https://example.com/scim/v2/Users/2819c223-7f76-453a-919d-413861904646"
        }
    })
}

fn group() -> Value {
    json!({
        "schemas": [GROUP_SCHEMA],
        "id": "e9e30dba",
        "displayName": "Tour Guides",
        "members": [{"value": "2819c223", "display": "Babs Jensen"}, {"value": "902c246b"}],
        "meta": {"resourceType": "Group"}
    })
}

fn matches(filter: &str) -> bool {
    parse_filter(filter)
        .unwrap_or_else(|e| panic!("{filter}: {e}"))
        .matches(&user(), ResourceKind::User)
}

fn patched(mut resource: Value, kind: ResourceKind, body: Value) -> Result<Value, ScimError> {
    let ops = parse_patch(&body)?;
    apply_patch(&mut resource, kind, &ops)?;
    Ok(resource)
}

fn ops(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

// ---- filters ----

#[test]
fn every_operator_evaluates() {
    assert!(matches(r#"userName eq "bjensen@example.com""#));
    assert!(matches(r#"userName ne "someone""#));
    assert!(matches(r#"displayName co "bs Je""#));
    assert!(matches(r#"displayName sw "babs""#));
    assert!(matches(r#"displayName ew "JENSEN""#));
    assert!(matches(r#"userName gt "a""#));
    assert!(matches(r#"userName ge "bjensen@example.com""#));
    assert!(matches(r#"userName lt "c""#));
    assert!(matches(r#"userName le "bjensen@example.com""#));
    assert!(matches("displayName pr"));
    assert!(!matches("userType pr"));
    assert!(!matches(r#"userName eq "other""#));
    assert!(!matches(r#"displayName sw "jensen""#));
}

#[test]
fn strings_compare_case_insensitively_unless_case_exact() {
    assert!(matches(r#"USERNAME eq "BJENSEN@EXAMPLE.COM""#));
    assert!(matches(r#"externalId eq "Ext-9""#));
    assert!(!matches(r#"externalId eq "ext-9""#));
    assert!(!matches(r#"id eq "2819C223-7F76-453A-919D-413861904646""#));
}

#[test]
fn combinators_follow_precedence() {
    // `or` binds looser than `and`: true or (false and false) is true.
    assert!(matches(
        r#"active eq true or userName eq "x" and displayName eq "y""#
    ));
    // (true or false) and false is false.
    assert!(!matches(
        r#"(active eq true or userName eq "x") and displayName eq "y""#
    ));
    assert!(matches(r#"not (userName eq "x") and active eq true"#));
    assert!(!matches(r#"not (active eq true)"#));
}

#[test]
fn multi_valued_attributes_match_when_any_value_does() {
    assert!(matches(r#"emails.value eq "babs@jensen.org""#));
    assert!(matches(r#"emails eq "babs@jensen.org""#));
    assert!(matches(
        r#"emails[type eq "work" and value co "@example.com"]"#
    ));
    assert!(!matches(
        r#"emails[type eq "home" and value co "@example.com"]"#
    ));
    assert!(matches(r#"emails[primary eq true]"#));
    assert!(matches(r#"groups.display eq "tour guides""#));
}

#[test]
fn date_times_compare_as_instants() {
    assert!(matches(r#"meta.lastModified gt "2024-05-13T04:42:33Z""#));
    assert!(matches(
        r#"meta.lastModified eq "2024-05-13T06:42:34+02:00""#
    ));
    assert!(!matches(
        r#"meta.lastModified gt "2024-05-13T06:42:34+02:00""#
    ));
    assert!(matches(r#"meta.created lt "2024-01-23T04:56:22.001Z""#));
}

#[test]
fn enterprise_attributes_match_with_or_without_their_urn() {
    assert!(matches(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#
    ));
    assert!(matches(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations""#
    ));
    assert!(matches(r#"department sw "Tour""#));
}

#[test]
fn booleans_null_and_unknown_attributes() {
    assert!(matches("active eq true"));
    assert!(!matches("active eq false"));
    assert!(matches(r#"active eq "True""#));
    assert!(matches("userType eq null"));
    assert!(!matches("userName eq null"));
    assert!(!matches(r#"nickName eq "x""#));
    assert!(!matches("active gt true"));
}

#[test]
fn group_filters_use_the_group_schema() {
    let members = parse_filter(r#"members[value eq "902c246b"]"#).unwrap();
    assert!(members.matches(&group(), ResourceKind::Group));
    assert!(
        parse_filter(r#"displayName eq "tour guides""#)
            .unwrap()
            .matches(&group(), ResourceKind::Group)
    );
}

// ---- PATCH parsing ----

#[test]
fn patch_bodies_accept_any_case_of_op_and_operations() {
    let parsed = parse_patch(&json!({"schemas": [PATCH_OP], "operations": [
        {"op": "Add", "path": "displayName", "value": "x"},
        {"OP": "REPLACE", "value": {"active": false}},
        {"op": "remove", "path": "userType"}
    ]}))
    .unwrap();
    let kinds: Vec<_> = parsed.iter().map(|o| o.op).collect();
    assert_eq!(
        kinds,
        [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]
    );
}

#[test]
fn malformed_patch_bodies_are_refused_with_the_right_type() {
    for (body, scim_type, detail) in [
        (
            json!({"Operations": []}),
            ScimType::InvalidSyntax,
            "'schemas' must contain",
        ),
        (
            json!({"schemas": [PATCH_OP]}),
            ScimType::InvalidSyntax,
            "'Operations' must be an array",
        ),
        (
            ops(json!([{"op": "move", "path": "x"}])),
            ScimType::InvalidSyntax,
            "Operations[0].op",
        ),
        (
            ops(json!([{"op": "remove"}])),
            ScimType::NoTarget,
            "remove needs a path",
        ),
        (
            ops(json!([{"op": "add", "path": "displayName"}])),
            ScimType::InvalidValue,
            "needs a value",
        ),
        (
            ops(json!([{"op": "replace", "value": "x"}])),
            ScimType::InvalidValue,
            "must be an object",
        ),
        (
            ops(json!([{"op": "add", "path": "emails[type eq", "value": 1}])),
            ScimType::InvalidPath,
            "Operations[0].path",
        ),
    ] {
        let error = parse_patch(&body).unwrap_err();
        assert_eq!(error.scim_type, Some(scim_type), "{body}");
        assert!(error.detail.contains(detail), "{body}: {}", error.detail);
    }
}

// ---- PATCH application: Microsoft Entra ID ----

#[test]
fn entra_replace_active_with_a_capitalised_boolean_string() {
    let out = patched(
        user(),
        ResourceKind::User,
        ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
    )
    .unwrap();
    assert_eq!(out["active"], json!(false));
}

#[test]
fn entra_pathless_replace_with_a_value_object() {
    let out = patched(
        user(),
        ResourceKind::User,
        ops(json!([{"op": "replace", "value": {"displayName": "x", "active": false, "name.givenName": "Barb",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales"}}])),
    )
    .unwrap();
    assert_eq!(
        (&out["displayName"], &out["active"]),
        (&json!("x"), &json!(false))
    );
    assert_eq!(out["name"]["givenName"], "Barb");
    assert_eq!(out["name"]["familyName"], "Jensen");
    assert_eq!(out[ENTERPRISE_USER_SCHEMA]["department"], "Sales");
}

#[test]
fn entra_default_mappings_of_attributes_tessera_does_not_keep_change_nothing() {
    let before = user();
    let out = patched(
        before.clone(),
        ResourceKind::User,
        ops(json!([
            {"op": "Replace", "path": "title", "value": "Engineer"},
            {"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555"},
            {"op": "Replace", "value": {"preferredLanguage": "en-GB",
                "addresses[type eq \"work\"].formatted": "1 Main St"}}
        ])),
    )
    .unwrap();
    assert_eq!(out, before);
    let refused = patched(
        user(),
        ResourceKind::User,
        ops(json!([{"op": "Replace", "path": "favouriteColour", "value": "blue"}])),
    )
    .unwrap_err();
    assert_eq!(refused.scim_type, Some(ScimType::InvalidPath));
}

#[test]
fn entra_filtered_email_paths_replace_and_create() {
    let out = patched(
        user(),
        ResourceKind::User,
        ops(json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@example.com"}])),
    )
    .unwrap();
    assert_eq!(
        out["emails"][0],
        json!({"value": "new@example.com", "type": "work", "primary": true})
    );
    let mut without = user();
    without["emails"] = json!([]);
    let out = patched(
        without.clone(),
        ResourceKind::User,
        ops(json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "w@example.com"}])),
    )
    .unwrap();
    assert_eq!(
        out["emails"],
        json!([{"type": "work", "value": "w@example.com"}])
    );
    let error = patched(
        without,
        ResourceKind::User,
        ops(json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w@example.com"}])),
    )
    .unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::NoTarget));
}

#[test]
fn entra_sets_a_sub_attribute_of_name() {
    let out = patched(
        user(),
        ResourceKind::User,
        ops(json!([{"op": "Add", "path": "name.givenName", "value": "B"}])),
    )
    .unwrap();
    assert_eq!(out["name"]["givenName"], "B");
    let out = patched(
        user(),
        ResourceKind::User,
        ops(json!([{"op": "Remove", "path": "name.formatted"}])),
    )
    .unwrap();
    assert!(out["name"].get("formatted").is_none());
}

#[test]
fn entra_manager_as_an_object_a_string_and_removed() {
    let path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
    let mut bare = user();
    bare.as_object_mut().unwrap().remove(ENTERPRISE_USER_SCHEMA);
    bare["schemas"] = json!([USER_SCHEMA]);
    let out = patched(
        bare,
        ResourceKind::User,
        ops(json!([{"op": "Add", "path": path, "value": {"value": "m1"}}])),
    )
    .unwrap();
    assert_eq!(
        out[ENTERPRISE_USER_SCHEMA]["manager"],
        json!({"value": "m1"})
    );
    assert_eq!(out["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
    let out = patched(
        user(),
        ResourceKind::User,
        ops(json!([{"op": "Replace", "path": path, "value": "m2"}])),
    )
    .unwrap();
    assert_eq!(out[ENTERPRISE_USER_SCHEMA]["manager"]["value"], "m2");
    let out = patched(
        user(),
        ResourceKind::User,
        ops(json!([{"op": "Remove", "path": path}])),
    )
    .unwrap();
    assert!(out[ENTERPRISE_USER_SCHEMA].get("manager").is_none());
}

#[test]
fn entra_adds_and_removes_group_members_by_value() {
    let out = patched(
        group(),
        ResourceKind::Group,
        ops(json!([{"op": "Add", "path": "members", "value": [{"value": "new1"}, {"value": "2819c223"}]}])),
    )
    .unwrap();
    let ids: Vec<_> = out["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].clone())
        .collect();
    assert_eq!(ids, [json!("2819c223"), json!("902c246b"), json!("new1")]);
    let out = patched(
        group(),
        ResourceKind::Group,
        ops(json!([{"op": "Remove", "path": "members", "value": [{"value": "2819c223"}]}])),
    )
    .unwrap();
    assert_eq!(out["members"], json!([{"value": "902c246b"}]));
    let out = patched(
        group(),
        ResourceKind::Group,
        ops(json!([{"op": "Remove", "path": "members[value eq \"902c246b\"]"}])),
    )
    .unwrap();
    assert_eq!(
        out["members"],
        json!([{"value": "2819c223", "display": "Babs Jensen"}])
    );
}

#[test]
fn removing_every_member_or_a_missing_one_succeeds() {
    let out = patched(
        group(),
        ResourceKind::Group,
        ops(json!([{"op": "remove", "path": "members"}])),
    )
    .unwrap();
    assert!(out.get("members").is_none());
    let out = patched(
        group(),
        ResourceKind::Group,
        ops(json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}])),
    )
    .unwrap();
    assert_eq!(out, group());
}

// ---- PATCH application: Okta ----

#[test]
fn okta_deactivates_with_a_pathless_replace() {
    let out = patched(
        user(),
        ResourceKind::User,
        ops(json!([{"op": "replace", "value": {"active": false}}])),
    )
    .unwrap();
    assert_eq!(out["active"], json!(false));
}

#[test]
fn okta_replaces_the_member_list() {
    let out = patched(
        group(),
        ResourceKind::Group,
        ops(json!([{"op": "replace", "path": "members", "value": [{"value": "a1", "display": "A"}]}])),
    )
    .unwrap();
    // `display` is readOnly here: Tessera answers members by id alone.
    assert_eq!(out["members"], json!([{"value": "a1"}]));
}

#[test]
fn okta_renames_a_group_echoing_its_unchanged_id() {
    let out = patched(
        group(),
        ResourceKind::Group,
        ops(json!([{"op": "replace", "value": {"id": "e9e30dba", "displayName": "New"}}])),
    )
    .unwrap();
    assert_eq!(
        (&out["id"], &out["displayName"]),
        (&json!("e9e30dba"), &json!("New"))
    );
}

// ---- PATCH: general rules ----

#[test]
fn read_only_attributes_cannot_change() {
    for op in [
        json!({"op": "replace", "value": {"id": "other"}}),
        json!({"op": "replace", "path": "id", "value": "other"}),
        json!({"op": "remove", "path": "meta"}),
        json!({"op": "add", "path": "groups", "value": [{"value": "g2"}]}),
        json!({"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName", "value": "x"}),
    ] {
        let error = patched(user(), ResourceKind::User, ops(json!([op.clone()]))).unwrap_err();
        assert_eq!(
            (error.status, error.scim_type),
            (400, Some(ScimType::Mutability)),
            "{op}"
        );
    }
}

#[test]
fn unknown_attributes_and_wrong_values_are_refused() {
    let cases = [
        (
            json!({"op": "add", "path": "favouriteColour", "value": "x"}),
            ScimType::InvalidPath,
        ),
        (
            json!({"op": "add", "path": "name.middle", "value": "x"}),
            ScimType::InvalidPath,
        ),
        (
            json!({"op": "replace", "value": {"favouriteColour": "x"}}),
            ScimType::InvalidPath,
        ),
        (
            json!({"op": "replace", "path": "active", "value": "maybe"}),
            ScimType::InvalidValue,
        ),
        (
            json!({"op": "replace", "path": "displayName", "value": 5}),
            ScimType::InvalidValue,
        ),
        (
            json!({"op": "replace", "path": "emails.value", "value": "x"}),
            ScimType::InvalidPath,
        ),
        (
            json!({"op": "remove", "path": "userName"}),
            ScimType::InvalidValue,
        ),
    ];
    for (op, scim_type) in cases {
        let error = patched(user(), ResourceKind::User, ops(json!([op.clone()]))).unwrap_err();
        assert_eq!(error.scim_type, Some(scim_type), "{op}: {}", error.detail);
    }
}

#[test]
fn a_failing_operation_leaves_the_resource_unchanged() {
    let mut resource = user();
    let operations = parse_patch(&ops(json!([
        {"op": "replace", "path": "displayName", "value": "changed"},
        {"op": "replace", "path": "id", "value": "stolen"}
    ])))
    .unwrap();
    assert!(apply_patch(&mut resource, ResourceKind::User, &operations).is_err());
    assert_eq!(resource, user());
}

#[test]
fn add_to_a_multi_valued_attribute_appends_without_duplicates() {
    let out = patched(
        user(),
        ResourceKind::User,
        ops(json!([{"op": "add", "path": "emails", "value": [{"value": "BJENSEN@example.com", "type": "work"}, {"value": "c@x.org"}]}])),
    )
    .unwrap();
    assert_eq!(out["emails"].as_array().unwrap().len(), 3);
    assert_eq!(out["emails"][2], json!({"value": "c@x.org"}));
}

#[test]
fn attribute_names_are_case_insensitive_in_paths_and_values() {
    let out = patched(
        user(),
        ResourceKind::User,
        ops(json!([
            {"op": "replace", "path": "DISPLAYNAME", "value": "A"},
            {"op": "replace", "value": {"NAME": {"GIVENNAME": "G"}}},
            {"op": "remove", "path": "EMAILS[TYPE eq \"home\"]"}
        ])),
    )
    .unwrap();
    assert_eq!(
        (&out["displayName"], &out["name"]["givenName"]),
        (&json!("A"), &json!("G"))
    );
    assert_eq!(out["emails"].as_array().unwrap().len(), 1);
    assert!(out.get("DISPLAYNAME").is_none());
}

// ---- normalise ----

#[test]
fn normalise_moves_urn_keys_and_canonicalises_names_and_booleans() {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:user", "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"],
        "USERNAME": "a@x",
        "DisplayName": "A",
        "Active": "True",
        "name": {"GivenName": "A"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Ops",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "m1",
        "emails": [{"Value": "a@x", "type": "work", "primary": "true"}],
        "id": "ignored",
        "title": "unsupported",
        "phoneNumbers": [{"value": "1"}],
        "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User": {"tag": "x"}
    });
    normalise(&mut body, ResourceKind::User).unwrap();
    assert_eq!(
        body,
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "userName": "a@x",
            "displayName": "A",
            "active": true,
            "name": {"givenName": "A"},
            "emails": [{"value": "a@x", "type": "work"}],
            ENTERPRISE_USER_SCHEMA: {"department": "Ops", "manager": {"value": "m1"}}
        })
    );
}

#[test]
fn normalise_checks_schemas_and_required_attributes() {
    for (mut body, scim_type, detail) in [
        (
            json!({"userName": "a"}),
            ScimType::InvalidSyntax,
            "'schemas'",
        ),
        (
            json!({"schemas": [GROUP_SCHEMA], "userName": "a"}),
            ScimType::InvalidValue,
            "must contain",
        ),
        (
            json!({"schemas": [ENTERPRISE_USER_SCHEMA], "userName": "a"}),
            ScimType::InvalidValue,
            "must contain",
        ),
        (
            json!({"schemas": [USER_SCHEMA]}),
            ScimType::InvalidValue,
            "'userName' is required",
        ),
        (
            json!({"schemas": [USER_SCHEMA], "userName": "a", "active": "yes"}),
            ScimType::InvalidValue,
            "'active'",
        ),
        (json!([1]), ScimType::InvalidSyntax, "JSON object"),
    ] {
        let error = normalise(&mut body, ResourceKind::User).unwrap_err();
        assert_eq!(error.scim_type, Some(scim_type), "{body}");
        assert!(error.detail.contains(detail), "{body}: {}", error.detail);
    }
    let mut group =
        json!({"schemas": [GROUP_SCHEMA], "displayname": "G", "members": [{"value": "u1"}]});
    normalise(&mut group, ResourceKind::Group).unwrap();
    assert_eq!(
        group,
        json!({"schemas": [GROUP_SCHEMA], "displayName": "G", "members": [{"value": "u1"}]})
    );
}

// ---- projection ----

#[test]
fn attributes_selects_and_always_keeps_id_and_schemas() {
    let attributes = parse_attr_list(
        "userName,emails.value,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    )
    .unwrap();
    let out = project(&user(), ResourceKind::User, &attributes, &[]);
    assert_eq!(
        out,
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "userName": "BJensen@example.com",
            "emails": [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}],
            ENTERPRISE_USER_SCHEMA: {"manager": {"value": "26118915", "displayName": "John Smith"}}
        })
    );
}

#[test]
fn excluded_attributes_removes_all_but_always_returned_ones() {
    let excluded = parse_attr_list(
        "id,emails,name.formatted,meta,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    )
    .unwrap();
    let out = project(&user(), ResourceKind::User, &[], &excluded);
    assert_eq!(out["id"], user()["id"]);
    assert!(
        out.get("emails").is_none()
            && out.get("meta").is_none()
            && out.get(ENTERPRISE_USER_SCHEMA).is_none()
    );
    assert_eq!(
        out["name"],
        json!({"familyName": "Jensen", "givenName": "Barbara"})
    );
    assert_eq!(out["userName"], user()["userName"]);
}

#[test]
fn projection_of_a_whole_extension_and_of_groups() {
    let out = project(
        &group(),
        ResourceKind::Group,
        &parse_attr_list("displayName").unwrap(),
        &[],
    );
    assert_eq!(
        out,
        json!({"schemas": [GROUP_SCHEMA], "id": "e9e30dba", "displayName": "Tour Guides"})
    );
    let out = project(
        &user(),
        ResourceKind::User,
        &parse_attr_list(ENTERPRISE_USER_SCHEMA).unwrap(),
        &[],
    );
    assert_eq!(out[ENTERPRISE_USER_SCHEMA], user()[ENTERPRISE_USER_SCHEMA]);
    assert!(out.get("userName").is_none());
}

// ---- discovery ----

#[test]
fn schema_documents_list_exactly_the_supported_attributes() {
    let documents = schema_documents("https://host/scim/v2/");
    let names = |id: &str| -> Vec<String> {
        let document = documents.iter().find(|d| d["id"] == id).unwrap();
        document["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(USER_SCHEMA),
        [
            "userName",
            "name",
            "displayName",
            "userType",
            "active",
            "emails",
            "groups"
        ]
    );
    assert_eq!(
        names(ENTERPRISE_USER_SCHEMA),
        [
            "employeeNumber",
            "costCenter",
            "organization",
            "division",
            "department",
            "manager"
        ]
    );
    assert_eq!(names(GROUP_SCHEMA), ["displayName", "members"]);
    let user = &documents[0];
    assert_eq!(
        user["meta"],
        json!({"resourceType": "Schema", "location": format!("https://host/scim/v2/Schemas/{USER_SCHEMA}")})
    );
    assert_eq!(
        user["attributes"][0],
        json!({"name": "userName", "type": "string", "multiValued": false, "description": "Unique identifier for the user, used to sign in.",
               "required": true, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "server"})
    );
    let groups = &user["attributes"][6];
    assert_eq!(
        (&groups["mutability"], &groups["multiValued"]),
        (&json!("readOnly"), &json!(true))
    );
    let subs: Vec<_> = groups["subAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(subs, [json!("value"), json!("$ref"), json!("display")]);
}

#[test]
fn resource_type_documents_describe_users_with_the_enterprise_extension_and_groups() {
    let documents = resource_type_documents("https://host/scim/v2");
    assert_eq!(documents.len(), 2);
    assert_eq!(documents[0]["endpoint"], "/Users");
    assert_eq!(
        documents[0]["schemaExtensions"],
        json!([{"schema": ENTERPRISE_USER_SCHEMA, "required": false}])
    );
    assert_eq!(
        documents[1]["meta"]["location"],
        "https://host/scim/v2/ResourceTypes/Group"
    );
}

#[test]
fn pathless_values_may_use_filtered_paths_as_keys() {
    let out = patched(
        user(),
        ResourceKind::User,
        ops(json!([{"op": "Add", "value": {"emails[type eq \"work\"].value": "w2@example.com"}}])),
    )
    .unwrap();
    assert_eq!(out["emails"][0]["value"], "w2@example.com");
}

#[test]
fn absent_attributes_equal_null_and_differ_from_values() {
    assert!(matches(r#"userType ne "Employee""#));
    assert!(!matches("userType ne null"));
    assert!(!matches(r#"userType eq "Employee""#));
}

proptest::proptest! {
    /// Any sequence of operations, valid or not, either applies or leaves the user untouched,
    /// and never panics.
    #[test]
    fn patch_is_atomic_for_any_operations(choices in proptest::collection::vec((0usize..3, 0usize..12, 0usize..8), 1..5)) {
        const PATHS: [&str; 12] = [
            "active", "displayName", "id", "emails", "emails[type eq \"work\"].value", "name.givenName",
            "groups", "members", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "emails[value co \"@\"]", "userName", "meta.created",
        ];
        let values = [json!("False"), json!(true), json!("x"), json!(null), json!([{"value": "v"}]),
            json!({"value": "m"}), json!(7), json!({"givenName": "G"})];
        let operations: Vec<Value> = choices
            .iter()
            .map(|&(op, path, value)| {
                let op = ["Add", "replace", "REMOVE"][op];
                json!({"op": op, "path": PATHS[path], "value": values[value].clone()})
            })
            .collect();
        let before = user();
        let mut resource = before.clone();
        if let Ok(parsed) = parse_patch(&ops(Value::Array(operations)))
            && apply_patch(&mut resource, ResourceKind::User, &parsed).is_err()
        {
            proptest::prop_assert_eq!(resource, before);
        }
    }
}

#[test]
fn a_whole_extension_can_be_the_path() {
    let urn = ENTERPRISE_USER_SCHEMA;
    let out = patched(
        user(),
        ResourceKind::User,
        ops(json!([{"op": "replace", "path": urn, "value": {"department": "R&D"}}])),
    )
    .unwrap();
    assert_eq!(
        out[urn],
        json!({"department": "R&D", "manager": {"value": "26118915", "displayName": "John Smith"}})
    );
    let out = patched(
        user(),
        ResourceKind::User,
        ops(json!([{"op": "remove", "path": urn}])),
    )
    .unwrap();
    assert!(out.get(urn).is_none());
}

proptest::proptest! {
    /// Whatever parses also evaluates, against users and groups, without panicking.
    #[test]
    fn any_parsed_filter_evaluates(
        raw in r#"(not |\(|\)|and |or |emails|members|\[|\]|meta\.lastModified|name\.givenName|active|userName|id|type|value| eq | gt | co | pr |"x"|"2024-01-01T00:00:00Z"|true|null|1){1,14}"#
    ) {
        if let Ok(filter) = parse_filter(&raw) {
            let _ = filter.matches(&user(), ResourceKind::User);
            let _ = filter.matches(&group(), ResourceKind::Group);
            let _ = filter.as_simple_eq();
        }
    }
}

#[test]
fn presence_of_complex_and_multi_valued_attributes() {
    assert!(matches("name pr"));
    assert!(matches("emails pr"));
    assert!(matches("meta pr"));
    assert!(matches(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr"
    ));
    assert!(!matches(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr"
    ));
    let mut blank = user();
    blank["name"] = json!({"givenName": ""});
    blank["emails"] = json!([]);
    for raw in ["name pr", "emails pr", "name.givenName pr"] {
        assert!(
            !parse_filter(raw)
                .unwrap()
                .matches(&blank, ResourceKind::User),
            "{raw}"
        );
    }
}

#[test]
fn adding_members_to_an_empty_group_creates_the_list() {
    let mut empty = group();
    empty.as_object_mut().unwrap().remove("members");
    let out = patched(
        empty,
        ResourceKind::Group,
        ops(json!([{"op": "Add", "path": "members", "value": [{"value": "u1", "$ref": null}]}])),
    )
    .unwrap();
    assert_eq!(out["members"], json!([{"value": "u1"}]));
}
