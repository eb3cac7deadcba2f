use leptos::prelude::*;

/// The `<h1>` of a page; also names the browser tab after it.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    /// A sentence under the title.
    #[prop(optional)]
    lead: Option<&'static str>,
) -> impl IntoView {
    if let Some(document) = web_sys::window().and_then(|window| window.document()) {
        document.set_title(&format!("{title} · Tessera"));
    }
    view! {
        <div class="page-header">
            <h1>{title}</h1>
            {lead.map(|lead| view! { <p class="lead">{lead}</p> })}
        </div>
    }
}
