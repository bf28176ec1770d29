//! The worker protocol: a closed set of requests and responses, and one pure
//! [`handle`] function from one to the other.
//!
//! The UI never calls the pipeline directly; it sends a [`Request`] to a Web
//! Worker, which runs [`handle`] and sends back a [`Response`]. `handle` is
//! plain Rust, tested natively. The `web` module (wasm only) is the one place
//! that knows how messages are encoded on their way between threads.
//!
//! ```
//! use glassbox_worker::{handle, Request, Response};
//! let r = handle(Request::Inspect { bytes: b"a,b\n1,x\n".to_vec(), read: Default::default() });
//! assert!(matches!(r, Response::Inspected(i) if i.n_rows == 1));
//! ```

use glassbox_pipeline::ingest::ReadOptions;
use glassbox_pipeline::{Inspection, TrainOutcome, TrainSpec};
use serde::{Deserialize, Serialize};

#[cfg(target_arch = "wasm32")]
pub mod web;

/// What the UI asks of the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Read a CSV and summarise it for the preview.
    Inspect {
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
        read: ReadOptions,
    },
    /// Train and evaluate on a CSV.
    Train {
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
        file_name: String,
        spec: TrainSpec,
    },
}

/// What the worker answers. Exactly one response per request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Response {
    Inspected(Inspection),
    Trained(Box<TrainOutcome>),
    /// The request failed; `message` is for the person, `kind` for code.
    Failed {
        message: String,
        kind: String,
    },
}

/// Runs one request to completion.
pub fn handle(request: Request) -> Response {
    let result = match request {
        Request::Inspect { bytes, read } => glassbox_pipeline::inspect(&bytes, &read, None).map(Response::Inspected),
        Request::Train { bytes, file_name, spec } => {
            glassbox_pipeline::train(&bytes, &file_name, &spec).map(|o| Response::Trained(Box::new(o)))
        }
    };
    result.unwrap_or_else(|e| Response::Failed { message: e.to_string(), kind: format!("{:?}", e.kind()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn train_request_round_trip() {
        let bytes = b"x,y\n1,a\n2,a\n3,a\n4,a\n5,a\n6,b\n7,b\n8,b\n9,b\n10,b\n".to_vec();
        let spec = TrainSpec { target: "y".into(), ..TrainSpec::default() };
        match handle(Request::Train { bytes, file_name: "t.csv".into(), spec }) {
            Response::Trained(o) => assert_eq!(o.classes, ["a", "b"]),
            other => panic!("expected a trained outcome, got {other:?}"),
        }
    }

    #[test]
    fn errors_become_failed_responses() {
        let r = handle(Request::Inspect { bytes: Vec::new(), read: ReadOptions::default() });
        assert_eq!(r, Response::Failed { message: "the file is empty".into(), kind: "Empty".into() });
        let spec = TrainSpec { target: "nope".into(), ..TrainSpec::default() };
        let r = handle(Request::Train { bytes: b"a,b\n1,2\n".to_vec(), file_name: "f.csv".into(), spec });
        assert!(matches!(r, Response::Failed { kind, .. } if kind == "UnknownColumn"));
    }
}
