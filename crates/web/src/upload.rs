//! File uploads (multipart forms): audit evidence and application
//! attachments. Each file is size-limited while it is read, executables are
//! refused, names are cleaned, and downloads name the file as it was given.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::{AppError, AppResult};

/// Room for a form's text fields beside its files in one upload.
pub const FORM_SLACK_BYTES: usize = 64 * 1024;

/// One file part of a form.
pub struct UploadedFile {
    /// The form field it came in.
    pub field: String,
    /// The name as kept: see [`clean_name`].
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A multipart form as uploaded: text fields (a field may repeat) and files.
#[derive(Default)]
pub struct Upload {
    pub fields: HashMap<String, Vec<String>>,
    pub files: Vec<UploadedFile>,
}

impl Upload {
    /// The first value of a text field, or "".
    pub fn text(&self, name: &str) -> String {
        self.fields
            .get(name)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }

    pub fn all(&self, name: &str) -> &[String] {
        self.fields.get(name).map(Vec::as_slice).unwrap_or_default()
    }

    /// The file sent in `field`, if one was chosen.
    pub fn file(&self, field: &str) -> Option<&UploadedFile> {
        self.files.iter().find(|f| f.field == field)
    }
}

/// Why an upload could not be read; each is answered with a clear message.
pub enum UploadError {
    /// A file is over the limit (nothing of it is kept).
    TooLarge,
    /// The body is not a readable multipart form.
    Malformed(String),
    /// An executable or script, by name or first bytes.
    RefusedType(String),
}

/// Reads the whole form; each file at most `max_file` bytes. A file input
/// left empty sends a part without a name and bytes: it is skipped. A body
/// that is not multipart at all is `Malformed` (a clear 422, not the
/// router's plain-text 400).
pub async fn read(
    mp: Result<Multipart, MultipartRejection>,
    max_file: usize,
) -> Result<Upload, UploadError> {
    let mut mp = mp.map_err(|e| UploadError::Malformed(e.body_text()))?;
    let mut up = Upload::default();
    let malformed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            UploadError::TooLarge
        } else {
            UploadError::Malformed(e.body_text())
        }
    };
    while let Some(mut field) = mp.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let mut bytes = Vec::new();
                // Read in chunks so an oversized file is refused without keeping it.
                while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                    if bytes.len() + chunk.len() > max_file {
                        return Err(UploadError::TooLarge);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                let file_name = clean_name(&file_name);
                if refused_type(&file_name, &bytes) {
                    return Err(UploadError::RefusedType(file_name));
                }
                up.files.push(UploadedFile {
                    field: name,
                    name: file_name,
                    bytes,
                });
            }
            None => {
                let value = field.text().await.map_err(malformed)?;
                up.fields.entry(name).or_default().push(value);
            }
        }
    }
    Ok(up)
}

/// Executables and scripts are neither evidence nor attachments: refused by
/// extension or by their first bytes, whatever the name says.
pub fn refused_type(name: &str, bytes: &[u8]) -> bool {
    const EXTENSIONS: &[&str] = &[
        "exe", "dll", "com", "scr", "msi", "bat", "cmd", "ps1", "vbs", "js", "jar", "sh", "app",
        "elf", "so", "dylib", "bin", "apk",
    ];
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let magic: &[&[u8]] = &[
        b"MZ",               // Windows PE
        b"\x7fELF",          // ELF
        b"\xfe\xed\xfa\xce", // Mach-O 32
        b"\xfe\xed\xfa\xcf", // Mach-O 64
        b"\xcf\xfa\xed\xfe", // Mach-O 64, little-endian
        b"\xce\xfa\xed\xfe", // Mach-O 32, little-endian
        b"\xca\xfe\xba\xbe", // Mach-O universal / Java class
        b"#!",               // scripts
    ];
    EXTENSIONS.contains(&ext.as_str()) || magic.iter().any(|m| bytes.starts_with(m))
}

/// A file's name as kept: no directories, no control characters, at most
/// 200 characters.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let base: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if base.is_empty() { "file".into() } else { base }
}

/// The stored file of record `kind`/`id` with hash `sha256` as a download
/// (the caller has checked that the reader may see the record); 404 if none.
pub async fn download(state: &AppState, kind: &str, id: i64, sha256: &str) -> AppResult<Response> {
    let file = state
        .store
        .registry_file(kind, id, sha256)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, disposition(&file.name)),
        ],
        file.bytes,
    )
        .into_response())
}

/// `attachment` with the stored name: an ASCII fallback and the UTF-8 name.
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executables_are_refused_by_name_or_by_their_first_bytes() {
        assert!(refused_type("setup.EXE", b"anything"));
        assert!(refused_type("report.pdf", b"MZ\x90\x00"));
        assert!(refused_type("notes.txt", b"#!/bin/sh\nrm -rf /"));
        assert!(refused_type("a.bin.pdf", b"\x7fELF\x02"));
        assert!(!refused_type("監査調書.pdf", b"%PDF-1.7"));
        assert!(!refused_type("noext", b"plain text"));
    }

    #[test]
    fn downloads_keep_the_name_safely() {
        assert_eq!(clean_name("C:\\tmp\\..\\証跡.pdf"), "証跡.pdf");
        assert_eq!(clean_name("  "), "file");
        let d = disposition("証跡 \"1\".pdf");
        assert!(d.is_ascii() && !d.contains("\"1\""), "{d}");
        assert!(d.contains("filename*=UTF-8''%E8%A8%BC"));
    }
}
