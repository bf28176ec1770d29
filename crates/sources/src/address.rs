//! A source's address: what the person typed where a CSV path goes, checked
//! and held without any secret, so that it can appear in every message,
//! manifest and state file as it is.

use crate::{Error, Kind, Result};

/// Which server a source talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Postgres,
    /// MySQL and MariaDB (one protocol).
    Mysql,
    Kafka,
}

impl Scheme {
    fn default_port(self) -> u16 {
        match self {
            Scheme::Postgres => 5432,
            Scheme::Mysql => 3306,
            Scheme::Kafka => 9092,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scheme::Postgres => "postgres",
            Scheme::Mysql => "mysql",
            Scheme::Kafka => "kafka",
        }
    }
}

/// A parsed source address. It never holds a password: one written into
/// the address is refused by [`Address::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub scheme: Scheme,
    pub host: String,
    pub port: u16,
    /// The database, or the Kafka topic.
    pub path: String,
    /// A user named in the address (not a secret); the environment may name one instead.
    pub user: Option<String>,
    /// `sslmode=require` (PostgreSQL) or `ssl-mode=REQUIRED` (MySQL) asks for TLS.
    pub tls: bool,
}

/// Whether `text` is a source address rather than a file path.
pub fn is_address(text: &str) -> bool {
    ["postgres://", "postgresql://", "mysql://", "mariadb://", "kafka://"].iter().any(|p| text.starts_with(p))
}

impl Address {
    pub fn parse(text: &str) -> Result<Address> {
        let bad = |m: String| Error::new(Kind::Address, m);
        let (scheme, rest) = text.split_once("://").ok_or_else(|| bad(format!("'{text}' is not a source address")))?;
        let scheme = match scheme {
            "postgres" | "postgresql" => Scheme::Postgres,
            "mysql" | "mariadb" => Scheme::Mysql,
            "kafka" => Scheme::Kafka,
            s => return Err(bad(format!("unknown source '{s}://'; use postgres://, mysql:// or kafka://"))),
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let (user, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, hp)) => {
                if let Some((user, _)) = userinfo.split_once(':') {
                    // The message repeats the address without the password.
                    return Err(bad(format!(
                        "{}://{user}:***@{hp}/{path}: a password in the address is refused; set GLASSBOX_DB_PASSWORD \
                         (or {}) in the environment or in a .env file beside the command",
                        scheme.name(),
                        crate::credentials::standard_password_var(scheme)
                    )));
                }
                (Some(userinfo.to_string()).filter(|u| !u.is_empty()), hp)
            }
            None => (None, authority),
        };
        let (host, port) = split_host_port(host_port)
            .ok_or_else(|| bad(format!("{}://{host_port}/{path}: the host or port cannot be read", scheme.name())))?;
        let port = port.unwrap_or(scheme.default_port());
        if host.is_empty() {
            return Err(bad(format!("{}://{host_port}/{path}: no host", scheme.name())));
        }
        if path.is_empty() {
            let what = if scheme == Scheme::Kafka { "topic" } else { "database" };
            return Err(bad(format!("{}://{host}:{port}/: no {what} after the host", scheme.name())));
        }
        let mut tls = false;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match (k, v) {
                ("sslmode", "disable") | ("ssl-mode", "DISABLED") => tls = false,
                ("sslmode", "require") | ("ssl-mode", "REQUIRED") => tls = true,
                ("password", _) => {
                    return Err(bad(format!(
                        "{}://{host}:{port}/{path}: a password in the address is refused; set GLASSBOX_DB_PASSWORD \
                         in the environment or in a .env file beside the command",
                        scheme.name()
                    )))
                }
                _ => {
                    return Err(bad(format!(
                        "{}://{host}:{port}/{path}: unknown setting '{k}'; the address takes sslmode=require|disable \
                         (ssl-mode=REQUIRED|DISABLED for MySQL)",
                        scheme.name()
                    )))
                }
            }
        }
        Ok(Address { scheme, host: host.to_string(), port, path: path.to_string(), user, tls })
    }
}

/// The address as messages, manifests and state files show it: no user, no secret.
impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        write!(f, "{}://{host}:{}/{}", self.scheme.name(), self.port, self.path)
    }
}

fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some((host, port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) => Some((h, Some(p.parse().ok()?))),
        None => Some((s, None)),
    }
}

/// A table or column name that can be put into SQL: letters, digits and
/// `_`, not starting with a digit, optionally `schema.name`. Anything else
/// is refused rather than quoted, so no name from a command line can change
/// what a query does.
pub fn check_identifier(name: &str, what: &str) -> Result<()> {
    let plain = |p: &str| {
        !p.is_empty()
            && p.len() <= 63
            && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !p.as_bytes()[0].is_ascii_digit()
    };
    let ok = match name.split_once('.') {
        Some((schema, table)) => plain(schema) && plain(table),
        None => plain(name),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            Kind::Address,
            format!("{what} '{name}' is not a plain identifier (letters, digits and _, optionally schema.name)"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: std::result::Result<&str, &str>) {
        match (Address::parse(text), expected) {
            (Ok(a), Ok(shown)) => assert_eq!(a.to_string(), shown, "{text}"),
            (Err(e), Err(part)) => assert!(e.message.contains(part), "{text}: {}", e.message),
            (got, want) => panic!("{text}: got {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn addresses_are_read_and_shown_without_secrets() {
        check("postgres://db.example:6543/shop", Ok("postgres://db.example:6543/shop"));
        check("postgresql://ana@127.0.0.1/shop", Ok("postgres://127.0.0.1:5432/shop"));
        check("mariadb://127.0.0.1/shop?ssl-mode=REQUIRED", Ok("mysql://127.0.0.1:3306/shop"));
        check("kafka://[::1]:19092/events", Ok("kafka://[::1]:19092/events"));
        check("mysql://127.0.0.1:3306/", Err("no database after the host"));
        check("kafka://127.0.0.1", Err("no topic after the host"));
        check("mongodb://x/y", Err("unknown source 'mongodb://'"));
        check("postgres://h:99999/db", Err("the host or port cannot be read"));
        check("postgres://h/db?application=x", Err("unknown setting 'application'"));
    }

    #[test]
    fn a_password_in_the_address_is_refused_and_never_repeated() {
        for text in ["postgres://ana:hunter2@127.0.0.1/shop", "mysql://127.0.0.1/shop?password=hunter2"] {
            let e = Address::parse(text).unwrap_err();
            assert!(e.message.contains("a password in the address is refused"), "{}", e.message);
            assert!(e.message.contains("GLASSBOX_DB_PASSWORD"), "{}", e.message);
            assert!(!e.message.contains("hunter2"), "{}", e.message);
        }
    }

    #[test]
    fn only_plain_identifiers_reach_sql() {
        for ok in ["orders", "public.orders", "_t1", "CreatedAt"] {
            assert!(check_identifier(ok, "table").is_ok(), "{ok}");
        }
        for bad in ["", "1x", "orders; drop table x", "a.b.c", "o\"x", "name with space", "t`", "é"] {
            let e = check_identifier(bad, "table").unwrap_err();
            assert!(e.message.contains("is not a plain identifier"), "{bad}: {}", e.message);
        }
    }
}
