//! Bearer tokens: HS256 JWTs carrying a role. `viewer` may query; `admin` may also change
//! things (mutations). Tokens are minted by `pulso token` and verified by the API.
//!
//! HS256 is a keyed SHA-256 over two base64url segments, so it is written out here on the
//! HMAC and SHA-2 crates the database driver already builds, instead of a JWT crate that would
//! bring RSA and elliptic-curve code the API never uses.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{config::AuthConfig, entities::control::settings};

/// Where a generated secret is kept, so every process sharing the database agrees on it.
const SECRET_SETTING: &str = "auth.jwt_secret";
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Admin => "admin",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a well-formed HS256 JWT")]
    Malformed,
    #[error("the token's signature is not valid")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
}

/// The fields of a token's header that verification reads (others are ignored).
#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: std::borrow::Cow<'a, str>,
}

#[derive(Clone)]
pub struct Tokens {
    /// HMAC keyed once with the secret: every token is verified on a copy of it, so a request
    /// does not hash the key again.
    keyed: Hmac<Sha256>,
}

impl Tokens {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            keyed: Hmac::new_from_slice(secret).expect("HMAC takes any key length"),
        }
    }

    /// The configured secret, or the one kept in `pulso_settings` (generated on first use).
    pub async fn from_config(config: &AuthConfig, db: &DatabaseConnection) -> Result<Self, DbErr> {
        if let Some(secret) = &config.jwt_secret {
            return Ok(Self::new(secret.expose().as_bytes()));
        }
        let generated = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        // Whoever inserts first wins; everyone then reads the same secret.
        settings::Entity::insert(settings::ActiveModel {
            key: Set(SECRET_SETTING.into()),
            value: Set(generated),
            updated_at: Set(Utc::now()),
        })
        .on_conflict_do_nothing_on([settings::Column::Key])
        .exec(db)
        .await?;
        let stored = settings::Entity::find_by_id(SECRET_SETTING.to_owned())
            .one(db)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(SECRET_SETTING.into()))?;
        Ok(Self::new(stored.value.as_bytes()))
    }

    pub fn mint(&self, subject: &str, role: Role, ttl: Duration) -> String {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: subject.into(),
            role,
            iat: now,
            exp: now + ttl.num_seconds(),
        };
        let payload = serde_json::to_vec(&claims).expect("claims serialise");
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let signature = URL_SAFE_NO_PAD.encode(self.mac(&signed).finalize().into_bytes());
        format!("{signed}.{signature}")
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header = decode_segment(header)?;
        let header: Header = serde_json::from_slice(&header).map_err(|_| TokenError::Malformed)?;
        // Only HS256: a token cannot choose a weaker algorithm (or "none").
        if header.alg != "HS256" {
            return Err(TokenError::Malformed);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Malformed)?;
        let signed_len = token.len() - token.rsplit('.').next().map_or(0, str::len) - 1;
        self.mac(&token[..signed_len])
            .verify_slice(&signature)
            .map_err(|_| TokenError::BadSignature)?;
        let claims: Claims =
            serde_json::from_slice(&decode_segment(payload)?).map_err(|_| TokenError::Malformed)?;
        if claims.exp <= Utc::now().timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    fn mac(&self, signed: &str) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(signed.as_bytes());
        mac
    }
}

fn decode_segment(segment: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| TokenError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_verifies_and_carries_its_role() {
        let tokens = Tokens::new(b"0123456789abcdef0123456789abcdef");
        let token = tokens.mint("ops", Role::Admin, Duration::hours(1));
        let claims = tokens.verify(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.role), ("ops", Role::Admin));
    }

    #[test]
    fn a_token_signed_by_another_hs256_implementation_passes_the_signature_check() {
        // jwt.io's example token: its claims carry no role, so it is refused as malformed, but
        // only after its signature was found valid (a bad one is refused first).
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
            eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.\
            SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        let tokens = Tokens::new(b"your-256-bit-secret");
        assert_eq!(tokens.verify(token), Err(TokenError::Malformed));
        let other = Tokens::new(b"another-256-bit-secret");
        assert_eq!(other.verify(token), Err(TokenError::BadSignature));
    }

    #[test]
    fn tampered_foreign_and_expired_tokens_are_refused() {
        let tokens = Tokens::new(b"0123456789abcdef0123456789abcdef");
        let token = tokens.mint("ops", Role::Viewer, Duration::hours(1));
        let other = Tokens::new(b"another secret of thirty-two chars!");
        assert_eq!(other.verify(&token), Err(TokenError::BadSignature));

        let (signed, _) = token.rsplit_once('.').unwrap();
        let (header, _) = signed.split_once('.').unwrap();
        let admin =
            URL_SAFE_NO_PAD.encode(r#"{"sub":"ops","role":"admin","iat":0,"exp":9999999999}"#);
        let forged = format!("{header}.{admin}.{}", token.rsplit('.').next().unwrap());
        assert_eq!(tokens.verify(&forged), Err(TokenError::BadSignature));

        let expired = tokens.mint("ops", Role::Viewer, Duration::seconds(-1));
        assert_eq!(tokens.verify(&expired), Err(TokenError::Expired));
        assert_eq!(tokens.verify("not.a.jwt"), Err(TokenError::Malformed));
        let none = format!("{}.{admin}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#));
        assert_eq!(tokens.verify(&none), Err(TokenError::Malformed));
    }
}
