//! The OpenAPI 3.1 document of the server, built from the model's row
//! schema so a client generator sees the real columns.

use serde_json::{json, Value};

use glassbox_pipeline::rows::row_schema;
use glassbox_pipeline::ModelFile;

use crate::Config;

pub fn document(model: &ModelFile, config: &Config) -> Value {
    let mut row = row_schema(model);
    if let Some(o) = row.as_object_mut() {
        // OpenAPI embeds schemas without their own dialect line.
        o.remove("$schema");
    }
    let errors = json!({
        "description": "the request is refused; every field and reason is listed",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}
    });
    let (description, prediction) = if model.task == glassbox_pipeline::task::Task::Regression {
        regression(model)
    } else {
        (
            format!(
                "A {} model. probability and confidence_interval: {}. probabilities are the model's own.",
                model.spec.name(),
                glassbox_pipeline::intervals::MEANING
            ),
            json!({
                "type": "object",
                "required": ["prediction", "probability", "confidence_interval", "probabilities", "warnings"],
                "properties": {
                    "prediction": {"type": "string"},
                    "probability": {"type": ["number", "null"], "description": "the merged Venn-Abers probability: of the positive class for two classes, of the predicted class otherwise"},
                    "confidence_interval": {"type": ["array", "null"], "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
                    "probabilities": {"type": "object", "additionalProperties": {"type": "number"}},
                    "warnings": {"type": "array", "items": {"type": "string"}}
                }
            }),
        )
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": format!("Glassbox model predicting '{}'", model.schema.target),
            "version": glassbox_pipeline::VERSION,
            "description": description,
        },
        "paths": {
            "/predict": {"post": {
                "summary": "score one row, or an array of rows (answered in order)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"oneOf": [
                    {"$ref": "#/components/schemas/Row"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/Row"}, "maxItems": config.max_rows}
                ]}}}},
                "responses": {
                    "200": {"description": "the prediction (an array for an array)", "content": {"application/json": {"schema": {"oneOf": [
                        {"$ref": "#/components/schemas/Prediction"},
                        {"type": "array", "items": {"$ref": "#/components/schemas/Prediction"}}
                    ]}}}},
                    "400": errors.clone(),
                    "413": errors.clone(),
                    "422": errors,
                }
            }},
            "/health": {"get": {"summary": "the model being served", "responses": {"200": {"description": "status, the model's SHA-256, format version, target, classes, the training data's SHA-256"}}}},
            "/schema": {"get": {"summary": "a JSON Schema of one row", "responses": {"200": {"description": "the schema"}}}},
            "/openapi.json": {"get": {"summary": "this document", "responses": {"200": {"description": "this document"}}}}
        },
        "components": {"schemas": {
            "Row": row,
            "Prediction": prediction,
            "Errors": {
                "type": "object",
                "properties": {"errors": {"type": "array", "items": {"type": "object", "properties": {
                    "row": {"type": "integer"}, "field": {"type": "string"}, "reason": {"type": "string"}
                }, "required": ["reason"]}}}
            }
        }}
    })
}

/// A regressor's description and answer: the number, its interval at the
/// file's level (null without one, or when it is unbounded), the level.
fn regression(model: &ModelFile) -> (String, Value) {
    let interval = match &model.conformal {
        Some(c) => format!(
            "prediction_interval: the {}% conformal interval ({}); for a new row drawn like the training rows it holds the true value with probability at least {}%{}",
            glassbox_pipeline::conformal::percent(c.level),
            c.describe(),
            glassbox_pipeline::conformal::percent(c.level),
            if c.is_bounded() { "" } else { "; unbounded for this model, so null" }
        ),
        None => "this model file has no prediction interval (prediction_interval is null)".to_string(),
    };
    let description = format!("A {} model predicting a number. {interval}.", model.spec.name());
    let answer = json!({
        "type": "object",
        "required": ["prediction", "prediction_interval", "interval_level", "warnings"],
        "properties": {
            "prediction": {"type": "number"},
            "prediction_interval": {"type": ["array", "null"], "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
            "interval_level": {"type": ["number", "null"], "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "warnings": {"type": "array", "items": {"type": "string"}}
        }
    });
    (description, answer)
}
