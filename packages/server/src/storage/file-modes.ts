/**
 * Who may read what the server keeps on disk: its owner only. The state database holds app secrets and the signing
 * key, `admin.key` the admin API's key, media files users' uploads. Directories are made 0700 and files 0600
 * whatever the umask (PostgreSQL insists on the same for its data directory); docs/security.md says why.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Permission bits that give anyone but the owner some access. */
export const GROUP_OTHER_BITS = 0o077;
