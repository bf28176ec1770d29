//! The formats worker's protocol: reading a workbook, Parquet, JSON Lines
//! or gzip file into the text the CSV reader takes, and writing predictions
//! as Parquet.
//!
//! Why a worker of its own: these readers and the Parquet writer (calamine,
//! arrow-rs and their codecs) were more than half of the pipeline worker's
//! code once Parquet came (8.3 MB of wasm against 3.2 MB before), and every
//! pipeline worker of the pool compiled them, while most files are CSV. The
//! page starts this worker only when a file is another format or Parquet
//! is asked for, as it starts the PDF worker only for a PDF.

use glassbox_pipeline::{Error, ErrorKind};
use serde::{Deserialize, Serialize};

/// What the page asks of the formats worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FormatsRequest {
    /// Read a whole file into text. Answered with `Opened`.
    Open {
        file_name: String,
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
        /// A workbook's sheet to read; `None`: the first with a table.
        sheet: Option<String>,
    },
    /// Read a `File` (wasm only: the web layer reads it whole and turns
    /// this into `Open`, so its bytes never pass through the page).
    #[cfg(target_arch = "wasm32")]
    OpenFile {
        #[serde(with = "serde_wasm_bindgen::preserve")]
        file: web_sys::File,
        sheet: Option<String>,
    },
    /// Write predictions (`glassbox predict`'s CSV) as typed Parquet.
    /// Answered with `Parquet`.
    ToParquet { csv: String },
    /// Read and check a `recipe.json` dropped on the page. Here, not on the
    /// page: the strict reader that names every unknown key is 150 KB of
    /// gzipped wasm, which a first visit need not download. Answered with `Recipe`.
    Recipe { text: String },
}

/// The formats worker's answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FormatsResponse {
    /// The file's text for the CSV reader; `None` when it is delimited text after all.
    Opened(Option<Box<Opened>>),
    /// The Parquet file's bytes.
    Parquet(#[serde(with = "serde_bytes")] Vec<u8>),
    /// The recipe, checked.
    Recipe(Box<glassbox_pipeline::recipe::Recipe>),
    /// The request failed; `message` is for the person, `kind` for code.
    Failed { message: String, kind: ErrorKind },
}

/// A workbook, Parquet, JSON Lines file or gzip read into text for the CSV reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened {
    pub decoded: glassbox_formats::Decoded,
    /// The SHA-256 of the file itself, which the model records.
    pub sha256: String,
}

/// Answers one request; plain Rust, tested natively.
pub fn answer(request: FormatsRequest) -> FormatsResponse {
    let failed = |e: Error| FormatsResponse::Failed { message: e.to_string(), kind: e.kind() };
    match request {
        FormatsRequest::Open { file_name, bytes, sheet } => {
            let opts = glassbox_formats::Options { sheet, ..Default::default() };
            match glassbox_formats::decode(&bytes, &file_name, &opts) {
                Ok(decoded) => {
                    FormatsResponse::Opened(decoded.map(|decoded| {
                        Box::new(Opened { sha256: glassbox_pipeline::run::sha256_hex(&bytes), decoded })
                    }))
                }
                Err(e) => failed(e),
            }
        }
        #[cfg(target_arch = "wasm32")]
        FormatsRequest::OpenFile { .. } => {
            failed(Error::new(ErrorKind::Internal, "the web layer reads files, not the engine"))
        }
        FormatsRequest::ToParquet { csv } => match glassbox_formats::parquet::write_csv_as_parquet(csv.as_bytes()) {
            Ok(bytes) => FormatsResponse::Parquet(bytes),
            Err(e) => failed(e),
        },
        FormatsRequest::Recipe { text } => match glassbox_pipeline::recipe::Recipe::parse(&text) {
            Ok(recipe) => FormatsResponse::Recipe(Box::new(recipe)),
            Err(e) => failed(e),
        },
    }
}
