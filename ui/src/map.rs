//! The grid map: the grids' outlines and the orders as pins, drawn as SVG
//! from what is on the device. There is no basemap and no tile server, so
//! it works in a stairwell with no signal. Positions are WGS-84 as stored
//! and drawn as they are (see ARCHITECTURE.md, "Coordinates").

mod frame;

use gridwalk_domain::Coordinates;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;

use crate::lang::{t_string, use_i18n};
use crate::state::use_ctx;
use frame::{Frame, WIDTH};

/// One thing on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    pub at: Coordinates,
    /// A CSS class saying its state (`stage-accepted`), which sets its colour.
    pub class: String,
    /// Where a tap on it goes.
    pub href: Option<String>,
}

/// An outline to draw, with the grid's name at its middle.
#[derive(Debug, Clone, PartialEq)]
struct Outline {
    name: String,
    rings: Vec<Vec<Coordinates>>,
}

/// The grids' outlines and `pins`. With `pick`, a tap on the map puts the
/// chosen point there (a rider whose phone has no GPS fix).
#[component]
pub fn GridMap(
    id: &'static str,
    #[prop(into)] pins: Signal<Vec<Pin>>,
    #[prop(optional)] pick: Option<RwSignal<Option<Coordinates>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let navigate = StoredValue::new(use_navigate());
    let outlines = move || {
        ctx.me()
            .map(|me| {
                me.outlined_grids()
                    .map(|(n, b)| Outline {
                        name: n.name.clone(),
                        rings: b.rings().to_vec(),
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let frame = Memo::new(move |_| {
        let mut all: Vec<Coordinates> = outlines()
            .iter()
            .flat_map(|o| o.rings[0].iter().copied())
            .collect();
        all.extend(pins.get().iter().map(|p| p.at));
        all.extend(pick.and_then(|p| p.get()));
        Frame::fit(&all)
    });
    let on_tap = move |ev: leptos::ev::MouseEvent| {
        let (Some(pick), Some(f)) = (pick, frame.get_untracked()) else {
            return;
        };
        let Some(el) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let r = el.get_bounding_client_rect();
        if r.width() <= 0.0 || r.height() <= 0.0 {
            return;
        }
        let x = (f64::from(ev.client_x()) - r.left()) / r.width() * WIDTH;
        let y = (f64::from(ev.client_y()) - r.top()) / r.height() * f.height;
        if let Some(at) = f.at(x, y) {
            pick.set(Some(at));
        }
    };
    view! {
        {move || match frame.get() {
            None => view! { <p class="map-empty" id=id>{t_string!(i18n, map.empty)}</p> }.into_any(),
            Some(f) => {
                let h = f.height;
                let shapes = outlines().into_iter().map(|o| {
                    let (sx, sy, n) = o.rings[0].iter().fold((0.0, 0.0, 0.0), |(x, y, n), c| {
                        let (px, py) = f.xy(*c);
                        (x + px, y + py, n + 1.0)
                    });
                    let outer = f.points(&o.rings[0]);
                    let holes = o.rings[1..].iter().map(|r| {
                        view! { <polygon class="map-hole" points=f.points(r) /> }
                    }).collect_view();
                    view! {
                        <polygon class="map-grid" points=outer />
                        {holes}
                        <text class="map-label" x=format!("{:.1}", sx / n) y=format!("{:.1}", sy / n) text-anchor="middle">{o.name}</text>
                    }
                }).collect_view();
                let dots = pins.get().into_iter().map(|p| {
                    let (x, y) = f.xy(p.at);
                    let href = p.href.clone();
                    view! {
                        <circle class=format!("pin {}", p.class) cx=format!("{x:.1}") cy=format!("{y:.1}") r="22"
                            data-href=p.href.clone().unwrap_or_default()
                            on:click=move |ev| {
                                if let Some(h) = &href {
                                    ev.stop_propagation();
                                    navigate.with_value(|n| n(h, Default::default()));
                                }
                            } />
                    }
                }).collect_view();
                let picked = pick.and_then(|p| p.get()).map(|at| {
                    let (x, y) = f.xy(at);
                    view! { <circle class="pin picked" id=format!("{id}-picked") cx=format!("{x:.1}") cy=format!("{y:.1}") r="24" /> }
                });
                view! {
                    // At most 60% of the screen high; the width follows, so a tap
                    // maps back to the place linearly.
                    <svg class="grid-map" class:pickable=pick.is_some() id=id viewBox=format!("0 0 {WIDTH} {h:.0}")
                        style=format!("aspect-ratio: {WIDTH} / {h:.0}; max-width: calc(60vh * {WIDTH} / {h:.0})")
                        preserveAspectRatio="none"
                        on:click=on_tap>
                        <rect class="map-ground" x="0" y="0" width=WIDTH.to_string() height=format!("{h:.0}") />
                        {shapes}
                        {dots}
                        {picked}
                    </svg>
                }.into_any()
            }
        }}
    }
}
