//! 随手拍: photos, one category tap, a few words, a place — and done.
//! Saving never needs the network. A photo that fails is reported on its
//! own line and everything else typed so far stays. The report goes into
//! the grid whose outline holds its location (a picker when the grids have
//! no outlines yet, or it has only an address). A device
//! never bound cannot save (it has no grid yet); the form keeps what was
//! typed while the person binds it in the card above.

use gridwalk_domain::boundary::Route;
use gridwalk_domain::ipc::StagedPhoto;
use gridwalk_domain::ipc::commands::{CreateReport, NewReport, RoutePoint};
use gridwalk_domain::{Coordinates, DocId, GridId, Location, LocationSource, ReportDraft};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;

use crate::bind::grid_name;
use crate::browser::device_position;
use crate::ipc;
use crate::lang::{english, error_text, fill, t_string, use_i18n};
use crate::map::{GridMap, Pin};
use crate::orders::duplicates::NearbyChoice;
use crate::state::Ctx;

#[component]
pub fn ReportForm() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = expect_context::<Ctx>();
    let navigate = use_navigate();
    let photos = RwSignal::new(Vec::<StagedPhoto>::new());
    let photo_error = RwSignal::new(None::<String>);
    let processing = RwSignal::new(0u32);
    let category = RwSignal::new(None::<String>);
    let description = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let device_pos = RwSignal::new(None::<Coordinates>);
    let map_pos = RwSignal::new(None::<Coordinates>);
    let seconds = RwSignal::new(None::<DocId>);
    let route = RwSignal::new(None::<Route>);
    let locating = RwSignal::new(false);
    let reporter = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let saving = RwSignal::new(false);
    let grid = RwSignal::new(None::<GridId>);

    Effect::new(move |_| {
        if let Some(info) = ctx.info.get()
            && reporter.get_untracked().is_empty()
        {
            reporter.set(info.reporter.clone());
        }
    });
    // Follows the account: after (re)binding, a picked grid the user no
    // longer has falls back to the shell's default (last used, else first).
    Effect::new(move |_| {
        let Some(info) = ctx.info.get() else { return };
        let grids = info.me.map(|m| m.grids).unwrap_or_default();
        if !grid.get_untracked().is_some_and(|g| grids.contains(&g)) {
            grid.set(info.default_grid);
        }
    });
    let me = move || ctx.info.get().and_then(|i| i.me);

    let on_files = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let files: Vec<web_sys::File> = match input.files() {
            Some(list) => (0..list.length()).filter_map(|i| list.get(i)).collect(),
            None => Vec::new(),
        };
        photo_error.set(None);
        for file in files {
            processing.update(|n| *n += 1);
            leptos::task::spawn_local(async move {
                let staged = ipc::stage_file(&file).await;
                match staged {
                    Ok(p) => photos.update(|v| {
                        if !v.iter().any(|q| q.photo.hash == p.photo.hash) {
                            v.push(p)
                        }
                    }),
                    Err(e) => photo_error.set(Some(format!(
                        "{}（{}）",
                        error_text(i18n, e.code, &e.message),
                        file.name()
                    ))),
                }
                processing.update(|n| *n = n.saturating_sub(1));
            });
        }
        // Lets the same file be picked again after removing it.
        input.set_value("");
    };

    let locate = move |_| {
        locating.set(true);
        leptos::task::spawn_local(async move {
            let pos = device_position().await;
            if pos.is_none() {
                message.set(Some((
                    false,
                    t_string!(i18n, form.no_device_location).to_owned(),
                )));
            }
            device_pos.set(pos);
            locating.set(false);
        });
    };

    let photo_gps = move || photos.get().iter().find_map(|p| p.gps);
    // The photo's own GPS wins; a pin put on the map by hand beats the
    // phone's fix (the person chose it).
    let point = move || {
        photo_gps()
            .map(|c| (c, LocationSource::PhotoExif))
            .or_else(|| map_pos.get().map(|c| (c, LocationSource::Map)))
            .or_else(|| device_pos.get().map(|c| (c, LocationSource::Device)))
    };
    // Where it will be filed, asked of the device's outlines as the point moves.
    Effect::new(move |_| {
        let Some((at, _)) = point() else {
            route.set(None);
            return;
        };
        leptos::task::spawn_local(async move {
            route.set(ipc::call::<RoutePoint>(&at).await.ok());
        });
    });
    let outlined = move || me().is_some_and(|m| m.outlined_grids().next().is_some());

    let submit = move |_| {
        message.set(None);
        let note = address.get_untracked().trim().to_owned();
        let location = match point() {
            Some((coords, source)) => Location::Point {
                coords,
                source,
                note,
            },
            None => match Location::address(&note) {
                Ok(l) => l,
                Err(_) => {
                    message.set(Some((false, t_string!(i18n, err.location).to_owned())));
                    return;
                }
            },
        };
        let draft = ReportDraft {
            category: category.get_untracked().unwrap_or_default(),
            description: description.get_untracked(),
            location,
            photos: photos
                .get_untracked()
                .into_iter()
                .map(|p| p.photo)
                .collect(),
            reporter: reporter.get_untracked(),
            seconds: seconds.get_untracked(),
        };
        saving.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let new = CreateReport {
                draft,
                grid: grid.get_untracked(),
            };
            match ipc::call::<NewReport>(&new).await {
                Ok(_) => {
                    photos.set(Vec::new());
                    category.set(None);
                    description.set(String::new());
                    address.set(String::new());
                    device_pos.set(None);
                    map_pos.set(None);
                    seconds.set(None);
                    photo_error.set(None);
                    navigate("/mine", Default::default());
                    ctx.toast.set(Some(t_string!(i18n, form.saved).to_owned()));
                }
                Err(e) => message.set(Some((false, error_text(i18n, e.code, &e.message)))),
            }
            saving.set(false);
        });
    };

    let categories = move || ctx.info.get().map(|i| i.categories).unwrap_or_default();

    view! {
        <section class="form">
            <h2>{move || t_string!(i18n, form.photos)}</h2>
            <div class="photo-strip">
                <For each=move || photos.get() key=|p| p.photo.hash.clone() let:p>
                    <figure class="staged">
                        <img src=ipc::photo_url(&p.photo.thumb) alt="" />
                        <button class="remove" on:click={
                            let h = p.photo.hash.clone();
                            move |_| photos.update(|v| v.retain(|q| q.photo.hash != h))
                        }>"×"</button>
                    </figure>
                </For>
                <label class="add-photo">
                    <input id="photo-input" type="file" accept="image/*" capture="environment"
                        multiple on:change=on_files />
                    <span>{move || t_string!(i18n, form.add_photo)}</span>
                </label>
            </div>
            <Show when=move || { processing.get() > 0 }>
                <p class="progress" id="photo-progress"><span class="spinner"></span>{move || t_string!(i18n, form.processing)}</p>
            </Show>
            {move || photo_error.get().map(|m| view! { <p class="error" id="photo-error">{m}</p> })}

            <h2>{move || t_string!(i18n, form.category)}</h2>
            <div class="categories">
                <For each=categories key=|c| c.code.clone() let:c>
                    {
                        let code = c.code.as_str().to_owned();
                        let code2 = code.clone();
                        let id = format!("cat-{code}");
                        let c2 = c.clone();
                        view! {
                            <button id=id class="category" class:selected=move || category.get().as_deref() == Some(code.as_str())
                                on:click=move |_| category.set(Some(code2.clone()))>
                                <span class="icon">{c.icon.clone()}</span>
                                <span>{move || c2.label(english(i18n)).to_owned()}</span>
                            </button>
                        }
                    }
                </For>
            </div>

            <h2>{move || t_string!(i18n, form.location)}</h2>
            <div class="location">
                {move || photo_gps().map(|c| view! {
                    <p class="gps" id="gps-from-photo">{t_string!(i18n, form.gps_from_photo)}": "{c.display()}</p>
                })}
                {move || match point() {
                    Some((c, LocationSource::Device)) => Some(view! {
                        <p class="gps" id="gps-from-device">{t_string!(i18n, form.gps_from_device)}": "{c.display()}</p>
                    }.into_any()),
                    Some((c, LocationSource::Map)) => Some(view! {
                        <p class="gps" id="gps-from-map">{t_string!(i18n, form.gps_from_map)}": "{c.display()}</p>
                    }.into_any()),
                    _ => None,
                }}
                <button class="secondary" on:click=locate disabled=move || locating.get()>
                    {move || if locating.get() { t_string!(i18n, form.locating) } else { t_string!(i18n, form.use_device) }}
                </button>
                <input id="address" type="text" placeholder=move || t_string!(i18n, form.address_ph)
                    prop:value=move || address.get() on:input=move |ev| address.set(event_target_value(&ev)) />
                <Show when=outlined>
                    // The photo's GPS is shown, not moved; without it a tap places the pin.
                    {move || match photo_gps() {
                        Some(at) => {
                            let pin = vec![Pin { at, class: "photo".into(), href: None }];
                            view! { <GridMap id="report-map" pins=Signal::derive(move || pin.clone()) /> }.into_any()
                        }
                        None => view! {
                            <p class="hint">{t_string!(i18n, form.pin_hint)}</p>
                            <GridMap id="report-map" pins=Signal::derive(Vec::new) pick=map_pos />
                        }.into_any(),
                    }}
                </Show>
                {move || match route.get() {
                    Some(Route::Grid { grid }) => me().map(|me| {
                        let text = fill(t_string!(i18n, form.route_grid), &[("g", &grid_name(&me, &grid))]);
                        view! { <p class="route-line" id="route-line">{text}</p> }.into_any()
                    }),
                    Some(Route::Outside { file: Some(_) }) => Some(view! {
                        <p class="route-line outside" id="route-line">{t_string!(i18n, form.route_outside)}</p>
                    }.into_any()),
                    _ => None,
                }}
                <NearbyChoice category=category point=Signal::derive(move || point().map(|(c, _)| c)) seconds=seconds />
            </div>

            // Once the point decides the grid, there is nothing to pick.
            {move || me().filter(|_| route.get().is_none_or(|r| r.grid().is_none())).map(|me| {
                if me.grids.len() > 1 {
                    let options = me.grids.iter().map(|g| {
                        let name = grid_name(&me, g);
                        let g = g.clone();
                        let value = g.to_string();
                        view! {
                            <option value=value prop:selected=move || grid.get().as_ref() == Some(&g)>{name}</option>
                        }
                    }).collect_view();
                    view! {
                        <label class="field">
                            <span>{move || t_string!(i18n, form.grid)}</span>
                            <select id="grid-select" class="grid-select"
                                on:change=move |ev| grid.set(GridId::parse(&event_target_value(&ev)).ok())>
                                {options}
                            </select>
                        </label>
                    }.into_any()
                } else {
                    let name = me.grids.first().map(|g| grid_name(&me, g)).unwrap_or_default();
                    view! {
                        <p class="grid-line" id="grid-line">{move || t_string!(i18n, form.grid)}": "{name.clone()}</p>
                    }.into_any()
                }
            })}

            <h2>{move || t_string!(i18n, form.description)}</h2>
            <textarea id="description" rows="3" placeholder=move || t_string!(i18n, form.description_ph)
                prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>

            <label class="field">
                <span>{move || t_string!(i18n, form.reporter)}</span>
                <input id="reporter" type="text" placeholder=move || t_string!(i18n, form.reporter_ph)
                    prop:value=move || reporter.get() on:input=move |ev| reporter.set(event_target_value(&ev)) />
            </label>

            {move || message.get().map(|(ok, m)| view! {
                <p id="form-message" class=if ok { "notice" } else { "error" }>{m}</p>
            })}
            <button id="submit" class="primary" on:click=submit
                disabled=move || { saving.get() || processing.get() > 0 }>
                {move || if saving.get() { t_string!(i18n, form.saving) } else { t_string!(i18n, form.submit) }}
            </button>
        </section>
    }
}
