use leptos::html;
use leptos::prelude::*;

/// A secret the server shows this once (a webhook's or a policy's signing secret): a heading
/// that takes focus, the warning that it will not be seen again, the secret in a read-only
/// input with a Copy button, what to do with it (`children`), and "I have copied it", which
/// runs `on_done` and should drop the secret from memory.
#[component]
pub fn ShownOnce(
    /// The ids of the heading and the input start with it.
    id: &'static str,
    /// The `<h3>`: "Signing secret of …".
    #[prop(into)]
    title: String,
    secret: String,
    on_done: Callback<()>,
    children: Children,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let to_copy = secret.clone();
    let copy = move |_| {
        let Some(clipboard) = web_sys::window().map(|window| window.navigator().clipboard()) else {
            copied.set(Some(false));
            return;
        };
        let promise = clipboard.write_text(&to_copy);
        leptos::task::spawn_local(async move {
            let done = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            copied.set(Some(done));
        });
    };
    let heading_ref = NodeRef::<html::H3>::new();
    // Focus goes to the secret, so that keyboard and screen-reader users find it.
    Effect::new(move || {
        if let Some(heading) = heading_ref.get() {
            let _ = heading.focus();
        }
    });
    let heading_id = format!("{id}-heading");
    let labelled_by = heading_id.clone();
    let input_id = format!("{id}-value");
    let label_for = input_id.clone();
    view! {
        <div class="secret-once" role="region" aria-labelledby=labelled_by>
            <h3 id=heading_id tabindex="-1" node_ref=heading_ref>{title}</h3>
            <p class="secret-warning">
                <strong>"Copy the secret now: you will not see it again."</strong>
                " Tessera keeps it to sign with but never shows it after this. If it is lost, rotate it to get a new one."
            </p>
            <label class="secret-label" for=label_for>"Secret"</label>
            <div class="secret-row">
                <input id=input_id class="secret-value" type="text" readonly value=secret />
                <button type="button" class="btn btn-secondary" on:click=copy>"Copy"</button>
            </div>
            <p class="secret-status" role="status">
                {move || match copied.get() {
                    Some(true) => "Copied to the clipboard.",
                    Some(false) => "Could not copy: select the secret and copy it yourself.",
                    None => "",
                }}
            </p>
            {children()}
            <button type="button" class="btn btn-primary" on:click=move |_| on_done.run(())>
                "I have copied it"
            </button>
        </div>
    }
}
