//! The chat notification: a Slack-compatible incoming-webhook payload
//! (`text` for notifications and clients without blocks, `blocks` for the
//! layout) with the verdict, the F1 change, the top drifting columns with
//! their suggestions, and the SHA-256 of the model and the data. Built
//! here, as data, so the CLI posts exactly what the app shows.

use serde_json::{json, Value};

use crate::{Decay, DriftReport, ErrorDecay};

/// What the notification is about.
pub struct AlertInput<'a> {
    /// The model, in words (its kind and target).
    pub model: &'a str,
    pub model_sha256: &'a str,
    /// The current data's (or the log's) SHA-256.
    pub data_sha256: &'a str,
    pub drift: Option<&'a DriftReport>,
    pub decay: Option<&'a Decay>,
    /// A regressor's errors per period, with their alarms.
    pub errors: Option<&'a ErrorDecay>,
    /// What retraining on the alert did, in words (`monitor --retrain-on-alert`).
    pub retrained: Option<&'a str>,
}

/// Slack's markup reads `&`, `<` and `>` as control characters: data
/// strings are escaped, so a column called `<!channel>` mentions nobody.
pub fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Whether anything should wake a person: F1 fell past the threshold, the
/// dataset drifted, or the model's own probabilities did (the model now
/// sees other rows than it was tested on, before any label says so).
pub fn fires(input: &AlertInput) -> bool {
    !reasons(input).is_empty()
}

/// The reasons, one line each, for the terminal and the payload.
pub fn reasons(input: &AlertInput) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(d) = input.decay.filter(|d| d.alert) {
        out.push(d.message.clone());
    }
    if let Some(d) = input.errors {
        out.extend(d.alerts.iter().map(|a| a.message.clone()));
    }
    if let Some(d) = input.drift.filter(|d| d.dataset.drifted) {
        out.push(format!(
            "{} of {} feature columns drifted ({:.0}%, at least {:.0}% is dataset drift)",
            d.dataset.drifted_columns,
            d.dataset.tested_columns,
            100.0 * d.dataset.share,
            100.0 * d.dataset.threshold
        ));
    }
    if let Some(d) = input.drift {
        for p in d.prediction.iter().filter(|p| p.drifted) {
            out.push(format!(
                "the model's probabilities drifted ({}, {} {}); columns most changed: {}",
                p.column,
                p.method,
                p.statistic.or(p.p_value).map_or("–".into(), crate::short_number),
                if d.top.is_empty() {
                    "none past its test".to_string()
                } else {
                    d.top.iter().map(|t| t.column.clone()).collect::<Vec<_>>().join(", ")
                }
            ));
        }
    }
    out
}

pub fn payload(input: &AlertInput) -> Value {
    let e = slack_escape;
    let firing = fires(input);
    let verdict = if firing { "alert" } else { "all well" };
    let headline = format!("Glassbox monitor: {verdict} for {}", input.model);
    let mut lines = vec![format!("*Verdict:* {verdict}")];
    if let Some(d) = input.decay {
        lines.push(format!("*Performance:* {}", e(&d.message)));
    }
    if let Some(d) = input.errors {
        lines.push(format!("*Performance:* {}", e(&d.message)));
        if let Some(last) = d.periods.last() {
            lines.push(format!(
                "*Last {}:* MAE {}, RMSE {}, mean error {}{}",
                d.period.name(),
                crate::short_number(last.mae),
                crate::short_number(last.rmse),
                crate::short_number(last.bias),
                last.coverage.map_or(String::new(), |c| format!(", interval coverage {:.1}%", 100.0 * c))
            ));
        }
    }
    if let Some(d) = input.drift {
        lines.push(format!(
            "*Data drift:* {} of {} feature columns drifted (share {:.2}, threshold {:.2}): {}",
            d.dataset.drifted_columns,
            d.dataset.tested_columns,
            d.dataset.share,
            d.dataset.threshold,
            if d.dataset.drifted { "dataset drift" } else { "no dataset drift" }
        ));
        for p in &d.prediction {
            lines.push(format!(
                "*Prediction drift* ({}): {}",
                e(&p.column),
                if p.drifted { "drift" } else { "no drift" }
            ));
        }
        if !d.missing_columns.is_empty() {
            lines.push(format!("*Missing columns:* {}", e(&d.missing_columns.join(", "))));
        }
    }
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": headline}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": lines.join("\n")}}),
    ];
    let mut text = format!("{headline}. {}", reasons(input).iter().map(|r| e(r)).collect::<Vec<_>>().join("; "));
    if let Some(d) = input.errors.filter(|d| d.alert) {
        let todo: Vec<String> = d.suggestions().iter().map(|t| format!("• {}", e(t))).collect();
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*What to do*\n{}", todo.join("\n"))}}));
        text.push_str(&format!(". What to do: {}.", e(&d.alerts[0].suggestion)));
    }
    if let Some(d) = input.drift.filter(|d| !d.top.is_empty()) {
        let top: Vec<String> = d
            .top
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}. *{}*: {}", i + 1, e(&t.column), e(&t.suggestion)))
            .collect();
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*Top drifting columns*\n{}", top.join("\n"))}}));
        let names: Vec<String> = d.top.iter().map(|t| e(&t.column)).collect();
        text.push_str(&format!(" Top drifting columns: {}.", names.join(", ")));
    }
    if let Some(r) = input.retrained {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*Retraining:* {}", e(r))}}));
        text.push_str(&format!(" Retraining: {}.", e(r)));
    }
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": format!(
        "model sha256 {} · data sha256 {}",
        e(input.model_sha256),
        e(input.data_sha256)
    )}]}));
    json!({"text": text, "blocks": blocks})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(slack_escape("<!channel> & <b>"), "&lt;!channel&gt; &amp; &lt;b&gt;");
    }
}
