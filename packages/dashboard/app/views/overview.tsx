import type { MinuteStats, Overview } from '../../../protocol/src/admin-wire.ts';
import { ADMIN_PATHS, type AdminApi } from '../api.ts';
import { bytes, errcodeText, time } from '../format.ts';
import { useLoad } from '../hooks.ts';

/** Apps, media stored, uploads and gets per minute, errors by errcode, the stores and the clock. */
export function OverviewView({ api }: { api: AdminApi }) {
  const { data, error } = useLoad(() => api.get<{ overview: Overview }>(ADMIN_PATHS.overview), [api], 5000);
  if (!data) return <p class={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</p>;
  const o = data.overview;
  const lastHour = o.perMinute.reduce((n, m) => ({ uploads: n.uploads + m.uploads, gets: n.gets + m.gets, errors: n.errors + m.errors }), { uploads: 0, gets: 0, errors: 0 });
  const errors = Object.entries(o.errorsByErrcode).sort((a, b) => b[1] - a[1]);
  return (
    <section aria-labelledby="overview-title">
      <h2 id="overview-title">Overview</h2>
      {error && <p class="error">{error}</p>}
      <div class="cards">
        <Card label="Apps" value={String(o.apps)} />
        <Card label="Media stored" value={String(o.media.count)} note={bytes(o.media.bytes)} />
        <Card label="Uploads, last hour" value={String(lastHour.uploads)} />
        <Card label="Gets, last hour" value={String(lastHour.gets)} />
        <Card label="Errors, last hour" value={String(lastHour.errors)} />
        <Card label="Faults in force" value={String(o.faults)} />
      </div>
      <h3>Calls per minute (this instance, last 60 minutes)</h3>
      <MinuteChart minutes={o.perMinute} />
      <div class="split">
        <div>
          <h3>Errors by errcode (last hour)</h3>
          {errors.length === 0 ? (
            <p class="muted">No errors.</p>
          ) : (
            <table>
              <thead>
                <tr><th>errcode</th><th>calls</th><th>meaning</th></tr>
              </thead>
              <tbody>
                {errors.map(([code, n]) => (
                  <tr key={code}><td class="mono">{code}</td><td>{n}</td><td>{errcodeText(Number(code))}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div>
          <h3>Server</h3>
          <dl class="facts">
            <dt>Media store</dt><dd class="mono">{o.storage.blobs}</dd>
            <dt>State store</dt><dd class="mono">{o.storage.state}</dd>
            <dt>Clock</dt><dd class="mono">{o.clock.iso}{o.clock.offsetSeconds !== 0 ? ` (${o.clock.offsetSeconds > 0 ? '+' : ''}${o.clock.offsetSeconds} s)` : ''}</dd>
            <dt>Time travel</dt><dd>{o.clock.timeTravel ? 'on' : 'off'}</dd>
            <dt>Instance started</dt><dd class="mono">{time(o.startedAt)}</dd>
          </dl>
        </div>
      </div>
    </section>
  );
}

function Card({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div class="card">
      <div class="card-value">{value}</div>
      <div class="card-label">{label}{note ? <span class="muted"> · {note}</span> : null}</div>
    </div>
  );
}

/** Stacked bars per minute: uploads, gets, other calls; errors as a red cap. */
function MinuteChart({ minutes }: { minutes: readonly MinuteStats[] }) {
  const max = Math.max(1, ...minutes.map((m) => m.calls));
  const w = 10;
  const h = 120;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${minutes.length * w} ${h}`} role="img" aria-label="Calls per minute over the last hour" preserveAspectRatio="none">
        {minutes.map((m, i) => {
          const scale = (n: number) => (n / max) * (h - 4);
          const up = scale(m.uploads);
          const get = scale(m.gets);
          const other = scale(m.calls - m.uploads - m.gets - m.errors);
          const err = scale(m.errors);
          let y = h;
          const bar = (height: number, cls: string) => {
            y -= height;
            return height > 0 ? <rect class={cls} x={i * w + 1} y={y} width={w - 2} height={height} /> : null;
          };
          return (
            <g key={m.minute}>
              <title>{`${time(m.minute)}: ${m.uploads} uploads, ${m.gets} gets, ${m.calls} calls, ${m.errors} errors`}</title>
              {bar(up, 'bar-upload')}
              {bar(get, 'bar-get')}
              {bar(Math.max(0, other), 'bar-other')}
              {bar(err, 'bar-error')}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="swatch bar-upload" /> uploads <span class="swatch bar-get" /> gets <span class="swatch bar-other" /> other <span class="swatch bar-error" /> errors
      </figcaption>
    </figure>
  );
}
