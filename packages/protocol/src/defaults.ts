/**
 * Where a wxmedia server is found when nothing says otherwise: one place for the server, the `wxmedia` command and
 * its help texts. (Here rather than in the server package so that the command's client side, which never loads the
 * server, reads the same facts.)
 */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8720;
/** `http://127.0.0.1:8720`: where the client commands and `run-function` look for a `wxmedia serve`. */
export const DEFAULT_BASE_URL = `http://${DEFAULT_HOST}:${DEFAULT_PORT}`;

/** The data directory of `wxmedia serve`, relative to where it runs. */
export const DEFAULT_DATA_DIR = '.wxmedia';

/** The admin API's bearer key, in the data directory (mode 0600), so the command on the same machine finds it. */
export const ADMIN_KEY_FILE = 'admin.key';

/**
 * The development app's credentials (`{"appid", "secret"}`, mode 0600), written by `wxmedia serve` when it made one,
 * so that scripts and the client commands on the same machine find them.
 */
export const DEV_APP_FILE = 'dev-app.json';
