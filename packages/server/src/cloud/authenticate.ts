import type { FastifyRequest } from 'fastify';
import { systemClock } from '../clock.ts';
import { acceptedSecretKey, type CloudEnvConfig } from './envs.ts';
import type { CloudGatewayDeps } from './gateway-deps.ts';
import { CloudGatewayError } from './gateway-errors.ts';
import type { GatewayForm } from './request-body.ts';
import { parseTc3Authorization, verifyTc3 } from './tc3-signature.ts';

/**
 * Who is calling: the env (from `?env=`, or — when the SDK sends none, as after a bare `cloud.init()` outside the
 * cloud — the env named by the secretId, i.e. the app's implicit env) and the key its signature must verify
 * under. Header checks run before the body is read; the signature itself needs the body (verifyBody).
 */
export interface GatewayAuth {
  readonly env: CloudEnvConfig;
  /** The raw `env` query parameter ('' when the SDK had none). */
  readonly envFromQuery: string;
  /**
   * Throws CloudGatewayError unless the form is exactly what was signed (or 45011 when a wrong signature takes the
   * app and client address past their failures for the minute).
   */
  verifyBody(form: GatewayForm): Promise<void>;
}

/** The signature's stated lifetime is capped here (the SDK sends 600). */
const MAX_EXPIRES_SECONDS = 600;
/** Clock skew tolerated for a signature from the future. */
const MAX_FUTURE_SECONDS = 300;
/** Fields a wx.openApi request must have signed: what it does and to what. */
const REQUIRED_SIGNED_PARAMS = ['action', 'apiname', 'requestdata'];
/** Headers the signer always covers (it refuses to sign without them). */
const REQUIRED_SIGNED_HEADERS = ['content-type', 'host'];

export async function authenticateGatewayRequest(request: FastifyRequest, deps: CloudGatewayDeps): Promise<GatewayAuth> {
  const auth = parseTc3Authorization(header(request, 'authorization'));
  const timestamp = Number(header(request, 'x-timestamp'));
  if (!auth || !Number.isSafeInteger(timestamp) || auth.service !== 'tcb') throw new CloudGatewayError('MISSING_AUTHORIZATION');
  if (!REQUIRED_SIGNED_HEADERS.every((h) => auth.signedHeaders.includes(h))) throw new CloudGatewayError('MISSING_AUTHORIZATION', 'host or content-type not signed');

  const now = Math.floor((deps.signatureClock ?? systemClock).now() / 1000);
  const stated = Number(header(request, 'x-signature-expires'));
  const expires = Number.isSafeInteger(stated) && stated > 0 ? Math.min(stated, MAX_EXPIRES_SECONDS) : MAX_EXPIRES_SECONDS;
  if (now - timestamp > expires || timestamp - now > MAX_FUTURE_SECONDS) throw new CloudGatewayError('SIGNATURE_EXPIRED', `timestamp ${timestamp}, now ${now}`);

  const url = request.raw.url ?? '/';
  const q = url.indexOf('?');
  const query = q >= 0 ? url.slice(q + 1) : '';
  const envFromQuery = new URLSearchParams(query).get('env') ?? '';
  const env = await deps.env(envFromQuery !== '' ? envFromQuery : auth.secretId);
  if (!env) throw new CloudGatewayError('INVALID_ENV', envFromQuery !== '' ? `env ${envFromQuery}` : 'no env, and the secretId names none');
  // Wrong secretIds and signatures are guesses at credentials, limited per app and client address like secrets.
  const client = request.ip;
  const failed = async (error: CloudGatewayError): Promise<Error> => (deps.credentials ? deps.credentials.fail(env.appid, client, error) : error);
  await deps.credentials?.check(env.appid, client);
  const secretKey = await acceptedSecretKey(env, auth.secretId, deps.env);
  if (secretKey === undefined) throw await failed(new CloudGatewayError('UNKNOWN_SECRET_ID', `env ${env.env}`));

  return {
    env,
    envFromQuery,
    async verifyBody(form) {
      for (const key of REQUIRED_SIGNED_PARAMS) {
        if (!auth.signedParams.includes(key)) throw new CloudGatewayError('SIGNATURE_MISMATCH', `${key} not signed`);
      }
      // The signer hashes every non-empty field; one it did not hash could have been added on the way.
      for (const [name, value] of form.fields) {
        const empty = typeof value === 'string' ? value.trim() === '' : false;
        if (!empty && !auth.signedParams.includes(name)) throw new CloudGatewayError('SIGNATURE_MISMATCH', `field ${name} not signed`);
      }
      for (const key of auth.signedParams) {
        if (!form.fields.has(key)) throw new CloudGatewayError('SIGNATURE_MISMATCH', `signed field ${key} missing`);
      }
      const ok = verifyTc3({
        auth,
        secretKey,
        timestamp,
        signedUrl: `//${header(request, 'host') ?? ''}${q >= 0 ? url.slice(0, q) : url}`,
        query,
        headers: (name) => header(request, name),
        params: form.fields,
      });
      if (!ok) throw await failed(new CloudGatewayError('SIGNATURE_MISMATCH', `env ${env.env}`));
    },
  };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
