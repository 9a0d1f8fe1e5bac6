//! Secret keys trustdesk makes once and keeps in its data directory (never in the database,
//! the audit trail or the log): the alert links' signing key, the CSRF key.

use std::marker::PhantomData;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Which key a [`DataKey`] is: its file in the data directory, and its name in Debug output.
pub trait KeyKind {
    const FILE: &'static str;
    const NAME: &'static str;
}

/// A secret key made once and kept in the data directory (so that what it signed before a
/// restart still verifies after it); its Debug never shows it.
pub struct DataKey<K>([u8; 32], PhantomData<K>);

impl<K> Clone for DataKey<K> {
    fn clone(&self) -> Self {
        Self(self.0, PhantomData)
    }
}

impl<K: KeyKind> std::fmt::Debug for DataKey<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}([redacted])", K::NAME)
    }
}

impl<K: KeyKind> DataKey<K> {
    /// The key in `data_dir`, made (readable by this user only) the first time.
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<Self> {
        load_or_create(data_dir, K::FILE).map(|key| Self(key, PhantomData))
    }

    pub fn random() -> Self {
        Self(random(), PhantomData)
    }

    #[cfg(test)]
    pub fn fixed(byte: u8) -> Self {
        Self([byte; 32], PhantomData)
    }

    /// An HMAC-SHA256 under the key.
    pub fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length")
    }
}

/// The 32-byte key in `data_dir/name`, made (readable by this user only) the first time.
pub fn load_or_create(data_dir: &Path, name: &str) -> std::io::Result<[u8; 32]> {
    let path = data_dir.join(name);
    if let Ok(bytes) = std::fs::read(&path) {
        if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
            return Ok(key);
        }
    }
    let key = random();
    std::fs::create_dir_all(data_dir)?;
    // Written aside and renamed, so a crash never leaves half a key to be read next time.
    let temporary = data_dir.join(format!("{name}.tmp"));
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary)?;
        file.write_all(&key)?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, &path)?;
    Ok(key)
}

pub fn random() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    key
}

#[cfg(test)]
mod tests {
    #[test]
    fn made_once_then_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let first = super::load_or_create(dir.path(), "test.key").unwrap();
        assert_eq!(
            super::load_or_create(dir.path(), "test.key").unwrap(),
            first
        );
        assert_ne!(
            super::load_or_create(dir.path(), "other.key").unwrap(),
            first
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("test.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
