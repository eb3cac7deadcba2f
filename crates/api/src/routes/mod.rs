//! HTTP handlers: one module per resource, one function per action. A handler extracts typed
//! input, obtains an authorization proof, calls one service function and maps the result.

pub mod access;
pub mod applications;
pub mod assignments;
pub mod audit;
pub mod auth;
pub mod catalogs;
pub mod connectors;
pub mod extensions;
pub mod groups;
pub mod health;
pub mod imports;
pub mod incompatibilities;
pub mod me;
pub mod metrics;
pub mod notifications;
pub mod packages;
pub mod policies;
pub mod provisioners;
pub mod requests;
pub mod reviews;
pub mod scim;
pub mod session;
pub mod tokens;
pub mod users;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every route that the OpenAPI document describes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(utoipa_actix_web::scope::scope("/api/v1").configure(configure_api));
    configure_probes(cfg);
}

/// Registers every `/api/v1` route together with its OpenAPI description.
fn configure_api(cfg: &mut ServiceConfig) {
    cfg.service(session::sign_in)
        .service(session::sign_out)
        .service(auth::list_auth_providers)
        .service(auth::start_oidc_sign_in)
        .service(auth::finish_oidc_sign_in)
        .service(me::get_me)
        .service(me::change_my_password)
        .service(me::list_my_reports)
        .service(me::get_my_team)
        .service(users::list_users)
        .service(users::list_people)
        .service(users::create_user)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::delete_user)
        .service(users::set_user_password)
        .service(users::delete_identity_link)
        .service(users::list_user_tokens)
        .service(users::create_user_token)
        .service(tokens::list_tokens)
        .service(tokens::create_token)
        .service(tokens::revoke_token);
    cfg.service(groups::list_groups)
        .service(groups::list_group_names)
        .service(groups::create_group)
        .service(groups::get_group)
        .service(groups::update_group)
        .service(groups::delete_group)
        .service(groups::list_group_members)
        .service(groups::add_group_member)
        .service(groups::remove_group_member)
        .service(groups::list_group_owners)
        .service(groups::add_group_owner)
        .service(groups::remove_group_owner)
        .service(applications::list_applications)
        .service(applications::create_application)
        .service(applications::get_application)
        .service(applications::update_application)
        .service(applications::delete_application)
        .service(applications::list_app_roles)
        .service(applications::create_app_role)
        .service(applications::delete_app_role)
        .service(applications::list_app_role_assignees)
        .service(applications::assign_app_role)
        .service(applications::unassign_app_role)
        .service(imports::import_directory);
    cfg.service(catalogs::list_catalogs)
        .service(catalogs::create_catalog)
        .service(catalogs::get_catalog)
        .service(catalogs::update_catalog)
        .service(catalogs::delete_catalog)
        .service(catalogs::list_catalog_roles)
        .service(catalogs::grant_catalog_role)
        .service(catalogs::revoke_catalog_role)
        .service(catalogs::list_catalog_resources)
        .service(catalogs::add_catalog_resource)
        .service(catalogs::remove_catalog_resource)
        .service(catalogs::list_addable_groups)
        .service(catalogs::list_catalog_creators)
        .service(catalogs::grant_catalog_creator)
        .service(catalogs::revoke_catalog_creator)
        .service(provisioners::list_provisioners)
        .service(provisioners::grant_provisioner)
        .service(provisioners::revoke_provisioner);
    cfg.service(packages::list_catalog_access_packages)
        .service(packages::list_access_packages)
        .service(packages::create_access_package)
        .service(packages::get_access_package)
        .service(packages::update_access_package)
        .service(packages::delete_access_package)
        .service(packages::move_access_package)
        .service(packages::add_access_package_resource_role)
        .service(packages::remove_access_package_resource_role);
    cfg.service(policies::list_policies)
        .service(policies::create_policy)
        .service(policies::get_policy)
        .service(policies::replace_policy)
        .service(policies::delete_policy);
    cfg.service(audit::list_audit_events)
        .service(audit::export_audit_events);
    cfg.service(webhooks::list_webhook_subscriptions)
        .service(webhooks::create_webhook_subscription)
        .service(webhooks::get_webhook_subscription)
        .service(webhooks::update_webhook_subscription)
        .service(webhooks::delete_webhook_subscription)
        .service(webhooks::rotate_webhook_secret)
        .service(webhooks::send_webhook_test_event)
        .service(webhooks::list_webhook_deliveries)
        .service(webhooks::replay_webhook_delivery);
    cfg.service(extensions::answer_extension_callback)
        .service(extensions::rotate_policy_extension_secret)
        .service(connectors::list_connectors)
        .service(connectors::create_connector)
        .service(connectors::get_connector)
        .service(connectors::update_connector)
        .service(connectors::delete_connector)
        .service(connectors::test_connector)
        .service(connectors::list_connector_bindings)
        .service(connectors::create_connector_binding)
        .service(connectors::delete_connector_binding)
        .service(connectors::export_connector_binding_reconciliation)
        .service(connectors::get_connector_binding_reconciliation)
        .service(connectors::apply_connector_binding_reconciliation)
        .service(connectors::list_assignment_deliveries)
        .service(connectors::list_connector_operations)
        .service(connectors::retry_provisioning_operation)
        .service(connectors::skip_provisioning_operation);
    cfg.service(incompatibilities::get_access_package_incompatibilities)
        .service(incompatibilities::add_incompatible_access_package)
        .service(incompatibilities::remove_incompatible_access_package)
        .service(incompatibilities::add_incompatible_group)
        .service(incompatibilities::remove_incompatible_group);
    cfg.service(assignments::create_assignment)
        .service(assignments::list_assignments)
        .service(assignments::export_assignments)
        .service(assignments::get_assignment)
        .service(assignments::remove_assignment)
        .service(assignments::reprocess_assignment)
        .service(assignments::reprocess_access_package)
        .service(assignments::list_access_package_conflicts)
        .service(assignments::export_access_package_conflicts);
    cfg.service(notifications::list_my_notifications)
        .service(notifications::mark_notification_read)
        .service(notifications::mark_all_notifications_read);
    cfg.service(requests::submit_request)
        .service(requests::get_request)
        .service(requests::decide_request)
        .service(requests::cancel_request)
        .service(requests::list_my_requests)
        .service(requests::list_my_approvals)
        .service(requests::list_requests)
        .service(requests::export_requests)
        .service(access::list_available_packages)
        .service(access::list_available_catalogs)
        .service(access::list_suggested_packages)
        .service(access::get_request_options)
        .service(access::list_my_assignments)
        .service(access::get_overview);
    cfg.service(reviews::create_access_review)
        .service(reviews::list_access_reviews)
        .service(reviews::get_access_review)
        .service(reviews::replace_access_review)
        .service(reviews::delete_access_review)
        .service(reviews::list_access_review_instances)
        .service(reviews::list_my_access_reviews)
        .service(reviews::get_access_review_instance)
        .service(reviews::list_access_review_items)
        .service(reviews::list_user_access_review_items)
        .service(reviews::export_access_review_results)
        .service(reviews::stop_access_review_instance)
        .service(reviews::stop_access_review)
        .service(reviews::remind_access_review_instance)
        .service(reviews::reset_access_review_instance)
        .service(reviews::apply_access_review_instance)
        .service(reviews::decide_access_review_item)
        .service(reviews::decide_access_review_items)
        .service(reviews::accept_access_review_recommendations)
        .service(reviews::get_policy_access_review)
        .service(reviews::put_policy_access_review)
        .service(reviews::delete_policy_access_review);
}

/// Registers the operational probes and the metrics, outside `/api/v1`.
fn configure_probes(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(metrics::get_metrics);
}
