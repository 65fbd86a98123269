import { useState } from 'preact/hooks';
import type { AppDetail, LaneState } from '../../../protocol/src/admin-wire.ts';
import { ADMIN_PATHS, adminPath, type AdminApi } from '../api.ts';
import { countdown, time } from '../format.ts';
import { useLoad, useNow } from '../hooks.ts';

/** Apps: add, remove, rotate the secret (shown once); per app its token lanes (force refresh) and quotas (clear). */
export function AppsView({ api }: { api: AdminApi }) {
  const list = useLoad(() => api.get<{ apps: { appid: string }[] }>(ADMIN_PATHS.apps), [api]);
  const [secret, setSecret] = useState<{ appid: string; secret: string } | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [appid, setAppid] = useState('');
  const [kind, setKind] = useState('miniprogram');

  const add = async (e: Event) => {
    e.preventDefault();
    try {
      const made = await api.post<{ appid: string; secret: string }>(ADMIN_PATHS.apps, { kind, ...(appid ? { appid } : {}) });
      setSecret(made);
      setAppid('');
      list.reload();
    } catch (err) {
      setMessage(`Failed: ${(err as Error).message}`);
    }
  };

  return (
    <section aria-labelledby="apps-title">
      <h2 id="apps-title">Apps</h2>
      <form class="toolbar" onSubmit={add}>
        <label>
          appid <input value={appid} placeholder="generated" onInput={(e) => setAppid((e.target as HTMLInputElement).value)} pattern="[A-Za-z0-9_\-]{1,64}" />
        </label>
        <label>
          kind{' '}
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="miniprogram">mini program</option>
            <option value="official">official account</option>
          </select>
        </label>
        <button type="submit">Add app</button>
        {message && <span role="status" class="error">{message}</span>}
      </form>
      {secret && (
        <div class="notice" role="alert">
          Secret of <span class="mono">{secret.appid}</span>, shown once: <code class="secret">{secret.secret}</code>{' '}
          <button type="button" onClick={() => setSecret(undefined)}>Done</button>
        </div>
      )}
      {list.error && <p class="error">{list.error}</p>}
      {list.data?.apps.map((a) => (
        <AppPanel key={a.appid} api={api} appid={a.appid} onSecret={setSecret} onRemoved={list.reload} />
      ))}
    </section>
  );
}

function AppPanel(props: { api: AdminApi; appid: string; onSecret: (s: { appid: string; secret: string }) => void; onRemoved: () => void }) {
  const { api, appid } = props;
  const { data, error, reload } = useLoad(() => api.get<{ app: AppDetail }>(adminPath(ADMIN_PATHS.app, { appid })), [api, appid], 10_000);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const run = async (what: string, call: () => Promise<unknown>) => {
    try {
      await call();
      setMessage(what);
      reload();
    } catch (e) {
      setMessage(`Failed: ${(e as Error).message}`);
    }
  };
  const app = data?.app;
  return (
    <article class="panel" aria-labelledby={`app-${appid}`}>
      <header class="panel-head">
        <h3 id={`app-${appid}`} class="mono">{appid}</h3>
        {app && <span class="badge">{app.kind === 'official' ? 'official account' : 'mini program'}</span>}
        <span class="spacer" />
        <button type="button" onClick={() => run('Tokens revoked', () => api.post(adminPath(ADMIN_PATHS.appTokensRefresh, { appid })))}>Force refresh tokens</button>
        <button
          type="button"
          onClick={() =>
            run('Secret rotated', async () => props.onSecret(await api.post<{ appid: string; secret: string }>(adminPath(ADMIN_PATHS.appSecret, { appid }))))
          }
        >
          Rotate secret
        </button>
        <button
          type="button"
          class="danger"
          onClick={() => confirm(`Remove app ${appid}? Its tokens stop working at once.`) && run('Removed', () => api.delete(adminPath(ADMIN_PATHS.app, { appid })).then(props.onRemoved))}
        >
          Remove
        </button>
      </header>
      {message && <p role="status" class="muted">{message}</p>}
      {error && <p class="error">{error}</p>}
      {app && (
        <div class="split">
          <div>
            <h4>Access tokens</h4>
            <Lane name="/cgi-bin/token" lane={app.tokens.token} />
            <Lane name="/cgi-bin/stable_token" lane={app.tokens.stable} />
          </div>
          <div>
            <h4>
              Quotas today{' '}
              <button type="button" class="small" onClick={() => run('Quota cleared', () => api.post(adminPath(ADMIN_PATHS.appQuotaClear, { appid })))}>
                Clear quota
              </button>
            </h4>
            {Object.entries(app.quotas).map(([path, q]) => (
              <div key={path} class="quota">
                <div class="quota-label"><span class="mono">{path}</span> <span class="muted">{q.used} / {q.daily_limit}</span></div>
                <progress max={q.daily_limit} value={q.used} aria-label={`${path}: ${q.used} of ${q.daily_limit} used`} />
              </div>
            ))}
          </div>
        </div>
      )}
    </article>
  );
}

function Lane({ name, lane }: { name: string; lane: LaneState }) {
  const now = useNow() / 1000;
  if (!lane.issuedAt || !lane.expiresAt) return <p><span class="mono">{name}</span>: <span class="muted">no token yet</span></p>;
  const overlap = lane.previousValidUntil !== undefined && lane.previousValidUntil > now;
  return (
    <p>
      <span class="mono">{name}</span>: generation {lane.generation}, issued {time(lane.issuedAt * 1000)}, expires in{' '}
      <span class="countdown">{countdown(lane.expiresAt - now)}</span>
      {overlap ? <span class="muted"> · previous token valid {countdown(lane.previousValidUntil! - now)} more</span> : null}
    </p>
  );
}
