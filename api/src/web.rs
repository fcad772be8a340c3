//! The web app: the patient app at `/`, the therapist console at `/clinic/`, their
//! manifest and service worker, all embedded at build time from `api/web/` (see
//! `build.rs`). Pages are not API operations, so they live outside the OpenAPI service.
//!
//! Invariants: assets are served only under `/assets/<hash>/...`, where `<hash>` names
//! this build's whole file set, so they may be cached for a year; the entry points
//! (`/`, `/clinic/`, `/manifest.webmanifest`, `/sw.js`) are `no-cache` and name the
//! current hash, so a new build reaches every browser on its next visit. Pages carry a
//! strict CSP: no inline script or style, nothing loaded from another origin.

use poem::{
    Endpoint, IntoResponse, Request, Response, Route, get, handler,
    http::{Method, StatusCode, header},
    web::Path,
};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

/// The hash of this build's web files; part of every asset URL.
pub const HASH: &str = embedded::HASH;

pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn file(name: &str) -> Option<&'static [u8]> {
    embedded::FILES.iter().find(|(n, _)| *n == name).map(|(_, bytes)| *bytes)
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "webmanifest" => "application/manifest+json",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// An entry point: the file with `%ASSETS%` pointing at this build's assets.
fn entry(name: &str) -> Response {
    let Some(bytes) = file(name) else {
        return Response::builder().status(StatusCode::NOT_FOUND).finish();
    };
    let text = String::from_utf8_lossy(bytes).replace("%ASSETS%", &format!("/assets/{HASH}")).replace("%HASH%", HASH);
    Response::builder()
        .content_type(content_type(name))
        .header(header::CACHE_CONTROL, "no-cache")
        .header("content-security-policy", PAGE_CSP)
        .body(text)
}

#[handler]
fn patient_app() -> Response {
    entry("index.html")
}

#[handler]
fn clinic_console() -> Response {
    entry("clinic.html")
}

#[handler]
fn manifest() -> Response {
    entry("manifest.webmanifest")
}

#[handler]
fn service_worker() -> Response {
    entry("sw.js")
}

#[handler]
fn asset(Path((hash, name)): Path<(String, String)>) -> Response {
    // An old hash answers 404 rather than today's file: a page from an old build must
    // not mix its HTML with new scripts; its service worker still has the old copies.
    match file(&name).filter(|_| hash == HASH) {
        Some(bytes) => Response::builder()
            .content_type(content_type(&name))
            .header(header::CACHE_CONTROL, IMMUTABLE)
            .header("content-security-policy", PAGE_CSP)
            .body(bytes),
        None => Response::builder().status(StatusCode::NOT_FOUND).finish(),
    }
}

/// Adds the web app's routes to `route`.
pub fn mount(route: Route) -> Route {
    route
        .at("/index.html", get(patient_app))
        // Where reminders and notifications point (`reminders::kinds`); the app routes
        // on the path itself.
        .at("/today", get(patient_app))
        .at("/check-in", get(patient_app))
        .at("/lessons", get(patient_app))
        .at("/lessons/:id", get(patient_app))
        .at("/appointments", get(patient_app))
        // The patient app's other screens, so a reload or a shared link lands on them.
        .at("/invite", get(patient_app))
        .at("/play/:id", get(patient_app))
        .at("/trends", get(patient_app))
        .at("/settings", get(patient_app))
        // Where message pushes point (`services::messages::pushes`).
        .at("/messages", get(patient_app))
        .at("/clinic/patients/:id/messages", get(clinic_console))
        .at("/clinic/", get(clinic_console))
        .at("/alerts/:id", get(clinic_console))
        .at("/manifest.webmanifest", get(manifest))
        .at("/sw.js", get(service_worker))
        .at("/assets/:hash/*name", get(asset))
}

/// Answers `GET /` with the patient app; the API service, nested at `/`, owns that path
/// in the route table, so the root is taken before routing.
pub async fn root<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    if req.uri().path() == "/" && (req.method() == Method::GET || req.method() == Method::HEAD) {
        return Ok(entry("index.html"));
    }
    next.call(req).await.map(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_point_is_embedded() {
        for name in [
            "index.html",
            "clinic.html",
            "manifest.webmanifest",
            "sw.js",
            "app.js",
            "app.css",
            "clinic.js",
            "clinic.css",
        ] {
            assert!(file(name).is_some(), "{name} is not embedded");
        }
    }

    #[test]
    fn the_patient_app_first_load_stays_under_100_kb_even_uncompressed() {
        // Everything `/` can load: the page, its styles and every module (they import one
        // another at start), the manifest and the icon; not the console, the service
        // worker (loaded later, in the background) or the install-size PNGs (`clinic*`
        // covers the console page, its styles and its modules under `clinic/`). The
        // browser tests measure the compressed size of what is really fetched.
        let first_load = embedded::FILES
            .iter()
            .filter(|(name, _)| !name.starts_with("clinic") && *name != "sw.js" && !name.ends_with(".png"));
        let total: usize = first_load.map(|(_, bytes)| bytes.len()).sum();
        assert!(total < 100 * 1024, "the first load is {total} bytes");
    }

    /// Where a relative module specifier in `from_dir` points, as an embedded file name.
    fn resolve(from_dir: &str, spec: &str) -> String {
        let mut parts: Vec<&str> = from_dir.split('/').filter(|p| !p.is_empty()).collect();
        for segment in spec.split('/') {
            match segment {
                "." | "" => {}
                ".." => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        parts.join("/")
    }

    #[test]
    fn every_module_a_script_imports_is_embedded() {
        for (name, bytes) in embedded::FILES.iter().filter(|(n, _)| n.ends_with(".js")) {
            let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
            for line in String::from_utf8_lossy(bytes).lines().filter(|l| l.starts_with("import ")) {
                let Some(spec) =
                    line.rsplit_once(" from ").map(|(_, s)| s.trim().trim_end_matches(';').trim_matches('"'))
                else {
                    continue;
                };
                let target = resolve(dir, spec);
                assert!(file(&target).is_some(), "{name} imports {spec} ({target}), which is not embedded");
            }
        }
    }

    #[test]
    fn pages_load_nothing_inline() {
        for name in ["index.html", "clinic.html"] {
            let text = String::from_utf8_lossy(file(name).unwrap());
            assert!(!text.contains("<script>") && !text.contains("style="), "{name} has inline code");
        }
    }
}
