/**
 * Every errcode wxmedia sends, declared once as data. The server renders these; the SDK recognises them.
 * `errmsg` is WeChat's own text (misspellings included: clients match on it). `when` is the documentation
 * shown in docs/errcodes.md — a test keeps that table and this catalog in step.
 *
 * Sources: the uploadTempMedia and getTempMedia pages (40004, 40007), the token pages and WeChat's global return
 * codes (https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html) for the rest;
 * every page is listed in docs/wechat-api.md.
 */
export interface ErrcodeInfo {
  readonly errcode: number;
  readonly errmsg: string;
  readonly when: string;
}

export const ERRCODES = {
  SYSTEM_ERROR: {
    errcode: -1,
    errmsg: 'system error',
    when: 'The storage back end failed (a full disk answers -1 until space is freed, without a restart), or an unexpected internal error (logged with the rid). Also the errcode of most HTTP-level answers below.',
  },
  OK: { errcode: 0, errmsg: 'ok', when: 'Success.' },
  INVALID_CREDENTIAL: {
    errcode: 40001,
    errmsg: 'invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r',
    when: 'The access_token is well formed but unknown, forged, of a removed app, or replaced (its 5-minute overlap is over, or a stable_token force_refresh revoked it).',
  },
  INVALID_GRANT_TYPE: { errcode: 40002, errmsg: 'invalid grant_type', when: '`grant_type` is not `client_credential`.' },
  INVALID_MEDIA_TYPE: { errcode: 40004, errmsg: 'invalid media type', when: '`type` is missing, unknown, or not allowed for this kind of app (mini programs: image only).' },
  INVALID_FILE_TYPE: { errcode: 40005, errmsg: 'invalid file type', when: 'The filename has no extension or one not allowed for `type`, or the bytes are not that kind of file (magic bytes).' },
  INVALID_MEDIA_SIZE: { errcode: 40006, errmsg: 'invalid meida size', when: 'The file is larger than the limit for its `type` (image: 10 MB by default). Detected while streaming.' },
  INVALID_MEDIA_ID: { errcode: 40007, errmsg: 'invalid media_id', when: '`media_id` is missing, malformed, forged, expired (259 200 s after `created_at`), swept, or belongs to another app.' },
  INVALID_APPID: { errcode: 40013, errmsg: 'invalid appid', when: '`appid` is not an app this server knows (checked before the secret).' },
  INVALID_ACCESS_TOKEN: { errcode: 40014, errmsg: 'invalid access_token', when: 'The access_token is not in wxmedia\'s token format (wrong characters, length or version).' },
  INVALID_URL: { errcode: 40066, errmsg: 'invalid url', when: 'The path is not an API this server implements.' },
  INVALID_APPSECRET: { errcode: 40125, errmsg: 'invalid appsecret', when: '`secret` does not match the app\'s secret (compared in constant time).' },
  ACCESS_TOKEN_MISSING: { errcode: 41001, errmsg: 'access_token missing', when: 'No `access_token` query parameter (a token in a header or the body is ignored).' },
  APPID_MISSING: { errcode: 41002, errmsg: 'appid missing', when: '`appid` is missing or empty.' },
  APPSECRET_MISSING: { errcode: 41004, errmsg: 'appsecret missing', when: '`secret` is missing or empty.' },
  MEDIA_DATA_MISSING: {
    errcode: 41005,
    errmsg: 'media data missing',
    when: 'The body is not well-formed multipart/form-data (no boundary, truncated, oversized part headers, too many parts), has no file part named `media`, has two, or names the file only as RFC 2231 `filename*=`.',
  },
  ACCESS_TOKEN_EXPIRED: { errcode: 42001, errmsg: 'access_token expired', when: 'The access_token is older than its `expires_in` (7 200 s).' },
  REQUIRE_GET: { errcode: 43001, errmsg: 'require GET method', when: 'A method other than GET (or HEAD, for media/get) on a GET endpoint.' },
  REQUIRE_POST: { errcode: 43002, errmsg: 'require POST method', when: 'A method other than POST on a POST endpoint, or a stable_token body that is not a JSON object.' },
  EMPTY_MEDIA_DATA: { errcode: 44001, errmsg: 'empty media data', when: 'The `media` file part is zero bytes long.' },
  EMPTY_POST_DATA: { errcode: 44002, errmsg: 'empty post data', when: 'A POST endpoint that takes JSON got an empty body.' },
  DAILY_QUOTA: { errcode: 45009, errmsg: 'reach max api daily quota limit', when: 'The app has spent its daily quota for this API (upload 100 000, get 200 000, token 2 000, stable_token 10 000 by default), or 20 stable_token force_refresh calls today.' },
  MINUTE_QUOTA: {
    errcode: 45011,
    errmsg: 'api minute-quota reach limit  mustslower  retry next minute',
    when: 'stable_token force_refresh called again within 30 s; or, for the rest of the minute and whatever the secret, token, stable_token and cloud calls of an app from a client address that sent more wrong secrets or signatures for it this minute than `--credential-failures-per-minute` (default 10).',
  },
  DATA_FORMAT_ERROR: { errcode: 47001, errmsg: 'data format error', when: 'A JSON body that does not parse, is not an object, or lacks a required field.' },
  API_UNAUTHORIZED: { errcode: 48001, errmsg: 'api unauthorized', when: 'The token\'s app may not call this API (e.g. clear_quota for another appid).' },
  CLEAR_QUOTA_LIMIT: { errcode: 48006, errmsg: 'forbid to clear quota because of reaching the limit', when: 'clear_quota called more than 10 times this month for the app.' },
  CGI_PATH_NOT_FOUND: { errcode: 76021, errmsg: 'cgi_path not found, please check', when: 'quota/get named a `cgi_path` that has no quota here.' },
} as const satisfies Record<string, ErrcodeInfo>;

export type ErrcodeName = keyof typeof ERRCODES;

/** errcode → catalog entry, for a number off the wire or from a user (fault injection, the dashboard). */
export const ERRCODE_BY_NUMBER: ReadonlyMap<number, ErrcodeInfo> = new Map(
  Object.values(ERRCODES).map((info) => [info.errcode, info] as const),
);
