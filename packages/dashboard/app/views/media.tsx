import { useEffect, useState } from 'preact/hooks';
import type { MediaEntry, MediaKind } from '../../../protocol/src/admin-wire.ts';
import { ADMIN_PATHS, adminPath, type AdminApi } from '../api.ts';
import { bytes, countdown, time } from '../format.ts';
import { useLoad, useNow } from '../hooks.ts';

const KINDS: readonly MediaKind[] = ['image', 'voice', 'video'];

/** Stored media as a grid: thumbnails, app, kind, size, created, a live countdown to expiry; open, expire, delete. */
export function MediaView({ api }: { api: AdminApi }) {
  const [appid, setAppid] = useState('');
  const [kind, setKind] = useState('');
  const [open, setOpen] = useState<MediaEntry | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const apps = useLoad(() => api.get<{ apps: { appid: string }[] }>(ADMIN_PATHS.apps), [api]);
  const q = new URLSearchParams({ limit: '200', ...(appid ? { appid } : {}), ...(kind ? { kind } : {}) });
  const { data, error, reload } = useLoad(() => api.get<{ media: MediaEntry[] }>(`${ADMIN_PATHS.media}?${q}`), [api, appid, kind], 10_000);
  const now = useNow();

  const act = async (what: string, run: () => Promise<unknown>) => {
    try {
      await run();
      setMessage(what);
      setOpen(undefined);
      reload();
    } catch (e) {
      setMessage(`Failed: ${(e as Error).message}`);
    }
  };

  return (
    <section aria-labelledby="media-title">
      <h2 id="media-title">Media</h2>
      <div class="toolbar" role="search">
        <label>
          App{' '}
          <select value={appid} onChange={(e) => setAppid((e.target as HTMLSelectElement).value)}>
            <option value="">all</option>
            {apps.data?.apps.map((a) => <option key={a.appid} value={a.appid}>{a.appid}</option>)}
          </select>
        </label>
        <label>
          Type{' '}
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="">all</option>
            {KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
        </label>
        <button type="button" onClick={reload}>Refresh</button>
        {message && <span role="status" class="muted">{message}</span>}
      </div>
      {error && <p class="error">{error}</p>}
      {data && data.media.length === 0 && <p class="muted">No media stored{appid || kind ? ' for this filter' : ''}.</p>}
      <ul class="grid" aria-label="Stored media">
        {data?.media.map((m) => (
          <li key={m.mediaId} class="tile">
            <button type="button" class="tile-open" onClick={() => setOpen(m)} aria-label={`Open ${m.filename} (${m.mediaId})`}>
              <Thumb api={api} media={m} />
            </button>
            <div class="tile-body">
              <div class="mono ellipsis" title={m.mediaId}>{m.mediaId}</div>
              <div class="muted">{m.appid} · {m.kind} · {bytes(m.size)}</div>
              <div class="muted">created {time(m.createdAt * 1000)}</div>
              <div class={m.expiresAt * 1000 <= now ? 'error' : ''}>expires in <span class="countdown">{countdown(m.expiresAt - now / 1000)}</span></div>
            </div>
          </li>
        ))}
      </ul>
      {open && (
        <MediaDialog
          api={api}
          media={open}
          onClose={() => setOpen(undefined)}
          onExpire={() => act(`Expired ${open.mediaId}`, () => api.post(adminPath(ADMIN_PATHS.mediaExpire, { id: open.mediaId })))}
          onDelete={() => act(`Deleted ${open.mediaId}`, () => api.delete(adminPath(ADMIN_PATHS.mediaItem, { id: open.mediaId })))}
        />
      )}
    </section>
  );
}

/** An image's own pixels (fetched with the key, shown from a blob: URL), or an icon for voice and video. */
function Thumb({ api, media }: { api: AdminApi; media: MediaEntry }) {
  const [src, setSrc] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (media.kind !== 'image') return;
    let url: string | undefined;
    let live = true;
    api.media(media.mediaId).then(
      ({ blob }) => {
        if (!live) return;
        url = URL.createObjectURL(blob);
        setSrc(url);
      },
      () => undefined,
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [api, media.mediaId, media.kind]);
  if (media.kind !== 'image') return <div class={`thumb icon icon-${media.kind}`} aria-hidden="true">{media.kind === 'voice' ? '♪' : '▶'}</div>;
  return src ? <img class="thumb" src={src} alt={media.filename} /> : <div class="thumb" aria-hidden="true" />;
}

function MediaDialog(props: { api: AdminApi; media: MediaEntry; onClose: () => void; onExpire: () => void; onDelete: () => void }) {
  const { api, media } = props;
  const [file, setFile] = useState<{ url: string; headers: [string, string][] } | undefined>(undefined);
  useEffect(() => {
    let url: string | undefined;
    api.media(media.mediaId).then(({ blob, headers }) => {
      url = URL.createObjectURL(blob);
      setFile({ url, headers });
    }, () => undefined);
    return () => url && URL.revokeObjectURL(url);
  }, [api, media.mediaId]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && props.onClose();
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [props.onClose]);
  // The name /cgi-bin/media/get gives the file: `<media_id>.<ext>` from its Content-disposition.
  const disposition = file?.headers.find(([k]) => k === 'content-disposition')?.[1] ?? '';
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? media.mediaId;
  return (
    <div class="backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="media-dialog-title">
        <h3 id="media-dialog-title" class="mono ellipsis">{media.filename}</h3>
        {media.kind === 'image' && file && <img class="preview" src={file.url} alt={media.filename} />}
        {media.kind === 'video' && file && <video class="preview" src={file.url} controls />}
        {media.kind === 'voice' && file && <audio src={file.url} controls />}
        <dl class="facts">
          <dt>media_id</dt><dd class="mono">{media.mediaId}</dd>
          <dt>App</dt><dd class="mono">{media.appid}</dd>
          <dt>Created</dt><dd>{time(media.createdAt * 1000)}</dd>
          <dt>Expires</dt><dd>{time(media.expiresAt * 1000)}</dd>
        </dl>
        <h4>Headers of /cgi-bin/media/get</h4>
        <table class="headers">
          <tbody>
            {file?.headers
              .filter(([k]) => ['content-type', 'content-disposition', 'content-length', 'cache-control'].includes(k))
              .map(([k, v]) => <tr key={k}><th class="mono">{k}</th><td class="mono">{v}</td></tr>)}
          </tbody>
        </table>
        <div class="actions">
          {file && <a class="button" href={file.url} download={filename}>Download</a>}
          <button type="button" onClick={props.onExpire}>Expire now</button>
          <button type="button" class="danger" onClick={props.onDelete}>Delete</button>
          <button type="button" onClick={props.onClose} autoFocus>Close</button>
        </div>
      </div>
    </div>
  );
}
