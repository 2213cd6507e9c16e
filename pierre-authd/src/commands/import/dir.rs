//! Reading a Garmin token directory safely, and deleting its plaintext.
//!
//! Which files make a sign-in is [`super::layout`]'s business; this file
//! decides only whether they may be read, and reads them.
//!
//! The directory is the incident's shape: bearer tokens in plaintext files.
//! Pierre reads it only when it is plainly the caller's own and private:
//! not a symbolic link, owned by this uid, no group/other permission bits,
//! and each file opened with `O_NOFOLLOW` then checked on the open
//! descriptor (owner, mode, regular file), so what is checked is what is
//! read. Errors never carry file content: serde's complaint is reduced to
//! a missing member's name or a line and column.

use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::layout::{self, GARMINCONNECT_FILE, OAUTH1_FILE, OAUTH2_FILE, Tokens};
use crate::oauth::client::refresh::garmin_sign_in_steps;
use crate::socket::methods::import::TokenProblem;

/// Token files are a few hundred bytes; anything this big is something else.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// Why a token directory is refused: one sentence each, with the fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DirError {
    #[error("{0} does not exist; {steps}, or pass the directory your Python Garmin client wrote", steps = garmin_sign_in_steps())]
    Missing(Shown),
    #[error(
        "{0} is a symbolic link; pass the directory it points to, so Pierre reads (and may delete) exactly what you named"
    )]
    DirSymlink(Shown),
    #[error(
        "{0} is not a directory; pass the token directory that holds {GARMINCONNECT_FILE} (python-garminconnect), {OAUTH2_FILE} (garth-ng) or {OAUTH1_FILE} and {OAUTH2_FILE} (garth)"
    )]
    NotDirectory(Shown),
    #[error("{0} holds no Garmin sign-in (no {GARMINCONNECT_FILE}, {OAUTH2_FILE} or {OAUTH1_FILE}); {steps}, then import the directory it writes", steps = garmin_sign_in_steps())]
    NoTokens(Shown),
    #[error(
        "{path} belongs to uid {owner}, not to you (uid {me}); import only your own Garmin sign-in, as the account that owns it"
    )]
    NotOwned { path: Shown, owner: u32, me: u32 },
    #[error(
        "{path} is open to other users (mode {mode:04o}); run `chmod 700 {path}` and import again (if others could read it, sign in to Garmin again first)"
    )]
    DirOpen { path: Shown, mode: u32 },
    #[error(
        "{path} is open to other users (mode {mode:04o}); run `chmod 600 {path}` and import again (if others could read it, sign in to Garmin again first)"
    )]
    FileOpen { path: Shown, mode: u32 },
    #[error(
        "{path} is missing; {dir} is not a complete garth token directory (it needs {OAUTH1_FILE} and {OAUTH2_FILE}), nor a garth-ng one (its {OAUTH2_FILE} names a client_id)"
    )]
    FileMissing { path: Shown, dir: Shown },
    #[error("{0} is a symbolic link; Pierre reads only regular files in the token directory, copy the real file there")]
    FileSymlink(Shown),
    #[error("{0} is not a regular file; the token directory must hold the files the Python Garmin client writes")]
    FileNotRegular(Shown),
    #[error("{0} is larger than 64 KiB, so it is not a Garmin token file")]
    TooLarge(Shown),
    #[error("{path} is not a Garmin token file ({detail}); sign in again with your Python Garmin client to rewrite it")]
    Malformed { path: Shown, detail: String },
    #[error("cannot read {path}")]
    Read {
        path: Shown,
        #[source]
        source: std::io::Error,
    },
    #[error("{dir}: {problem}; {steps}, then import the directory it writes", steps = garmin_sign_in_steps())]
    Problem { dir: Shown, problem: TokenProblem },
}

/// A path as a message shows it (the shell-quoted form, so a fix command
/// can be pasted as is).
#[derive(Debug, Clone)]
pub struct Shown(pub String);

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub(super) fn shown(path: &Path) -> Shown {
    Shown(shell_quote(path))
}

/// `path` as one shell word: bare when only safe characters, else in
/// single quotes.
pub fn shell_quote(path: &Path) -> String {
    let text = path.to_string_lossy();
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@%~".contains(c);
    if !text.is_empty() && text.chars().all(safe) && !text.starts_with('~') {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Owner and permission bits, the same for the directory and its files.
fn check_private(path: &Path, meta: &Metadata, is_dir: bool) -> Result<(), DirError> {
    let me = effective_uid();
    if meta.uid() != me {
        return Err(DirError::NotOwned { path: shown(path), owner: meta.uid(), me });
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(if is_dir {
            DirError::DirOpen { path: shown(path), mode }
        } else {
            DirError::FileOpen { path: shown(path), mode }
        });
    }
    Ok(())
}

/// Reads and checks `dir` (see the module doc): the private directory,
/// then the sign-in [`layout::read`] finds in it, checked against the
/// import rule at `now`.
///
/// # Errors
/// The first [`DirError`] found; nothing is sent anywhere before that.
pub fn read(dir: &Path, now: i64) -> Result<Tokens, DirError> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(DirError::Missing(shown(dir))),
        Err(source) => return Err(DirError::Read { path: shown(dir), source }),
    };
    if meta.file_type().is_symlink() {
        return Err(DirError::DirSymlink(shown(dir)));
    }
    if !meta.is_dir() {
        return Err(DirError::NotDirectory(shown(dir)));
    }
    check_private(dir, &meta, true)?;
    layout::read(dir, now)
}

/// Whether `name` is in `dir` (as anything: a link or a directory there is
/// refused when it is read, not skipped).
pub(super) fn present(dir: &Path, name: &str) -> bool {
    std::fs::symlink_metadata(dir.join(name)).is_ok()
}

/// One file of `dir`, opened without following links, checked on the open
/// descriptor, read (bounded) and parsed.
pub(super) fn parse<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<T, DirError> {
    let path = dir.join(name);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(DirError::FileMissing { path: shown(&path), dir: shown(dir) });
        }
        Err(source) => return Err(DirError::Read { path: shown(&path), source }),
        Ok(meta) if meta.file_type().is_symlink() => return Err(DirError::FileSymlink(shown(&path))),
        Ok(_) => {}
    }
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(&path)
        .map_err(|source| match source.raw_os_error() {
            Some(libc::ELOOP) => DirError::FileSymlink(shown(&path)),
            _ => DirError::Read { path: shown(&path), source },
        })?;
    let meta = file.metadata().map_err(|source| DirError::Read { path: shown(&path), source })?;
    if !meta.is_file() {
        return Err(DirError::FileNotRegular(shown(&path)));
    }
    check_private(&path, &meta, false)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(DirError::TooLarge(shown(&path)));
    }
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| DirError::Read { path: shown(&path), source })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(DirError::TooLarge(shown(&path)));
    }
    serde_json::from_slice(&bytes).map_err(|e| DirError::Malformed { path: shown(&path), detail: describe(&e) })
}

/// serde's complaint without any value from the file (it quotes strings
/// it did not expect, and those may be tokens).
fn describe(e: &serde_json::Error) -> String {
    let at = format!("line {}, column {}", e.line(), e.column());
    match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => format!("not valid JSON at {at}"),
        serde_json::error::Category::Io => "it could not be read".into(),
        serde_json::error::Category::Data => {
            let text = e.to_string();
            match text.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
                Some(field) => format!("no `{field}` member"),
                None if text.starts_with("invalid type: map") || text.starts_with("invalid type: sequence") => {
                    format!("a member has the wrong type at {at}")
                }
                None => format!("a member has the wrong type or value at {at}"),
            }
        }
    }
}

/// What [`delete_plaintext`] removed.
#[derive(Debug, Default)]
pub struct Deleted {
    pub files: Vec<PathBuf>,
    /// The directory itself, when nothing else was left in it.
    pub dir: bool,
}

/// Unlinks exactly the token files that were imported (`files`; no
/// overwrite: on modern file systems and SSDs an overwrite does not reach
/// the old blocks anyway), then the directory if that left it empty.
///
/// # Errors
/// The first unlink that fails for another reason than "already gone".
pub fn delete_plaintext(dir: &Path, files: &[&str]) -> Result<Deleted, (PathBuf, std::io::Error)> {
    let mut deleted = Deleted::default();
    for name in files {
        let path = dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => deleted.files.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err((path, e)),
        }
    }
    // Fails (and keeps the directory) when anything else is in it.
    deleted.dir = std::fs::remove_dir(dir).is_ok();
    Ok(deleted)
}

/// The shell command that does what [`delete_plaintext`] does, for a
/// caller who was not asked (no terminal, no `--delete-plaintext`).
pub fn delete_command(dir: &Path, files: &[&str]) -> String {
    let shown: Vec<String> = files.iter().map(|f| shell_quote(&dir.join(f))).collect();
    let only_tokens = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().all(|e| files.iter().any(|f| e.file_name() == *f)))
        .unwrap_or(false);
    let mut command = format!("rm -- {}", shown.join(" "));
    if only_tokens {
        command.push_str(&format!(" && rmdir -- {}", shell_quote(dir)));
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const NOW: i64 = 1_800_000_000;

    fn write(dir: &Path, name: &str, text: &str, mode: u32) {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// A private directory as garth writes it, then chmod'ed.
    fn token_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        write(
            dir.path(),
            OAUTH1_FILE,
            r#"{"oauth_token": "o1-secret-token", "oauth_token_secret": "o1-secret-secret", "mfa_token": null, "mfa_expiration_timestamp": null, "domain": "garmin.com"}"#,
            0o600,
        );
        let oauth2 = format!(
            r#"{{"scope": "CONNECT_READ", "jti": "j", "token_type": "Bearer", "access_token": "o2-secret-access", "refresh_token": "o2-secret-refresh", "expires_in": 3599, "expires_at": {}, "refresh_token_expires_in": 7199, "refresh_token_expires_at": {}}}"#,
            NOW + 3599,
            NOW + 7199
        );
        write(dir.path(), OAUTH2_FILE, &oauth2, 0o600);
        dir
    }

    fn refused(dir: &Path) -> String {
        read(dir, NOW).unwrap_err().to_string()
    }

    #[test]
    fn a_private_garth_directory_reads() {
        let dir = token_dir();
        let Tokens::Garth { oauth1, oauth2 } = read(dir.path(), NOW).unwrap() else { panic!("not the garth pair") };
        assert_eq!(oauth2.access_token.expose_text(), "o2-secret-access");
        assert_eq!(oauth2.expires_at, NOW + 3599);
        assert_eq!(oauth1.domain.as_deref(), Some("garmin.com"));
    }

    #[test]
    fn missing_and_non_directories_are_refused() {
        let dir = token_dir();
        assert!(refused(&dir.path().join("nope")).contains("does not exist"));
        assert!(refused(&dir.path().join(OAUTH1_FILE)).contains("is not a directory"));
        std::fs::remove_file(dir.path().join(OAUTH2_FILE)).unwrap();
        let msg = refused(dir.path());
        assert!(msg.contains("oauth2_token.json is missing"), "{msg}");
    }

    #[test]
    fn open_modes_are_refused_with_the_chmod_that_fixes_them() {
        let dir = token_dir();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let msg = refused(dir.path());
        assert!(msg.contains(&format!("run `chmod 700 {}`", dir.path().display())), "{msg}");
        assert!(msg.contains("mode 0755"), "{msg}");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let file = dir.path().join(OAUTH2_FILE);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let msg = refused(dir.path());
        assert!(msg.contains(&format!("run `chmod 600 {}`", file.display())), "{msg}");
    }

    #[test]
    fn symlinks_are_refused_for_the_directory_and_the_files() {
        let dir = token_dir();
        let outside = tempfile::tempdir().unwrap();
        let link = outside.path().join("link");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        assert!(refused(&link).contains("is a symbolic link"));
        let real = outside.path().join("real.json");
        std::fs::rename(dir.path().join(OAUTH1_FILE), &real).unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join(OAUTH1_FILE)).unwrap();
        let msg = refused(dir.path());
        assert!(msg.contains("oauth1_token.json is a symbolic link"), "{msg}");
    }

    #[test]
    fn malformed_files_are_named_without_their_content() {
        let dir = token_dir();
        write(dir.path(), OAUTH2_FILE, r#"{"access_token": "o2-secret-access", "#, 0o600);
        let msg = refused(dir.path());
        assert!(msg.contains("oauth2_token.json is not a Garmin token file (not valid JSON at line 1"), "{msg}");
        write(dir.path(), OAUTH2_FILE, r#"{"access_token": "o2-secret-access"}"#, 0o600);
        assert!(refused(dir.path()).contains("(no `expires_at` member)"));
        // A token where a number belongs: serde would quote it; the message must not.
        write(dir.path(), OAUTH2_FILE, r#"{"access_token": "a", "expires_at": "o2-secret-access"}"#, 0o600);
        let msg = refused(dir.path());
        assert!(msg.contains("wrong type or value at line 1"), "{msg}");
        assert!(!msg.contains("o2-secret"), "{msg}");
        write(dir.path(), OAUTH1_FILE, "[]", 0o600);
        assert!(refused(dir.path()).contains("oauth1_token.json is not a Garmin token file"));
    }

    #[test]
    fn expired_sign_ins_are_refused_with_the_date() {
        let dir = token_dir();
        let oauth2 = format!(
            r#"{{"token_type": "Bearer", "access_token": "a", "expires_at": {}, "refresh_token_expires_at": {}}}"#,
            NOW + 3599,
            NOW - 1
        );
        write(dir.path(), OAUTH2_FILE, &oauth2, 0o600);
        let msg = refused(dir.path());
        // NOW - 1 = 2027-01-15 07:59:59 UTC.
        assert!(msg.contains("the sign-in expired on 2027-01-15 07:59 UTC"), "{msg}");
        assert!(msg.contains("pip install --upgrade garminconnect curl_cffi"), "{msg}");
        assert!(msg.contains(".login('~/.garmin-sign-in')"), "{msg}");
    }

    #[test]
    fn deleting_removes_exactly_the_imported_files_and_an_empty_directory() {
        const PAIR: [&str; 2] = [OAUTH1_FILE, OAUTH2_FILE];
        let dir = token_dir();
        write(dir.path(), "notes.txt", "mine", 0o600);
        assert_eq!(
            delete_command(dir.path(), &PAIR),
            format!("rm -- {0}/oauth1_token.json {0}/oauth2_token.json", dir.path().display())
        );
        let deleted = delete_plaintext(dir.path(), &PAIR).unwrap();
        assert_eq!(deleted.files.len(), 2);
        assert!(!deleted.dir);
        assert!(dir.path().join("notes.txt").exists());
        let dir = token_dir();
        assert!(delete_command(dir.path(), &PAIR).ends_with(&format!("&& rmdir -- {}", dir.path().display())));
        let deleted = delete_plaintext(dir.path(), &PAIR).unwrap();
        assert!(deleted.dir);
        assert!(!dir.path().exists());
        // One file imported (python-garminconnect): the other stays, and so does the directory.
        let dir = token_dir();
        assert!(!delete_command(dir.path(), &[OAUTH2_FILE]).contains("rmdir"));
        let deleted = delete_plaintext(dir.path(), &[OAUTH2_FILE]).unwrap();
        assert_eq!((deleted.files.len(), deleted.dir), (1, false));
        assert!(dir.path().join(OAUTH1_FILE).exists());
    }

    #[test]
    fn paths_are_quoted_for_the_shell() {
        assert_eq!(shell_quote(Path::new("/home/a/.garminconnect")), "/home/a/.garminconnect");
        assert_eq!(shell_quote(Path::new("/tmp/my tokens")), "'/tmp/my tokens'");
        assert_eq!(shell_quote(Path::new("/tmp/it's")), r"'/tmp/it'\''s'");
    }
}
