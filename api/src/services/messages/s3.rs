//! [`S3Blobs`]: attachment bytes in an S3-compatible object store (AWS S3, MinIO, Ceph,
//! R2 ...), spoken to directly: path-style URLs `{endpoint}/{bucket}/{prefix}{key}`,
//! PUT / GET / DELETE signed with Signature V4 (`crate::sigv4`) and the payload's
//! SHA-256 in `x-amz-content-sha256`, sent through the process's pooled HTTP client.
//!
//! Any answer but the expected ones (and any transport failure) is
//! [`BlobError::Unavailable`]: the API answers 503 and the outbox worker retries. A
//! signature the store refuses (403) is logged as a configuration problem, since no
//! retry will cure it. Requests are signed with the wall clock, not the app's clock:
//! stores refuse signatures more than a few minutes off their own time.

use chrono::Utc;
use reqwest::{Method, StatusCode};
use sea_orm::{DatabaseConnection, DatabaseTransaction};
use uuid::Uuid;

use super::storage::{BlobError, BlobFuture, BlobStore};
use crate::{config::S3Settings, sigv4};

pub struct S3Blobs {
    client: reqwest::Client,
    settings: S3Settings,
    /// The `Host` header the client will send: the port only when not the scheme's default.
    host: String,
}

impl S3Blobs {
    pub fn new(client: reqwest::Client, settings: S3Settings) -> Self {
        let name = settings.endpoint.host_str().unwrap_or_default();
        let host = match settings.endpoint.port() {
            Some(port) => format!("{name}:{port}"),
            None => name.to_owned(),
        };
        Self { client, settings, host }
    }

    /// Sends one signed request for the object under `key`.
    async fn send(&self, method: Method, key: Uuid, body: &[u8]) -> Result<reqwest::Response, BlobError> {
        let s = &self.settings;
        let path = sigv4::encode_path(&format!("/{}/{}{key}", s.bucket, s.prefix));
        let url = format!("{}{path}", s.endpoint.as_str().trim_end_matches('/'));
        let at = Utc::now();
        let (date, payload_sha256) = (sigv4::amz_date(at), sigv4::sha256_hex(body));
        let headers = [("host", self.host.as_str()), ("x-amz-content-sha256", &payload_sha256), ("x-amz-date", &date)];
        let signer = sigv4::Signer {
            access_key_id: &s.access_key_id,
            secret_access_key: s.secret_access_key.expose(),
            region: &s.region,
            service: "s3",
        };
        let authorization = signer.authorization(
            at,
            &sigv4::Request {
                method: method.as_str(),
                path: &path,
                headers: &headers,
                payload_sha256: &payload_sha256,
            },
        );
        let mut request = self
            .client
            .request(method.clone(), url)
            .header("x-amz-date", &date)
            .header("x-amz-content-sha256", &payload_sha256)
            .header("authorization", authorization);
        if method == Method::PUT {
            request = request.header("content-type", "application/octet-stream").body(body.to_vec());
        }
        request.send().await.map_err(|e| {
            let e = e.without_url();
            tracing::warn!(op = %method, error = %e, "cannot reach the object store");
            BlobError::Unavailable(format!("{method} failed: {e}"))
        })
    }
}

/// The error for an answer the operation did not expect.
fn refused(method: Method, status: StatusCode) -> BlobError {
    if status == StatusCode::FORBIDDEN {
        tracing::error!(op = %method, "the object store refused our signature; check FASCIA_S3_ACCESS_KEY_ID and FASCIA_S3_SECRET_ACCESS_KEY");
    } else {
        tracing::warn!(op = %method, status = status.as_u16(), "the object store answered with an error");
    }
    BlobError::Unavailable(format!("{method} answered {}", status.as_u16()))
}

impl BlobStore for S3Blobs {
    fn put_before<'a>(&'a self, key: Uuid, data: &'a [u8]) -> BlobFuture<'a, bool> {
        Box::pin(async move {
            let status = self.send(Method::PUT, key, data).await?.status();
            if status.is_success() { Ok(true) } else { Err(refused(Method::PUT, status)) }
        })
    }

    fn put_in<'a>(
        &'a self,
        _txn: &'a DatabaseTransaction,
        _now: chrono::DateTime<Utc>,
        _patient_id: Uuid,
        _key: Uuid,
        _data: &'a [u8],
    ) -> BlobFuture<'a, ()> {
        // Stored before the transaction (`put_before`).
        Box::pin(async { Ok(()) })
    }

    fn get<'a>(&'a self, _db: &'a DatabaseConnection, key: Uuid) -> BlobFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let response = self.send(Method::GET, key, b"").await?;
            match response.status() {
                StatusCode::OK => {
                    let bytes = response
                        .bytes()
                        .await
                        .map_err(|e| BlobError::Unavailable(format!("GET body failed: {}", e.without_url())))?;
                    Ok(Some(bytes.to_vec()))
                }
                StatusCode::NOT_FOUND => Ok(None),
                status => Err(refused(Method::GET, status)),
            }
        })
    }

    fn delete<'a>(&'a self, _db: &'a DatabaseConnection, key: Uuid) -> BlobFuture<'a, ()> {
        Box::pin(async move {
            match self.send(Method::DELETE, key, b"").await?.status() {
                // S3 answers 204 whether or not the object existed; others may say 404.
                // Nothing else counts as gone.
                StatusCode::NO_CONTENT | StatusCode::NOT_FOUND => Ok(()),
                status => Err(refused(Method::DELETE, status)),
            }
        })
    }
}
