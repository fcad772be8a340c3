//! `/api/v1/me/messages`: the patient's thread with their care team — read it, send
//! (offline-safe, with images), mark what the care team wrote as read, fetch images.

use entity::AuditAction;
use poem::web::Data;
use poem_openapi::{OpenApi, param::Path, param::Query, payload::Json};
use uuid::Uuid;

use super::{
    ApiTags,
    message_dto::{
        AttachmentResponse, ImageBody, MarkReadInput, MarkedReadDto, SendMessageRequest, SendMessageResponse,
        ThreadDto, thread_page,
    },
};
use crate::services::patients::PatientScope;
use crate::{
    auth::PatientAuth,
    error::ApiError,
    services::{
        audit::Event,
        messages::{self, images},
    },
    state::AppState,
};

pub struct MessagesApi;

#[OpenApi(prefix_path = "/api/v1/me", tag = "ApiTags::Messages")]
impl MessagesApi {
    /// Your thread with your care team, newest first, with the safety notice to show above it.
    #[oai(path = "/messages", method = "get", operation_id = "get_my_messages")]
    async fn get_my_messages(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        cursor: Query<Option<String>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<u32>>,
    ) -> Result<Json<ThreadDto>, ApiError> {
        let now = state.now();
        let thread = messages::own_thread(&state.db, &auth.0).await?;
        let page = thread_page(&state.db, &thread, cursor.0.as_deref(), limit.0).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::MessageRead).patient(thread.patient_id()).at(now)).await?;
        Ok(Json(page))
    }

    /// Send a message to your care team: JSON for text, multipart with up to 4 images; safe to resend.
    #[oai(path = "/messages", method = "post", operation_id = "send_my_message")]
    async fn send_my_message(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        body: SendMessageRequest,
    ) -> Result<SendMessageResponse, ApiError> {
        let new = body.into_message().await?;
        let thread = messages::own_thread(&state.db, &auth.0).await?;
        Ok(messages::send(&state.db, state.blobs.as_ref(), state.now(), &thread, new).await?.into())
    }

    /// Mark your care team's messages read, up to and including the one given.
    #[oai(path = "/messages/read", method = "post", operation_id = "mark_my_messages_read")]
    async fn mark_my_messages_read(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        body: Json<MarkReadInput>,
    ) -> Result<Json<MarkedReadDto>, ApiError> {
        let thread = messages::own_thread(&state.db, &auth.0).await?;
        let marked = messages::mark_read(&state.db, state.now(), &thread, body.up_to).await?;
        let unread = messages::unread(&state.db, thread.scope(), thread.side()).await?;
        Ok(Json(MarkedReadDto { marked, unread }))
    }

    /// An image of your thread (`thumbnail=true`: at most 256 px), with its sniffed content type.
    #[oai(path = "/message-attachments/:id", method = "get", operation_id = "get_my_message_attachment")]
    async fn get_my_message_attachment(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        id: Path<Uuid>,
        #[oai(default)] thumbnail: Query<bool>,
    ) -> Result<AttachmentResponse, ApiError> {
        let now = state.now();
        let patient_id = auth.0.patient_id.uuid();
        let (row, bytes) =
            messages::attachment(&state.db, state.blobs.as_ref(), PatientScope::from(&auth.0), id.0, thumbnail.0)
                .await?;
        let event = Event::by(&auth.0, AuditAction::MessageAttachmentRead)
            .patient(patient_id)
            .resource(format!("attachment:{}", row.id));
        state.audit.read(event.at(now)).await?;
        Ok(AttachmentResponse::Image(ImageBody { content_type: images::content_type(row.kind), bytes }))
    }
}
