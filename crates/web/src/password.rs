//! Password hashing (argon2id) and the password rules.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 256;

/// Why a new password is refused, as a message key with its argument.
pub fn check_rules(password: &str) -> Result<(), (&'static str, (&'static str, String))> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(("password-too-short", ("min", MIN_LEN.to_string())));
    }
    if n > MAX_LEN {
        return Err(("password-too-long", ("max", MAX_LEN.to_string())));
    }
    Ok(())
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash a password: {e}"))
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Hashing and verifying take tens of milliseconds: keep them off the async workers.
pub async fn verify_blocking(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, &stored))
        .await
        .unwrap_or(false)
}

pub async fn hash_blocking(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash(&password)).await?
}

/// A random password people can read aloud: no 0/O, 1/l/I.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn rules_name_the_limit() {
        assert_eq!(check_rules("short").unwrap_err().0, "password-too-short");
        assert!(check_rules("long enough!").is_ok());
        let g = generate();
        assert_eq!(g.len(), 16);
        assert!(check_rules(&g).is_ok());
    }
}
