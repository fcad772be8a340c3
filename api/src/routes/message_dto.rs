//! The shapes of messaging, shared by the patient's and the care team's operations:
//! messages and their images, the thread page with its safety notice, what a sender
//! posts (JSON for text, multipart with images), and how messaging errors answer.

use chrono::{DateTime, Utc};
use entity::{message, message_attachment, message_record_entry};
use poem::{IntoResponse, Response};
use poem_openapi::{
    ApiRequest, ApiResponse, Enum, Multipart, Object,
    payload::Json,
    registry::{MetaMediaType, MetaSchema, MetaSchemaRef},
    types::{Example, multipart::Upload},
};
use uuid::{Uuid, uuid};

use super::{decode_cursor, into_page, page_limit, text::Text};
use crate::ids::ClinicId;
use crate::{
    error::ApiError,
    services::{
        clinic_settings,
        messages::{self, InvalidMessage, MessageError, MessageView, NewMessage, Thread, images},
    },
};

/// One page of `thread` as its reader sees it: the messages, the reader's unread count and
/// the standing safety notice with the clinic's numbers. The caller audits the read, as
/// itself.
pub async fn thread_page<C: sea_orm::ConnectionTrait>(
    db: &C,
    thread: &Thread,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<ThreadDto, ApiError> {
    let before = decode_cursor(cursor)?;
    let limit = page_limit(limit);
    let rows = messages::page(db, thread, before, limit + 1).await?;
    let (rows, next_cursor) = into_page(rows, limit, |m| m.message.order_key);
    let unread = messages::unread(db, thread.scope(), thread.side()).await?;
    let numbers = clinic_settings::get(db, ClinicId::new(thread.clinic_id())).await?.numbers;
    Ok(ThreadDto {
        notice: messages::notice(&numbers),
        unread,
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    })
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum MessageAuthorDto {
    Patient,
    CareTeam,
    /// The clinic's automatic off-hours reply.
    Automatic,
}

impl From<message::Author> for MessageAuthorDto {
    fn from(a: message::Author) -> Self {
        match a {
            message::Author::Patient => Self::Patient,
            message::Author::CareTeam => Self::CareTeam,
            message::Author::Automatic => Self::Automatic,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct AttachmentDto {
    pub id: Uuid,
    /// `image/jpeg` or `image/png`, sniffed from the bytes.
    pub content_type: String,
    pub byte_size: i32,
    pub width: i32,
    pub height: i32,
    pub thumbnail_byte_size: i32,
}

impl From<message_attachment::Model> for AttachmentDto {
    fn from(a: message_attachment::Model) -> Self {
        Self {
            id: a.id,
            content_type: images::content_type(a.kind).to_owned(),
            byte_size: a.byte_size,
            width: a.width,
            height: a.height,
            thumbnail_byte_size: a.thumb_byte_size,
        }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct MessageDto {
    pub id: Uuid,
    pub author: MessageAuthorDto,
    pub text: String,
    pub attachments: Vec<AttachmentDto>,
    pub sent_at: DateTime<Utc>,
    /// When the other side marked it read.
    pub read_at: Option<DateTime<Utc>>,
    /// When staff copied it into the clinical record.
    pub clinically_relevant_at: Option<DateTime<Utc>>,
}

impl Example for MessageDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000e01"),
            author: MessageAuthorDto::Patient,
            text: "The new stretch makes my shoulder click; is that all right?".into(),
            attachments: vec![],
            sent_at: "2026-11-30T18:05:00Z".parse().expect("RFC 3339 instant"),
            read_at: None,
            clinically_relevant_at: None,
        }
    }
}

impl From<MessageView> for MessageDto {
    fn from(v: MessageView) -> Self {
        let m = v.message;
        Self {
            id: m.id,
            author: m.author.into(),
            text: m.text,
            attachments: v.attachments.into_iter().map(Into::into).collect(),
            sent_at: m.created_at,
            read_at: m.read_at,
            clinically_relevant_at: m.clinically_relevant_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ThreadDto {
    /// Show this with the thread: messages are not monitored for emergencies, and what to
    /// do instead (the clinic's numbers filled in).
    pub notice: String,
    /// The other side's messages you have not marked read.
    pub unread: u64,
    /// Newest first.
    pub items: Vec<MessageDto>,
    /// Pass as `cursor` for older messages; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A text-only message.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct SendMessageInput {
    /// Made by the app; sending the same id again never creates a second message.
    pub id: Uuid,
    /// Up to 4,000 characters.
    #[oai(validator(max_length = 4000))]
    pub text: Text,
}

impl Example for SendMessageInput {
    fn example() -> Self {
        Self { id: uuid!("0193a5b2-4c00-7000-8000-000000000e01"), text: MessageDto::example().text.as_str().into() }
    }
}

/// A message with images: `id`, optional `text`, and up to 4 `attachments` (JPEG or PNG,
/// at most 10 MB each; the type is read from the bytes, metadata such as GPS position is
/// removed).
#[derive(Debug, Multipart)]
pub struct SendMessageForm {
    /// The message id made by the app (a UUID).
    pub id: String,
    pub text: Option<String>,
    pub attachments: Vec<Upload>,
}

#[derive(Debug, ApiRequest)]
pub enum SendMessageRequest {
    /// Text only.
    Json(Json<SendMessageInput>),
    /// With images.
    Multipart(SendMessageForm),
}

impl SendMessageRequest {
    /// The checked message; bad ids, lengths and counts are 422s.
    pub async fn into_message(self) -> Result<NewMessage, ApiError> {
        let (id, text, uploads) = match self {
            SendMessageRequest::Json(Json(body)) => (body.id, body.text.into_string(), vec![]),
            SendMessageRequest::Multipart(form) => {
                let id = form.id.trim().parse().map_err(|_| ApiError::invalid("id", "must be a UUID"))?;
                if form.attachments.len() > messages::MAX_ATTACHMENTS {
                    return Err(ApiError::invalid("attachments", InvalidMessage::TooManyImages.to_string()));
                }
                let mut uploads = Vec::with_capacity(form.attachments.len());
                for upload in form.attachments {
                    let bytes = upload.into_vec().await.map_err(|_| ApiError::bad_request("unreadable attachment"))?;
                    uploads.push(bytes);
                }
                (id, form.text.unwrap_or_default(), uploads)
            }
        };
        NewMessage::new(id, &text, uploads).map_err(|e| match e {
            InvalidMessage::TextTooLong | InvalidMessage::Empty => ApiError::invalid("text", e.to_string()),
            InvalidMessage::TooManyImages => ApiError::invalid("attachments", e.to_string()),
        })
    }
}

#[derive(ApiResponse)]
pub enum SendMessageResponse {
    /// Sent now.
    #[oai(status = 201)]
    Created(Json<MessageDto>),
    /// Already sent with this id and the same body: the stored message.
    #[oai(status = 200)]
    Replayed(Json<MessageDto>),
}

impl From<messages::Sent> for SendMessageResponse {
    fn from(sent: messages::Sent) -> Self {
        match sent {
            messages::Sent::Created(v) => Self::Created(Json(v.into())),
            messages::Sent::Replayed(v) => Self::Replayed(Json(v.into())),
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct MarkReadInput {
    /// The newest message you have seen: it and every older one of the other side are
    /// marked read.
    pub up_to: Uuid,
}

#[derive(Debug, Object)]
pub struct MarkedReadDto {
    /// Messages newly marked read.
    pub marked: u64,
    /// The other side's messages still unread.
    pub unread: u64,
}

#[derive(Debug, Clone, Object)]
pub struct RecordMessageDto {
    pub id: Uuid,
    pub message_id: Uuid,
    pub author: MessageAuthorDto,
    pub text: String,
    /// Images the message had (they stay in the thread).
    pub attachment_count: i16,
    pub sent_at: DateTime<Utc>,
    pub marked_by: Uuid,
    pub marked_at: DateTime<Utc>,
}

impl From<message_record_entry::Model> for RecordMessageDto {
    fn from(e: message_record_entry::Model) -> Self {
        Self {
            id: e.id,
            message_id: e.message_id,
            author: e.author.into(),
            text: e.text,
            attachment_count: e.attachment_count,
            sent_at: e.sent_at,
            marked_by: e.marked_by,
            marked_at: e.created_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RecordMessagePage {
    pub items: Vec<RecordMessageDto>,
    pub next_cursor: Option<String>,
}

/// An attachment's bytes with the content type sniffed when it was stored.
pub struct ImageBody {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl IntoResponse for ImageBody {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type(self.content_type)
            // The browser must not second-guess the type, nor show it inside another page.
            .header("x-content-type-options", "nosniff")
            .header("content-disposition", "inline")
            .body(self.bytes)
    }
}

impl poem_openapi::ResponseContent for ImageBody {
    fn media_types() -> Vec<MetaMediaType> {
        let binary =
            || MetaSchemaRef::Inline(Box::new(MetaSchema { format: Some("binary"), ..MetaSchema::new("string") }));
        vec![
            MetaMediaType { content_type: "image/jpeg", schema: binary() },
            MetaMediaType { content_type: "image/png", schema: binary() },
        ]
    }
}

#[derive(ApiResponse)]
pub enum AttachmentResponse {
    /// The image (or its thumbnail of at most 256 px), metadata removed.
    #[oai(status = 200)]
    Image(ImageBody),
}

impl From<MessageError> for ApiError {
    fn from(e: MessageError) -> Self {
        match e {
            MessageError::NotFound => ApiError::not_found("message"),
            MessageError::ReviewOnly => ApiError::Forbidden(Json(crate::error::ErrorBody::new(
                "forbidden",
                "clinic admins read the threads of patients they do not treat through the message review",
            ))),
            MessageError::Conflict => ApiError::conflict("this id was already used for a different message"),
            MessageError::Image { index, refusal } => {
                ApiError::invalid(&format!("attachments[{index}]"), refusal.to_string())
            }
            MessageError::NotClinical => ApiError::invalid("message_id", "automatic replies are not clinical"),
            MessageError::Processing(cause) => ApiError::internal(&cause),
            // Logged by the store client; the client retries (sends are idempotent by id).
            MessageError::BlobsUnavailable(_) => ApiError::unavailable(),
            MessageError::Db(e) => e.into(),
        }
    }
}
