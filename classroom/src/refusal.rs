//! Every refusal the server can give: one variant each, with its HTTP
//! status and a sentence a teacher can read aloud. A refusal never carries
//! a secret.

use core::fmt;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// A phone's request without its session token (`x-doormat-session`).
    NoSession,
    /// A session token the room does not know (the server restarted, or a
    /// guess).
    UnknownSession,
    /// A teacher's request without the teacher token (`x-doormat-teacher`).
    NoTeacherToken,
    /// A teacher token that is not this room's.
    WrongTeacherToken,
    /// A name the room cannot take, and why.
    BadName(&'static str),
    /// A name another phone already has.
    NameTaken,
    /// The room holds its most phones.
    RoomFull(usize),
    /// The room keeps its most messages.
    ArchiveFull(usize),
    /// A message or request body over its bound: (what, bound in bytes).
    TooLarge(&'static str, usize),
    /// A body that is not the JSON this endpoint takes.
    Malformed(String),
    /// No phone with this number.
    UnknownStudent(usize),
    /// No picture with this number.
    UnknownPicture(usize),
    /// A message to oneself, a share given to oneself.
    ToSelf,
    /// Not possible in the room as it is now, and why.
    NotNow(String),
    /// Too many actions in a short time.
    RateLimited,
    /// Too many live-update streams open.
    TooManyStreams(usize),
    /// No lesson step with this number.
    UnknownStep(u8),
    /// An answer of the wrong form for its question.
    BadAnswer(&'static str),
    /// No such page or endpoint.
    NotFound,
    /// A request addressed to another host name than the loopback server's
    /// own: a page of another site that renamed itself to 127.0.0.1 (DNS
    /// rebinding) is not let in.
    WrongHost,
    /// The library failed where it should not (the generator, say).
    Internal(String),
}

impl Refusal {
    /// The HTTP status the refusal is sent with.
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::NoSession | Refusal::UnknownSession | Refusal::NoTeacherToken => {
                StatusCode::UNAUTHORIZED
            }
            Refusal::WrongTeacherToken => StatusCode::FORBIDDEN,
            Refusal::BadName(_)
            | Refusal::Malformed(_)
            | Refusal::ToSelf
            | Refusal::BadAnswer(_) => StatusCode::BAD_REQUEST,
            Refusal::NameTaken
            | Refusal::RoomFull(_)
            | Refusal::ArchiveFull(_)
            | Refusal::NotNow(_) => StatusCode::CONFLICT,
            Refusal::TooLarge(..) => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::UnknownStudent(_)
            | Refusal::UnknownPicture(_)
            | Refusal::UnknownStep(_)
            | Refusal::NotFound => StatusCode::NOT_FOUND,
            Refusal::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Refusal::TooManyStreams(_) => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::WrongHost => StatusCode::MISDIRECTED_REQUEST,
            Refusal::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoSession => {
                f.write_str("join the class first: this request needs your phone's session")
            }
            Refusal::UnknownSession => {
                f.write_str("this phone is not in the room (was the server restarted?): join again")
            }
            Refusal::NoTeacherToken => {
                f.write_str("teacher only: open the teacher link the server printed")
            }
            Refusal::WrongTeacherToken => {
                f.write_str("teacher only: that is not this room's teacher token")
            }
            Refusal::BadName(why) => write!(f, "choose another name: {why}"),
            Refusal::NameTaken => {
                f.write_str("a phone in the room already has that name: choose another")
            }
            Refusal::RoomFull(max) => write!(f, "the room is full ({max} phones)"),
            Refusal::ArchiveFull(max) => write!(
                f,
                "the room keeps at most {max} messages: the teacher can reset it"
            ),
            Refusal::TooLarge(what, max) => write!(f, "{what} is too long: at most {max} bytes"),
            Refusal::Malformed(why) => write!(f, "malformed request: {why}"),
            Refusal::UnknownStudent(id) => write!(f, "there is no phone number {id} in the room"),
            Refusal::UnknownPicture(n) => write!(f, "there is no picture number {n}"),
            Refusal::ToSelf => f.write_str("choose someone else: not yourself"),
            Refusal::NotNow(why) => f.write_str(why),
            Refusal::RateLimited => f.write_str("slow down: too many actions in a short time"),
            Refusal::TooManyStreams(max) => {
                write!(f, "too many open pages ({max}): close a tab and reload")
            }
            Refusal::UnknownStep(step) => write!(f, "the lesson has no step {step}"),
            Refusal::BadAnswer(want) => write!(f, "this question wants {want}"),
            Refusal::NotFound => f.write_str("no such page"),
            Refusal::WrongHost => f.write_str(
                "this classroom answers only to the address it printed (127.0.0.1 or localhost)",
            ),
            Refusal::Internal(why) => write!(f, "the server failed: {why}"),
        }
    }
}

impl std::error::Error for Refusal {}

impl IntoResponse for Refusal {
    /// `{"error": "…"}` with the refusal's status.
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.to_string() });
        (self.status(), Json(body)).into_response()
    }
}
