//! `/api/v1/patients/{id}/messages…`: the care team's side of a patient's thread — read,
//! send, mark read, fetch images, and copy a message into the clinical record; and the
//! clinic admin's audited review of any thread of the clinic.

use entity::AuditAction;
use poem::web::Data;
use poem_openapi::{OpenApi, param::Path, param::Query, payload::Json};
use uuid::Uuid;

use super::{
    ApiTags, decode_cursor, into_page,
    message_dto::{
        AttachmentResponse, ImageBody, MarkReadInput, MarkedReadDto, RecordMessageDto, RecordMessagePage,
        SendMessageRequest, SendMessageResponse, ThreadDto, thread_page,
    },
    page_limit,
};
use crate::ids::ClinicId;
use crate::{
    auth::{AdminAuth, TherapistAuth},
    error::ApiError,
    services::{
        audit::Event,
        clinic_settings,
        messages::{self, Side, images},
        patients,
    },
    state::AppState,
};

pub struct PatientMessagesApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Messages")]
impl PatientMessagesApi {
    /// The thread with a patient you treat, newest first.
    #[oai(path = "/patients/:id/messages", method = "get", operation_id = "get_patient_messages")]
    async fn get_patient_messages(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        cursor: Query<Option<String>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<u32>>,
    ) -> Result<Json<ThreadDto>, ApiError> {
        let now = state.now();
        let thread = messages::care_team_thread(&state.db, &auth.0, id.0).await?;
        let page = thread_page(&state.db, &thread, cursor.0.as_deref(), limit.0).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::MessageRead).patient(thread.patient_id()).at(now)).await?;
        Ok(Json(page))
    }

    /// Send a message to a patient you treat: JSON for text, multipart with up to 4 images; safe to resend.
    #[oai(path = "/patients/:id/messages", method = "post", operation_id = "send_patient_message")]
    async fn send_patient_message(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: SendMessageRequest,
    ) -> Result<SendMessageResponse, ApiError> {
        let thread = messages::care_team_thread(&state.db, &auth.0, id.0).await?;
        let new = body.into_message().await?;
        Ok(messages::send(&state.db, state.blobs.as_ref(), state.now(), &thread, new).await?.into())
    }

    /// Mark the patient's messages read, up to and including the one given.
    #[oai(path = "/patients/:id/messages/read", method = "post", operation_id = "mark_patient_messages_read")]
    async fn mark_patient_messages_read(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<MarkReadInput>,
    ) -> Result<Json<MarkedReadDto>, ApiError> {
        let thread = messages::care_team_thread(&state.db, &auth.0, id.0).await?;
        let marked = messages::mark_read(&state.db, state.now(), &thread, body.up_to).await?;
        let unread = messages::unread(&state.db, thread.scope(), Side::CareTeam).await?;
        Ok(Json(MarkedReadDto { marked, unread }))
    }

    /// An image of the thread (`thumbnail=true`: at most 256 px), with its sniffed content type.
    #[oai(
        path = "/patients/:id/message-attachments/:item_id",
        method = "get",
        operation_id = "get_patient_message_attachment"
    )]
    async fn get_patient_message_attachment(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        item_id: Path<Uuid>,
        #[oai(default)] thumbnail: Query<bool>,
    ) -> Result<AttachmentResponse, ApiError> {
        let now = state.now();
        let thread = messages::care_team_thread(&state.db, &auth.0, id.0).await?;
        let (row, bytes) =
            messages::attachment(&state.db, state.blobs.as_ref(), thread.scope(), item_id.0, thumbnail.0).await?;
        let event = Event::by(&auth.0, AuditAction::MessageAttachmentRead)
            .patient(thread.patient_id())
            .resource(format!("attachment:{}", row.id));
        state.audit.read(event.at(now)).await?;
        Ok(AttachmentResponse::Image(ImageBody { content_type: images::content_type(row.kind), bytes }))
    }

    /// Mark a message clinically relevant: it is copied into the patient's clinical record.
    #[oai(
        path = "/patients/:id/messages/:item_id/clinically-relevant",
        method = "post",
        operation_id = "mark_message_clinically_relevant"
    )]
    async fn mark_message_clinically_relevant(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        item_id: Path<Uuid>,
    ) -> Result<Json<RecordMessageDto>, ApiError> {
        let thread = messages::care_team_thread(&state.db, &auth.0, id.0).await?;
        let entry = messages::mark_clinically_relevant(&state.db, state.now(), &thread, item_id.0).await?;
        Ok(Json(entry.into()))
    }

    /// Messages copied into a patient's clinical record, newest first (kept with the record).
    #[oai(path = "/patients/:id/record-messages", method = "get", operation_id = "list_record_messages")]
    async fn list_record_messages(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        cursor: Query<Option<String>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<u32>>,
    ) -> Result<Json<RecordMessagePage>, ApiError> {
        let now = state.now();
        let after = decode_cursor(cursor.0.as_deref())?;
        let limit = page_limit(limit.0);
        // Part of the record: whoever may read the record may read these.
        let record = patients::find_visible(&state.db, &auth.0, id.0).await?;
        let rows = messages::record_entries(&state.db, &record, after, limit + 1).await?;
        let (rows, next_cursor) = into_page(rows, limit, |e| e.id);
        state.audit.read(Event::by(&auth.0, AuditAction::MessageRecordRead).patient(record.id).at(now)).await?;
        Ok(Json(RecordMessagePage { items: rows.into_iter().map(Into::into).collect(), next_cursor }))
    }

    /// Clinic admins: review any patient's thread of your clinic (audited; marks nothing read).
    #[oai(
        path = "/clinic/patients/:id/messages",
        method = "get",
        operation_id = "review_patient_messages",
        tag = "ApiTags::Clinic"
    )]
    async fn review_patient_messages(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<Uuid>,
        cursor: Query<Option<String>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<u32>>,
    ) -> Result<Json<ThreadDto>, ApiError> {
        let now = state.now();
        let before = decode_cursor(cursor.0.as_deref())?;
        let limit = page_limit(limit.0);
        let (record, rows) = messages::review_page(&state.db, &auth.0, id.0, before, limit + 1).await?;
        let (rows, next_cursor) = into_page(rows, limit, |m| m.message.order_key);
        let unread = messages::unread(&state.db, record.scope(), Side::CareTeam).await?;
        let numbers = clinic_settings::get(&state.db, ClinicId::new(record.clinic_id)).await?.numbers;
        state.audit.read(Event::by(&auth.0, AuditAction::MessageAdminReview).patient(record.id).at(now)).await?;
        Ok(Json(ThreadDto {
            notice: messages::notice(&numbers),
            unread,
            items: rows.into_iter().map(Into::into).collect(),
            next_cursor,
        }))
    }
}
