import { MultipartError, boundaryOf, parseMultipart, readPartBody } from '../http/multipart.ts';
import { CloudGatewayError } from './gateway-errors.ts';
import type { SignedValue } from './tc3-signature.ts';

/**
 * Reads the gateway request's multipart form (what @cloudbase/node-sdk sends with the `form-data` package:
 * `action`, `apiName`, `requestData` as a binary part, `envName`, `wxCloudApiToken`, … eight parts in all).
 *
 * The whole form is held in memory, bounded: the TC3 signature covers every field, and the protobuf in
 * `requestData` carries the media bytes, so nothing can be acted on before the last byte is in.
 */
export interface GatewayForm {
  /** Lower-cased field name → value. Text parts are strings; parts with a Content-Type or filename are Buffers. */
  readonly fields: ReadonlyMap<string, SignedValue>;
}

export interface ReadFormOptions {
  /** Bound on the whole form's payload (sum of part bodies). */
  readonly maxBytes: number;
  /** Bound on one text field. */
  readonly maxFieldBytes: number;
}

export async function readGatewayForm(contentType: string | undefined, source: AsyncIterable<Uint8Array>, options: ReadFormOptions): Promise<GatewayForm> {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new CloudGatewayError('INVALID_PARAM', 'not multipart/form-data');
  const fields = new Map<string, SignedValue>();
  let total = 0;
  try {
    for await (const part of parseMultipart(source, boundary, { maxParts: 32 })) {
      const name = part.name?.trim().toLowerCase();
      if (!name) throw new CloudGatewayError('INVALID_PARAM', 'part without a name');
      // The signature names fields case-insensitively, so two spellings of one name are ambiguous: refuse.
      if (fields.has(name)) throw new CloudGatewayError('INVALID_PARAM', `duplicate field ${name}`);
      const binary = part.contentType !== undefined || part.filename !== undefined;
      const bytes = await readPartBody(part, binary ? options.maxBytes - total : Math.min(options.maxFieldBytes, options.maxBytes - total)).catch((e: unknown) => {
        if (e instanceof MultipartError && e.reason === 'malformed' && binary) throw new CloudGatewayError('PAYLOAD_TOO_LARGE', `field ${name}`);
        throw e;
      });
      total += bytes.length;
      fields.set(name, binary ? bytes : bytes.toString('utf8'));
    }
  } catch (e) {
    if (e instanceof MultipartError) throw new CloudGatewayError('INVALID_PARAM', e.message);
    throw e;
  }
  return { fields };
}

/** The string value of a text field ('' when absent or binary). */
export function textField(form: GatewayForm, name: string): string {
  const v = form.fields.get(name);
  return typeof v === 'string' ? v.trim() : '';
}

export function binaryField(form: GatewayForm, name: string): Buffer | undefined {
  const v = form.fields.get(name);
  return Buffer.isBuffer(v) ? v : undefined;
}
