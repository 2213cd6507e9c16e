//! Private files and directories: created with the right mode from the start
//! (never fixed up afterwards) and checked on every open.
//!
//! Files are created with `O_CREAT | O_EXCL | O_NOFOLLOW` and mode 0600, so no
//! other account can open them between creation and a later `chmod`, and a
//! planted symlink is never followed. A process umask can only narrow that.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::error::{FileKind, StoreError};

/// Mode bits a private file may have: owner read and write, nothing else.
const PRIVATE_FILE_BITS: u32 = 0o600;

/// Creates `path` as a new, empty 0600 file; fails if anything is there.
pub(crate) fn create_private_file(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).mode(PRIVATE_FILE_BITS).custom_flags(libc::O_NOFOLLOW).open(path)
}

/// Creates `dir` (one level, the parent must exist) with mode 0700.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new().mode(0o700).create(dir)?;
    // The umask may have narrowed it; it can never have widened it, so this
    // only ever removes nothing or restores owner bits.
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Flushes a directory's entries (after a create, link or rename in it).
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `bytes` to a new 0600 file at `path`, atomically and without ever
/// replacing an existing file: temp file (`O_EXCL`), write, fsync, hard-link
/// to the final name (fails with `AlreadyExists` instead of clobbering, which
/// `rename` would do), remove the temp name, fsync the directory.
pub(crate) fn write_new_private_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().ok_or_else(|| io::Error::other("a file path needs a parent directory"))?;
    let tmp = temp_sibling(path)?;
    let result = (|| {
        let mut file = create_private_file(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::hard_link(&tmp, path)
    })();
    let cleanup = fs::remove_file(&tmp);
    result?;
    cleanup?;
    sync_dir(dir)
}

fn temp_sibling(path: &Path) -> io::Result<PathBuf> {
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(io::Error::other)?;
    let name = path.file_name().ok_or_else(|| io::Error::other("a file path needs a file name"))?;
    let mut tmp_name = name.to_os_string();
    tmp_name.push(format!(".tmp-{}", hex::encode(suffix)));
    Ok(path.with_file_name(tmp_name))
}

/// Checks an existing private file: a regular file (not a symlink), owned by
/// `uid`, no mode bits beyond 0600.
///
/// # Errors
/// [`StoreError::FileMode`], [`StoreError::FileOwner`] or
/// [`StoreError::NotRegularFile`] naming the command that fixes it; the
/// `io::Error` (e.g. `NotFound`) is passed back for the caller to word.
pub(crate) fn check_private_file(path: &Path, what: FileKind, uid: u32) -> Result<(), CheckError> {
    let meta = fs::symlink_metadata(path).map_err(CheckError::Io)?;
    check_metadata(path, what, uid, &meta).map_err(CheckError::Insecure)
}

/// The same check on an open file's metadata (no race with a swap).
pub(crate) fn check_metadata(path: &Path, what: FileKind, uid: u32, meta: &fs::Metadata) -> Result<(), StoreError> {
    let path = path.to_path_buf();
    if !meta.file_type().is_file() {
        return Err(StoreError::NotRegularFile { what, path });
    }
    if meta.uid() != uid {
        return Err(StoreError::FileOwner { what, path, owner: meta.uid(), uid });
    }
    let mode = meta.mode() & 0o7777;
    if mode & !PRIVATE_FILE_BITS != 0 {
        return Err(StoreError::FileMode { what, path, mode });
    }
    Ok(())
}

/// Outcome of [`check_private_file`].
#[derive(Debug)]
pub(crate) enum CheckError {
    /// The file could not be inspected (missing, permission denied).
    Io(io::Error),
    /// It exists but is not private.
    Insecure(StoreError),
}

/// Removes a file, treating "already gone" as done.
pub(crate) fn remove_file_if_present(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(StoreError::io("remove", path)(e)),
        _ => Ok(()),
    }
}

/// Removes a directory tree, treating "already gone" as done.
pub(crate) fn remove_dir_if_present(path: &Path) -> Result<(), StoreError> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(StoreError::io("remove", path)(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pierre_shared::platform::current_uid;

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn private_file_is_0600_and_never_clobbers() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f");
        write_new_private_file(&path, b"one").unwrap();
        assert_eq!(mode(&path), 0o600);
        let err = write_new_private_file(&path, b"two").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"one");
        // No temp file is left behind either way.
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn create_refuses_a_planted_symlink() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("target");
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(create_private_file(&link).is_err());
        assert!(!target.exists());
    }

    #[test]
    fn check_refuses_wide_modes_symlinks_and_other_owners() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f");
        create_private_file(&path).unwrap();
        let uid = current_uid();
        check_private_file(&path, FileKind::StateDb, uid).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let Err(CheckError::Insecure(err)) = check_private_file(&path, FileKind::StateDb, uid) else {
            panic!("0640 accepted")
        };
        assert!(err.to_string().contains(&format!("chmod 600 {}", path.display())), "{err}");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let Err(CheckError::Insecure(StoreError::FileOwner { .. })) =
            check_private_file(&path, FileKind::StateDb, uid.wrapping_add(1))
        else {
            panic!("another owner accepted")
        };
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        let Err(CheckError::Insecure(StoreError::NotRegularFile { .. })) =
            check_private_file(&link, FileKind::StateDb, uid)
        else {
            panic!("symlink accepted")
        };
    }

    #[test]
    fn private_dir_is_0700() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        create_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
    }
}
