//! Password hashing with argon2id (m = 19 MiB, t = 2, p = 1: the OWASP minimum).
//!
//! Logins for unknown emails verify against a fixed dummy hash, so a response's timing
//! does not reveal whether an account exists.

use std::sync::LazyLock;

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version, password_hash::SaltString,
};

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2().hash_password(password.as_bytes(), &salt).expect("argon2 hashing with valid params").to_string()
}

pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash("fascia-timing-equaliser"));

/// Spends the same time as a real verification and always fails.
pub fn verify_dummy(password: &str) -> bool {
    let _ = verify(password, &DUMMY_HASH);
    false
}

/// Warm the dummy hash at start-up so the first unknown-email login is not cheaper.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_are_argon2id_with_the_minimum_cost_and_verify() {
        let h = super::hash("correct horse battery");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(super::verify("correct horse battery", &h));
        assert!(!super::verify("wrong", &h));
    }
}
