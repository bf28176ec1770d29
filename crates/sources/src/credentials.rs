//! Who connects: the user and password come from the environment or from a
//! `.env` file in the working directory, never from the address, a flag or
//! a file of ours. The environment wins over `.env` (as dotenvy and most
//! tools do), and Glassbox's own names win over the standard ones.

use crate::address::{Address, Scheme};

/// The database's own client variable for the password.
pub fn standard_password_var(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Mysql => "MYSQL_PWD",
        _ => "PGPASSWORD",
    }
}

fn standard_user_var(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Mysql => "MYSQL_USER",
        _ => "PGUSER",
    }
}

/// A user and an optional password. `Debug` never shows the password.
#[derive(Clone, Default)]
pub struct Credentials {
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Credentials {
    /// The credentials for `address`: from the process environment, then
    /// from `./.env` if there is one.
    pub fn for_address(address: &Address) -> Credentials {
        let dotenv: Vec<(String, String)> =
            dotenvy::from_path_iter(".env").map(|it| it.filter_map(|kv| kv.ok()).collect()).unwrap_or_default();
        Self::resolve(address, |name| {
            std::env::var(name)
                .ok()
                .or_else(|| dotenv.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
                .filter(|v| !v.is_empty())
        })
    }

    /// The rule itself, over any lookup (tests pass a map).
    pub fn resolve(address: &Address, lookup: impl Fn(&str) -> Option<String>) -> Credentials {
        let user = address
            .user
            .clone()
            .or_else(|| lookup("GLASSBOX_DB_USER"))
            .or_else(|| lookup(standard_user_var(address.scheme)));
        let password = lookup("GLASSBOX_DB_PASSWORD").or_else(|| lookup(standard_password_var(address.scheme)));
        Credentials { user, password }
    }

    /// `text` with the password, should any message repeat it, masked.
    pub fn scrub(&self, text: String) -> String {
        match &self.password {
            Some(p) if p.len() >= 3 && text.contains(p.as_str()) => text.replace(p.as_str(), "***"),
            _ => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glassbox_names_win_and_the_address_user_wins_over_both() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        let pg = Address::parse("postgres://127.0.0.1/shop").unwrap();
        let c = Credentials::resolve(&pg, env(&[("PGUSER", "pg"), ("PGPASSWORD", "a"), ("GLASSBOX_DB_PASSWORD", "b")]));
        assert_eq!((c.user.as_deref(), c.password.as_deref()), (Some("pg"), Some("b")));
        let my = Address::parse("mysql://ana@127.0.0.1/shop").unwrap();
        let c = Credentials::resolve(&my, env(&[("GLASSBOX_DB_USER", "g"), ("MYSQL_PWD", "m"), ("PGPASSWORD", "p")]));
        assert_eq!((c.user.as_deref(), c.password.as_deref()), (Some("ana"), Some("m")));
        assert!(!format!("{c:?}").contains('m') || format!("{c:?}").contains("***"));
        assert_eq!(c.scrub("failed for m-secret".into()), "failed for m-secret", "too short to mask safely");
        let c = Credentials { user: None, password: Some("hunter2".into()) };
        assert_eq!(c.scrub("bad hunter2 here".into()), "bad *** here");
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
