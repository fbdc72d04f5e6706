//! Driving the real app window: a private X display, one tauri-driver
//! (and WebKitWebDriver) per device with the device's own XDG folders, and
//! the steps a person takes — tap, type, wait until the screen says
//! something — plus screenshots in `target/e2e-artifacts/` to look at.

use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::photo;

pub const WAIT: Duration = Duration::from_secs(60);

/// Kills the child when the test ends, whichever way it ends.
pub struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        // SIGTERM first: tauri-driver ends its WebKitWebDriver only then.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn need(tool: &str) -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_default();
    let candidates = std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(PathBuf::from)
        .chain([
            PathBuf::from(home).join(".cargo/bin"),
            PathBuf::from("/usr/bin"),
        ])
        .map(|d| d.join(tool))
        .collect::<Vec<_>>();
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{tool} is not installed: run scripts/test.sh (it installs the E2E tools)")
        })
}

/// A private X display, so the test neither needs nor disturbs a real screen.
pub fn start_xvfb() -> (Reaped, String) {
    let xvfb = need("Xvfb");
    for n in 90..140 {
        if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
            continue;
        }
        let display = format!(":{n}");
        let child = Reaped(
            Command::new(&xvfb)
                .args([
                    display.as_str(),
                    "-screen",
                    "0",
                    "1280x900x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb starts"),
        );
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return (child, display);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    panic!("no free X display between :90 and :139");
}

/// One driver per device: the app inherits its environment, and pointing
/// the XDG folders into the device's folder keeps the webviews' own storage
/// (e.g. the language choice) apart, as on two real phones.
pub fn start_driver(display: &str, device_dir: &Path) -> (Reaped, u16) {
    // The device's Downloads folder, as a desktop names it, so exports land
    // where a person looks and inside the test's folder.
    let config = device_dir.join("xdg-config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("user-dirs.dirs"),
        format!(
            "XDG_DOWNLOAD_DIR=\"{}\"\n",
            device_dir.join("downloads").display()
        ),
    )
    .unwrap();
    let port = free_port();
    let native = free_port();
    let child = Command::new(need("tauri-driver"))
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("DISPLAY", display)
        .env("XDG_DATA_HOME", device_dir.join("xdg-data"))
        .env("XDG_CACHE_HOME", device_dir.join("xdg-cache"))
        .env("XDG_CONFIG_HOME", device_dir.join("xdg-config"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tauri-driver starts");
    let child = Reaped(child);
    let started = Instant::now();
    // Both must listen: tauri-driver forwards to WebKitWebDriver, which it
    // starts itself and which can come up later than the driver.
    for p in [port, native] {
        while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "tauri-driver or WebKitWebDriver did not listen on {p}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    (child, port)
}

pub async fn open_app(display: &str, data_dir: &Path, server_url: &str) -> (Client, Reaped) {
    let (driver, driver_port) = start_driver(display, data_dir);
    let app = env!("CARGO_BIN_EXE_gridwalk-app");
    let caps = serde_json::json!({
        "browserName": "wry",
        "tauri:options": {
            "application": app,
            "args": ["--data-dir", data_dir.to_str().unwrap(), "--server", server_url],
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    // WebKitWebDriver can accept connections a moment before it serves
    // sessions on a cold machine: a few tries, each logged.
    let mut tries = 0;
    let client = loop {
        let attempt = ClientBuilder::native()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await;
        match attempt {
            Ok(c) => break c,
            Err(e) if tries < 3 => {
                tries += 1;
                eprintln!("WebDriver session attempt {tries} failed ({e}); retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => panic!("no WebDriver session with the app: {e}"),
        }
    };
    // The UI is loaded once the tab bar exists.
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("nav.tabs a.tab"))
        .await
        .expect("UI loads");
    (client, driver)
}

pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../e2e-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub async fn shot(c: &Client, name: &str) {
    // Two animation frames: the DOM as it stands now has been painted, so
    // the picture is not a frame left over from before the last change.
    c.execute_async(
        "const done = arguments[arguments.length - 1]; \
         requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
        vec![],
    )
    .await
    .expect("the window paints");
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap();
}

pub async fn css(c: &Client, sel: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(sel))
        .await
        .unwrap_or_else(|e| panic!("{sel} never appeared: {e}"))
}

/// Types `text` into the field at `sel` (a file input takes a path).
pub async fn type_into(c: &Client, sel: &str, text: &str) {
    css(c, sel)
        .await
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("cannot type into {sel}: {e}"));
}

/// Whether no element matches `sel` right now (asked once: call it after
/// waiting for what the change shows instead).
pub async fn absent(c: &Client, sel: &str) -> bool {
    c.execute(
        "return document.querySelector(arguments[0]) === null;",
        vec![serde_json::json!(sel)],
    )
    .await
    .unwrap()
        == serde_json::json!(true)
}

/// Waits until no element matches `sel`: what a change removes may go a
/// render after what it shows instead.
pub async fn gone(c: &Client, sel: &str) {
    let started = Instant::now();
    while !absent(c, sel).await {
        if started.elapsed() > WAIT {
            shot(c, "failure").await;
            panic!("{sel} is still there (see failure.png)");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Waits until the element's text satisfies `ok`, returning the text.
pub async fn text_until(c: &Client, sel: &str, ok: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        // innerText through script: WebKitWebDriver's element text drops
        // the text of nested flex children. A form field's text is its value;
        // an SVG drawing (which has no innerText) reads as its labels.
        let text = c
            .execute(
                "const e = document.querySelector(arguments[0]); if (!e) return ''; \
                 return e instanceof HTMLInputElement || e instanceof HTMLTextAreaElement \
                   || e instanceof HTMLSelectElement ? e.value : (e.innerText ?? e.textContent);",
                vec![serde_json::json!(sel)],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        if ok(&text) {
            return text;
        }
        if started.elapsed() > WAIT {
            shot(c, "failure").await;
            panic!("{sel} never showed what was expected; last text: {text:?} (see failure.png)");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Waits until the image at `sel` has decoded pixels: a person sees a
/// picture, not an empty frame. Returns its natural width.
pub async fn image_shown(c: &Client, sel: &str) -> u64 {
    let started = Instant::now();
    loop {
        let w = c
            .execute(
                "const e = document.querySelector(arguments[0]); \
                 return e && e.complete ? e.naturalWidth : 0;",
                vec![serde_json::json!(sel)],
            )
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        if w > 0 {
            return w;
        }
        if started.elapsed() > WAIT {
            shot(c, "failure").await;
            panic!("image {sel} never showed (see failure.png)");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Resizes the window and waits until the page has laid itself out at the
/// new width, so a screenshot shows the phone layout, not a cropped desktop.
pub async fn resize(c: &Client, width: u32, height: u32) {
    c.set_window_size(width, height).await.unwrap();
    let started = Instant::now();
    loop {
        let w = c
            .execute("return window.innerWidth;", vec![])
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        if w.abs_diff(u64::from(width)) <= 20 || started.elapsed() > Duration::from_secs(10) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
}

/// Scrolls the element to the middle of the screen, then clicks it: on a
/// phone-sized window the fixed tab bar would cover what sits at the bottom.
/// A list that renders again (a sync brought something) replaces the node
/// between finding and clicking it; then the new one is found and clicked.
pub async fn tap(c: &Client, sel: &str) {
    for attempt in 1.. {
        let el = css(c, sel).await;
        c.execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
            vec![serde_json::json!(sel)],
        )
        .await
        .unwrap();
        match el.click().await {
            Ok(()) => return,
            Err(e) if attempt < 5 && replaced(&e) => continue,
            Err(e) => panic!("{sel} could not be clicked: {e}"),
        }
    }
}

/// Whether a WebDriver error says the element is no longer in the page.
fn replaced(e: &fantoccini::error::CmdError) -> bool {
    let text = e.to_string();
    text.contains("was not found") || text.contains("stale element")
}

pub async fn type_code(c: &Client, prefix: &str, code: &str) {
    type_into(c, &format!("#{prefix}-code"), code).await;
    tap(c, &format!("#{prefix}-submit")).await;
}

/// Binds the app from its 设置 tab with `code`, waits until the account
/// card names `name`, and syncs once.
pub async fn bind_in_window(c: &Client, code: &str, name: &str) {
    tap(c, "#tab-settings").await;
    type_code(c, "bind", code).await;
    text_until(c, "#account", |t| t.contains(name)).await;
    sync_in_window(c).await;
}

/// 立即同步, waiting until the badge says a sync went through.
pub async fn sync_in_window(c: &Client) {
    tap(c, "#sync-now").await;
    text_until(c, "#sync-badge", |t| t.contains("上次同步")).await;
}

pub async fn add_photo(c: &Client, rel: &str) {
    let p = photo(rel);
    type_into(c, "#photo-input", p.to_str().unwrap()).await;
    css(c, ".staged img").await;
}
