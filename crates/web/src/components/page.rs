use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::routes;

/// Where keyboard focus goes after a route change: to the new page's `<h1>`. Provided by the
/// shell; pages outside it (sign-in) leave focus to the browser.
#[derive(Clone, Copy)]
pub struct Arrival {
    initial: StoredValue<String>,
    focused: StoredValue<Option<String>>,
}

impl Arrival {
    pub fn provide(initial: String) {
        provide_context(Arrival {
            initial: StoredValue::new(initial),
            focused: StoredValue::new(None),
        });
    }

    /// Whether the heading of `path` appearing now should take focus; remembers it if so.
    fn claim(&self, path: &str) -> bool {
        let focus_lost = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.active_element())
            .is_none_or(|element| element.tag_name().eq_ignore_ascii_case("body"));
        let claimed = self.initial.with_value(|initial| {
            self.focused.with_value(|focused| {
                routes::focus_on_arrival(initial, focused.as_deref(), path, focus_lost)
            })
        });
        if claimed {
            self.focused.set_value(Some(path.to_string()));
        }
        claimed
    }
}

/// How many times (50 ms apart) a heading built before its page is shown (inside a
/// `Transition` whose data is still loading) is looked at again before focus is left alone.
const SHOWN_TRIES: u32 = 100;

/// Gives `h1` the focus once it is in the document, if the route change still calls for it.
/// A heading is built before a loading page is attached; focusing it then does nothing, and
/// claiming the arrival then would keep the attached heading from taking it later.
fn focus_when_shown(
    h1: web_sys::HtmlHeadingElement,
    arrival: Arrival,
    pathname: Memo<String>,
    tries: u32,
) {
    let path = pathname.get_untracked();
    if h1.is_connected() {
        if arrival.claim(&path) {
            let _ = h1.focus();
        }
    } else if tries > 0 {
        set_timeout(
            move || {
                // Another page since: its own heading decides.
                if pathname.try_get_untracked().as_deref() == Some(path.as_str()) {
                    focus_when_shown(h1, arrival, pathname, tries - 1);
                }
            },
            std::time::Duration::from_millis(50),
        );
    }
}

/// The `<h1>` of a page; also names the browser tab after it. After a route change it takes
/// the keyboard focus (see [`Arrival`]).
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
    let heading = NodeRef::<html::H1>::new();
    let arrival = use_context::<Arrival>();
    let location = use_location();
    Effect::new(move || {
        if let (Some(h1), Some(arrival)) = (heading.get(), arrival) {
            focus_when_shown(h1, arrival, location.pathname, SHOWN_TRIES);
        }
    });
    view! {
        <div class="page-header">
            <h1 tabindex="-1" node_ref=heading>{title}</h1>
            {lead.map(|lead| view! { <p class="lead">{lead}</p> })}
        </div>
    }
}
