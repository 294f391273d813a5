//! The HTTP side: the page and its assets, the live updates, and one JSON
//! endpoint per action. Phones authenticate with their session token in
//! `x-doormat-session`, the teacher with the teacher token in
//! `x-doormat-teacher` (compared in constant time); neither is a cookie, so
//! no other site can make a browser act for them.

use std::convert::Infallible;
use std::sync::PoisonError;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use futures_util::stream::{self, Stream};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::room::{same_token, Content, Mode, Room};
use crate::{Classroom, Refusal};

/// The header that carries a phone's session token.
pub const SESSION_HEADER: &str = "x-doormat-session";
/// The header that carries the teacher token.
pub const TEACHER_HEADER: &str = "x-doormat-teacher";

/// The page's own files, embedded: no CDN, no build step.
const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_CSS: &str = include_str!("../assets/app.css");
const COMMON_JS: &str = include_str!("../assets/common.js");
const PHONE_JS: &str = include_str!("../assets/phone.js");
const TEACHER_JS: &str = include_str!("../assets/teacher.js");

/// Scripts and styles from this server's own files only: no inline script,
/// no other origin, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The routes, with the classroom as state.
pub(crate) fn router(classroom: Classroom) -> Router {
    Router::new()
        .route("/", get(|| asset("text/html; charset=utf-8", INDEX_HTML)))
        .route(
            "/app.css",
            get(|| asset("text/css; charset=utf-8", APP_CSS)),
        )
        .route("/common.js", get(|| asset(JS, COMMON_JS)))
        .route("/phone.js", get(|| asset(JS, PHONE_JS)))
        .route("/teacher.js", get(|| asset(JS, TEACHER_JS)))
        .route("/pictures/{file}", get(picture))
        .route("/events", get(events))
        .route("/api/join", post(join))
        .route("/api/me", get(me))
        .route("/api/send", post(send))
        .route("/api/answer", post(answer))
        .route("/api/share", post(share))
        .route("/api/rebuild", post(rebuild))
        .route("/api/room", get(room))
        .route(
            "/api/teacher/mode",
            teacher_post(|room, r: ModeRequest| {
                room.set_mode(r.mode);
                Ok(())
            }),
        )
        .route(
            "/api/teacher/step",
            teacher_post(|room, r: StepRequest| room.set_step(r.step)),
        )
        .route(
            "/api/teacher/leak",
            teacher_post(|room, r: To| room.leak(r.to)),
        )
        .route(
            "/api/teacher/superencrypt",
            teacher_post(|room, r: Superencrypt| room.allow_superencryption(r.to, r.allow)),
        )
        .route(
            "/api/teacher/seize",
            teacher_post(|room, r: PhoneRequest| room.seize(r.phone)),
        )
        .route(
            "/api/teacher/split",
            teacher_post(|room, r: Split| room.split(r.threshold, &r.holders)),
        )
        .route(
            "/api/teacher/scan",
            teacher_post(|room, _: Empty| {
                room.list_poster();
                Ok(())
            }),
        )
        .route(
            "/api/teacher/reset",
            teacher_post(|room, r: Reset| room.reset(r.keep_students)),
        )
        .fallback(|| async { Refusal::NotFound })
        .method_not_allowed_fallback(|| async {
            let body = serde_json::json!({"error": "method not allowed here"});
            (StatusCode::METHOD_NOT_ALLOWED, Json(body))
        })
        .layer(axum::middleware::from_fn_with_state(
            classroom.clone(),
            only_our_host,
        ))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(classroom)
}

/// Refuses a request whose `Host` is not the loopback server's own (see
/// [`Refusal::WrongHost`]), before any handler runs.
async fn only_our_host(
    State(classroom): State<Classroom>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    if classroom.host_allowed(host) {
        next.run(request).await
    } else {
        Refusal::WrongHost.into_response()
    }
}

const JS: &str = "text/javascript; charset=utf-8";

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Every response: the content security policy, no sniffing, no referrer,
/// no caching (views hold plaintexts).
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A JSON body, read up to the room's bound and parsed strictly.
struct Body<T>(T);

impl<T: DeserializeOwned> FromRequest<Classroom> for Body<T> {
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &Classroom) -> Result<Self, Refusal> {
        let max = state.limits().max_body_len;
        let bytes: Bytes = axum::body::to_bytes(req.into_body(), max)
            .await
            .map_err(|_| Refusal::TooLarge("the request", max))?;
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|e| Refusal::Malformed(e.to_string()))
    }
}

/// Runs `f` on the room, on a blocking thread (it decrypts), and announces
/// the change if there was one.
async fn with_room<T: Send + 'static>(
    classroom: &Classroom,
    f: impl FnOnce(&mut Room) -> Result<T, Refusal> + Send + 'static,
) -> Result<T, Refusal> {
    let shared = classroom.clone();
    let (result, version) = tokio::task::spawn_blocking(move || {
        let mut room = shared.room().lock().unwrap_or_else(PoisonError::into_inner);
        let result = f(&mut room);
        (result, room.version)
    })
    .await
    .map_err(|e| Refusal::Internal(e.to_string()))?;
    classroom.announce(version);
    result
}

/// A phone's session token (`x-doormat-session`), read before the body.
struct Session(String);

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Refusal> {
        parts
            .headers
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(|v| Session(v.to_owned()))
            .ok_or(Refusal::NoSession)
    }
}

impl Session {
    /// Runs `f` for the phone this session belongs to.
    async fn act<T: Send + 'static>(
        self,
        classroom: &Classroom,
        f: impl FnOnce(&mut Room, usize) -> Result<T, Refusal> + Send + 'static,
    ) -> Result<T, Refusal> {
        with_room(classroom, move |room| {
            let who = room.session(&self.0)?;
            f(room, who)
        })
        .await
    }
}

/// The teacher token (`x-doormat-teacher`), checked in constant time
/// before anything else of the request is read.
struct Teacher;

impl FromRequestParts<Classroom> for Teacher {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, c: &Classroom) -> Result<Self, Refusal> {
        let given = parts
            .headers
            .get(TEACHER_HEADER)
            .ok_or(Refusal::NoTeacherToken)?;
        let given =
            std::str::from_utf8(given.as_bytes()).map_err(|_| Refusal::WrongTeacherToken)?;
        if same_token(c.teacher_token(), given) {
            Ok(Teacher)
        } else {
            Err(Refusal::WrongTeacherToken)
        }
    }
}

/// A teacher's action: the token, then a `T` in the body, then `act` on
/// the room; answers `{"ok": true}`.
fn teacher_post<T: DeserializeOwned + Send + 'static>(
    act: fn(&mut Room, T) -> Result<(), Refusal>,
) -> MethodRouter<Classroom> {
    post(
        move |_: Teacher, State(c): State<Classroom>, Body(req): Body<T>| async move {
            with_room(&c, move |room| act(room, req)).await?;
            Ok::<_, Refusal>(Json(serde_json::json!({ "ok": true })))
        },
    )
}

/// `GET /pictures/N.png`: one of the pictures phones can send.
async fn picture(
    State(c): State<Classroom>,
    Path(file): Path<String>,
) -> Result<Response, Refusal> {
    let n: usize = file
        .strip_suffix(".png")
        .and_then(|n| n.parse().ok())
        .ok_or(Refusal::NotFound)?;
    let png = with_room(&c, move |room| {
        room.pictures
            .get(n)
            .map(|p| p.png.clone())
            .ok_or(Refusal::UnknownPicture(n))
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

/// `GET /events`: a `changed` event with the room's version on every
/// change (and once at the start). It carries nothing else: each page
/// then fetches its own view.
async fn events(
    State(classroom): State<Classroom>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Refusal> {
    let permit = classroom.stream_permit()?;
    let changes = classroom.changes();
    let stop = classroom.stopping();
    let start = Some(*changes.borrow());
    let stream = stream::unfold(
        (changes, stop, start, permit),
        |(mut changes, mut stop, first, permit)| async move {
            let version = match first {
                Some(v) => v,
                None => {
                    tokio::select! {
                        changed = changes.changed() => changed.ok()?,
                        _ = stop.wait_for(|stopped| *stopped) => return None,
                    }
                    *changes.borrow_and_update()
                }
            };
            let event = Event::default().event("changed").data(version.to_string());
            Some((Ok(event), (changes, stop, None, permit)))
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Join {
    name: String,
}

/// `POST /api/join {name}` → `{id, session}`.
async fn join(
    State(c): State<Classroom>,
    Body(req): Body<Join>,
) -> Result<impl IntoResponse, Refusal> {
    let (id, session) = with_room(&c, move |room| room.join(&req.name)).await?;
    let body = serde_json::json!({ "id": id, "session": session.as_str() });
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /api/me`: the phone's view.
async fn me(State(c): State<Classroom>, phone: Session) -> Result<Response, Refusal> {
    phone
        .act(&c, |room, who| {
            Ok(Json(room.phone_view(who)).into_response())
        })
        .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendRequest {
    to: usize,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    picture: Option<usize>,
    #[serde(default)]
    superencrypt: bool,
}

/// `POST /api/send {to, text | picture, superencrypt?}` → `{id}`.
async fn send(
    State(c): State<Classroom>,
    phone: Session,
    Body(req): Body<SendRequest>,
) -> Result<impl IntoResponse, Refusal> {
    let content = match (req.text, req.picture) {
        (Some(text), None) => Content::Text(text),
        (None, Some(n)) => Content::Picture(n),
        _ => {
            return Err(Refusal::Malformed(
                "send a text or a picture: one of the two".into(),
            ))
        }
    };
    let (to, superencrypt) = (req.to, req.superencrypt);
    let id = phone
        .act(&c, move |room, from| {
            room.send(from, to, &content, superencrypt)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    step: u8,
    answer: String,
}

/// `POST /api/answer {step, answer}` → `{correct, says}`.
async fn answer(
    State(c): State<Classroom>,
    phone: Session,
    Body(req): Body<Answer>,
) -> Result<Response, Refusal> {
    phone
        .act(&c, move |room, who| {
            let verdict = room.answer(who, req.step, &req.answer)?;
            Ok(Json(verdict).into_response())
        })
        .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct To {
    to: usize,
}

/// `POST /api/share {to}`: hands a copy of my shares to a classmate.
async fn share(
    State(c): State<Classroom>,
    phone: Session,
    Body(req): Body<To>,
) -> Result<Json<serde_json::Value>, Refusal> {
    phone
        .act(&c, move |room, from| room.give_shares(from, req.to))
        .await?;
    Ok(Json(serde_json::json!({ "given": true })))
}

/// `POST /api/rebuild`: tries to rebuild the escrow key from my shares.
async fn rebuild(
    State(c): State<Classroom>,
    phone: Session,
) -> Result<Json<serde_json::Value>, Refusal> {
    phone.act(&c, |room, who| room.rebuild(who)).await?;
    Ok(Json(serde_json::json!({ "rebuilt": true })))
}

/// `GET /api/room` (teacher): the room's view, for the projector.
async fn room(_: Teacher, State(c): State<Classroom>) -> Result<Response, Refusal> {
    with_room(&c, |room| Ok(Json(room.room_view()).into_response())).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModeRequest {
    mode: Mode,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepRequest {
    step: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Superencrypt {
    to: usize,
    #[serde(default = "yes")]
    allow: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PhoneRequest {
    phone: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Split {
    threshold: u8,
    holders: Vec<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reset {
    #[serde(default = "yes")]
    keep_students: bool,
}
