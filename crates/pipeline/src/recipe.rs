//! `recipe.json`: every choice a training run depends on, and nothing
//! else, so that a run made in the app can be made again by
//! `glassbox train --recipe` in CI, and a model can be retrained on new
//! rows (`glassbox retrain`) without anyone retyping a setting.
//!
//! The format is versioned on its own (`glassbox_recipe`), documented in
//! `crates/pipeline/RECIPE_FORMAT.md` and described by
//! `crates/pipeline/recipe.schema.json`; a test
//! checks every recipe the CLI writes against that schema, so a field
//! added to [`TrainSpec`] cannot change the format silently.
//!
//! A recipe is strict where a model file is lenient: an unknown key is
//! refused with its path (a misspelt `test_sise` would otherwise train
//! with the default and say nothing), as is a value out of range, before
//! anything runs.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::TrainSpec;

/// The recipe format this Glassbox writes and the newest it reads.
pub const RECIPE_VERSION: u32 = 1;

/// The most shuffles per column a recipe may ask for: each one scores
/// every test row again, and a typo of 10000 would run for hours.
const MAX_REPEATS: usize = 1000;

/// A run's choices, with where and by what it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    /// The format's version (first, so a reader can tell it at once).
    pub glassbox_recipe: u32,
    /// For information: the Glassbox that wrote it.
    pub glassbox_version: String,
    /// For information: the data the run was made from. Training on
    /// another file is allowed (that is retraining); it is only noticed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Input>,
    /// Options given on the command line over another recipe, as typed
    /// (`--seed 7`), in the order given; `run` already holds their effect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    /// The choices: how the file is read, the target, roles, features,
    /// model, search, validation, threshold, calibration, interval, seed.
    pub run: TrainSpec,
}

/// The file a recipe was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    /// Its base name (never a path), or a source's address without secrets.
    pub name: String,
    pub sha256: String,
}

impl Recipe {
    /// The recipe of `spec`, made from the input `name` with hash `sha256`.
    pub fn new(spec: &TrainSpec, name: &str, sha256: &str) -> Recipe {
        Recipe {
            glassbox_recipe: RECIPE_VERSION,
            glassbox_version: crate::VERSION.to_string(),
            input: Some(Input { name: name.to_string(), sha256: sha256.to_string() }),
            overrides: Vec::new(),
            run: spec.clone(),
        }
    }

    /// The recipe of a run a plan made: `spec` as the plan ran it, with
    /// `auto` put back where the plan compared the target's scales and
    /// put its choice in (`scales_compared`), so that running the recipe
    /// again decides again.
    pub fn of_run(spec: &TrainSpec, scales_compared: bool, name: &str, sha256: &str) -> Recipe {
        let mut recipe = Recipe::new(spec, name, sha256);
        if scales_compared {
            recipe.run.target_transform = crate::spec::TransformSetting::Auto;
        }
        recipe
    }

    /// What `recipe.json` holds, in the app's download and the CLI's folder
    /// alike: [`json_text`] of the value a model file embeds.
    pub fn to_json(&self) -> String {
        json_text(&self.to_value())
    }

    /// As a JSON value, the form a model file embeds.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a recipe always serialises")
    }

    /// Whether `text` claims to be a recipe (a JSON object with the format's
    /// key), so a page can tell a dropped recipe from a JSON Lines file of
    /// data; whether it is a good one is [`Recipe::parse`]'s question.
    pub fn claims(text: &str) -> bool {
        text.trim_start().starts_with('{')
            && serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
                .is_ok_and(|m| m.contains_key("glassbox_recipe"))
    }

    /// Reads and checks a recipe: its version first, then every key
    /// (unknown ones and wrong values named by their path, `run.data.test_size`),
    /// then the ranges. Nothing is run on a recipe this refuses.
    pub fn parse(text: &str) -> Result<Recipe> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(format!("invalid JSON ({e})")))?;
        Recipe::from_value(&value)
    }

    /// [`Recipe::parse`] of a value already read (the one a model file embeds).
    pub fn from_value(value: &serde_json::Value) -> Result<Recipe> {
        let object = value.as_object().ok_or_else(|| bad("not a Glassbox recipe: it is not a JSON object".into()))?;
        let version = object.get("glassbox_recipe").ok_or_else(|| {
            bad("not a Glassbox recipe: the key glassbox_recipe (the format's version) is missing".into())
        })?;
        let version = version
            .as_u64()
            .filter(|&v| v >= 1)
            .ok_or_else(|| bad(format!("glassbox_recipe must be a whole number of 1 or more, got {version}")))?;
        if version > u64::from(RECIPE_VERSION) {
            return Err(bad(format!(
                "glassbox_recipe is {version}, a newer recipe format than this Glassbox {} reads ({RECIPE_VERSION}); use a newer Glassbox",
                crate::VERSION
            )));
        }
        let mut unknown = Vec::new();
        let mut note = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
        let de = serde_ignored::Deserializer::new(value, &mut note);
        let recipe: Recipe = serde_path_to_error::deserialize(de).map_err(|e| {
            let at = e.path().to_string();
            bad(format!("{at}: {}", e.into_inner()))
        })?;
        if let Some(key) = unknown.first() {
            return Err(bad(format!("{key}: unknown key (RECIPE_FORMAT.md lists the keys a recipe takes)")));
        }
        // The model's parameters sit beside its tag, which serde reads
        // through a buffer that `serde_ignored` cannot see into.
        if let Some(model) = value.pointer("/run/model").and_then(|m| m.as_object()) {
            let known = recipe.run.model.params();
            if let Some(key) = model.keys().find(|k| *k != "model" && !known.contains_key(*k)) {
                return Err(bad(format!(
                    "run.model.{key}: {} has no parameter '{key}'; its parameters are: {}",
                    recipe.run.model.name(),
                    known.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
                )));
            }
        }
        recipe.check()?;
        Ok(recipe)
    }

    /// The ranges serde's types do not hold, each named by its key.
    pub fn check(&self) -> Result<()> {
        let spec = &self.run;
        let at = |key: &str, e: Error| bad(format!("{key}: {}", e.message()));
        if spec.data.target.trim().is_empty() {
            return Err(bad("run.data.target: the column to predict is empty".into()));
        }
        let t = spec.data.test_size;
        if !(t.is_finite() && t > 0.0 && t < 1.0) {
            return Err(bad(format!("run.data.test_size: the share held out must be between 0 and 1, got {t}")));
        }
        spec.features.validate().map_err(|e| at("run.features", e))?;
        spec.model.validate().map_err(|e| at("run.model", e))?;
        if let Some(task) = spec.data.task {
            spec.model.does(task).map_err(|e| at("run.model", e))?;
        }
        spec.search.check(&spec.model).map_err(|e| at("run.search", e))?;
        if let Some(k) = spec.validation.cv.filter(|&k| k < 2) {
            return Err(bad(format!("run.validation.cv: cross-validation needs at least 2 folds, got {k}")));
        }
        if spec.validation.time_windows < 1 {
            return Err(bad("run.validation.time_windows: at least 1 window, got 0".into()));
        }
        if let Some(rule) = spec.threshold {
            rule.validated().map_err(|e| at("run.threshold", e))?;
        }
        if spec.importance_repeats > MAX_REPEATS {
            return Err(bad(format!(
                "run.importance_repeats: at most {MAX_REPEATS} shuffles per column, got {}",
                spec.importance_repeats
            )));
        }
        Ok(())
    }

    /// What a person is told when the data differs from the recipe's
    /// (allowed: that is retraining), or nothing.
    pub fn input_notice(&self, sha256: &str) -> Option<String> {
        let input = self.input.as_ref()?;
        (input.sha256 != sha256).then(|| {
            format!(
                "the data differs from the file the recipe was made from ({}, SHA-256 {}…): training the recipe on new data",
                input.name,
                &input.sha256.get(..12).unwrap_or(&input.sha256)
            )
        })
    }
}

/// A recipe's JSON value as `recipe.json`'s text: pretty, keys sorted (as
/// the value keeps them), a trailing newline. The page writes the value a
/// model file embeds this way without reading it back into a [`Recipe`],
/// whose strict reader it does not carry (see the formats worker).
pub fn json_text(value: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("a JSON value always serialises");
    s.push('\n');
    s
}

fn bad(message: String) -> Error {
    Error::new(ErrorKind::BadSpec, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe() -> Recipe {
        let mut spec = TrainSpec::for_target("species");
        spec.model = crate::model::ModelSpec::by_name("random_forest", 42).unwrap();
        Recipe::new(&spec, "penguins.csv", "ab12")
    }

    /// Parses `recipe()` with `edit` applied to its JSON, and returns the
    /// error's words (or "ok").
    fn check(edit: impl FnOnce(&mut serde_json::Value), expected: &str) {
        let mut v = recipe().to_value();
        edit(&mut v);
        let got = match Recipe::parse(&v.to_string()) {
            Ok(_) => "ok".to_string(),
            Err(e) => e.message().to_string(),
        };
        assert!(got.contains(expected), "expected '{expected}' in '{got}'");
    }

    #[test]
    fn a_recipe_reads_back_as_written() {
        let r = recipe();
        assert_eq!(Recipe::parse(&r.to_json()).unwrap(), r);
        assert!(r.to_json().starts_with("{\n  \"glassbox_recipe\": 1,"), "the version first, its keys sorted");
    }

    #[test]
    fn what_a_recipe_refuses_is_named_by_its_key() {
        check(|_| {}, "ok");
        check(|v| v["run"]["data"]["test_sise"] = 0.3.into(), "run.data.test_sise: unknown key");
        check(|v| v["colour"] = "red".into(), "colour: unknown key");
        check(|v| v["run"]["features"]["scael"] = "none".into(), "run.features.scael: unknown key");
        check(|v| v["run"]["model"]["n_tres"] = 10.into(), "run.model.n_tres: random_forest has no parameter");
        check(|v| v["run"]["data"]["test_size"] = 1.5.into(), "run.data.test_size: the share held out");
        check(|v| v["run"]["data"]["test_size"] = "a lot".into(), "run.data.test_size: invalid type");
        check(|v| v["run"]["model"]["n_trees"] = 0.into(), "run.model:");
        check(|v| v["run"]["validation"]["cv"] = 1.into(), "run.validation.cv: cross-validation needs at least 2");
        check(|v| v["run"]["interval"] = 1.5.into(), "run.interval:");
        check(|v| v["run"]["model"]["model"] = "deep_net".into(), "run.model");
        check(|v| v["run"]["importance_repeats"] = 100000.into(), "run.importance_repeats: at most 1000");
        check(|v| v["run"]["data"]["target"] = " ".into(), "run.data.target: the column to predict is empty");
        check(|v| v["glassbox_recipe"] = 2.into(), "glassbox_recipe is 2, a newer recipe format");
        check(|v| v["glassbox_recipe"] = "one".into(), "glassbox_recipe must be a whole number");
        check(|v| v.as_object_mut().unwrap().remove("glassbox_recipe").map(|_| ()).unwrap(), "not a Glassbox recipe");
        check(|v| v.as_object_mut().unwrap().remove("run").map(|_| ()).unwrap(), "missing field `run`");
        check(
            |v| v["run"]["search"] = serde_json::json!({"samplers": ["tpe"], "trials": 0}),
            "run.search: the search needs at least 1 trial",
        );
        check(|v| v["run"]["threshold"] = serde_json::json!({"by": "fixed", "value": 2.0}), "run.threshold:");
        assert!(Recipe::parse("[1]").unwrap_err().message().contains("not a JSON object"));
        assert!(Recipe::parse("{").unwrap_err().message().contains("invalid JSON"));
    }

    #[test]
    fn a_recipe_is_told_from_data() {
        assert!(Recipe::claims(&recipe().to_json()));
        assert!(
            Recipe::claims("{\"glassbox_recipe\": 99, \"x\": 1}"),
            "a bad recipe is still one, to be refused in words"
        );
        assert!(!Recipe::claims("{\"a\": 1}\n{\"a\": 2}\n"));
        assert!(!Recipe::claims("a,b\n1,2\n"));
    }

    #[test]
    fn other_data_is_noticed_not_refused() {
        let r = recipe();
        assert_eq!(r.input_notice("ab12"), None);
        assert!(r.input_notice("cd34").unwrap().contains("penguins.csv"));
    }
}
