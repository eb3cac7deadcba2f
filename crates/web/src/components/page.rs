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

/// A page whose feature does not exist yet. Says so, instead of showing made-up content.
#[component]
pub fn NotBuiltYet(title: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <PageHeader title=title />
        <div class="state state-empty">
            <p class="state-title">"Not available yet"</p>
            <p>{what}</p>
            <p>"This part of Tessera is not built yet. It arrives in a later release."</p>
        </div>
    }
}
