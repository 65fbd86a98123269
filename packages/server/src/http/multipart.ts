/**
 * A strict, bounded, streaming multipart/form-data parser (RFC 7578 over RFC 2046).
 *
 * Why not busboy: WeChat answers 41005 to a file named only by RFC 2231 `filename*=` but accepts a plain
 * `filename=`, and busboy folds both into one decoded name. We also want every bound (header block size, part
 * count) to surface as a typed reason the upload handler maps to an errcode, never as a crash.
 *
 * The parser never closes or drains the source on error: the caller owns it (an HTTP layer wants to answer
 * with an errcode, not reset the socket).
 *
 * Body slices are views of the source's chunks, not copies: the source must not reuse a chunk's memory once it has
 * yielded it (Node's streams never do; each socket read is a new Buffer).
 */

import { MultipartError } from './multipart-error.ts';
import { TOKEN_RE, parseHeaderBlock, parseParameterised } from './multipart-headers.ts';

export { MultipartError, type MultipartErrorReason } from './multipart-error.ts';

export interface MultipartLimits {
  /** Max bytes of one part's header block (all header lines). Default 8 KiB. */
  readonly maxPartHeaderBytes?: number;
  /** Max number of parts. Default 16. */
  readonly maxParts?: number;
}

export interface MultipartPart {
  /** `name` from Content-Disposition (undefined if absent). */
  readonly name: string | undefined;
  /** The plain `filename="…"` (or unquoted token) only; undefined when absent. */
  readonly filename: string | undefined;
  /** True when the part carries an RFC 2231 `filename*=`. */
  readonly filenameStar: boolean;
  readonly contentType: string | undefined;
  /** Lower-cased header name → value. */
  readonly headers: ReadonlyMap<string, string>;
  /** The part's bytes. Must be fully consumed (or `skip()`ped) before the parser yields the next part. */
  readonly body: AsyncIterable<Buffer>;
  /** Discards the rest of this part's body. */
  skip(): Promise<void>;
}

const DEFAULT_MAX_HEADER_BYTES = 8 * 1024;
const DEFAULT_MAX_PARTS = 16;
/** At most this much of a chunk is copied to join it to a carried tail (Reader.pull). */
const JOIN_BYTES = 4 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const SP = 0x20;
const HT = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
/** RFC 2046 §5.1.1: 1..70 bchars, the last one not a space. */
const BOUNDARY_RE = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** The boundary parameter of a multipart/form-data Content-Type (quoted or not, case-insensitive type), or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const parsed = parseParameterised(contentType);
  if (!parsed || parsed.value.toLowerCase() !== 'multipart/form-data') return undefined;
  const boundary = parsed.params.get('boundary');
  return boundary !== undefined && BOUNDARY_RE.test(boundary) ? boundary : undefined;
}

/** Yields parts in order; throws MultipartError on bad input. Ends only after the close delimiter `--boundary--`. */
export async function* parseMultipart(
  source: AsyncIterable<Uint8Array>,
  boundary: string,
  limits: MultipartLimits = {},
): AsyncGenerator<MultipartPart> {
  if (!BOUNDARY_RE.test(boundary)) throw new MultipartError('no-boundary', 'invalid boundary');
  const parser = new Parser(source[Symbol.asyncIterator](), boundary, limits);
  await parser.run(() => parser.skipPreamble());
  for (;;) {
    const part = await parser.run(() => parser.nextPart());
    if (!part) return;
    yield part;
  }
}

/** Reads a small part fully, throwing MultipartError('malformed') if it exceeds maxBytes. For form fields. */
export async function readPartBody(part: MultipartPart, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of part.body) {
    total += chunk.length;
    if (total > maxBytes) throw new MultipartError('malformed', `part "${part.name ?? ''}" exceeds ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Unread bytes of the source. At most one chunk plus a carried-over tail (header bytes, a delimiter's start) is held. */
class Reader {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  private ended = false;
  /** The rest of a source chunk of which only a slice was joined to a carried tail (see pull). */
  private pending: Buffer | undefined;

  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  get available(): number {
    return this.buf.length - this.pos;
  }

  /** Appends the next chunk to the unread bytes; false at the end of the source. */
  async pull(): Promise<boolean> {
    let chunk = this.pending;
    this.pending = undefined;
    if (!chunk) {
      if (this.ended) return false;
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        return false;
      }
      if (!(r.value instanceof Uint8Array)) throw new TypeError('multipart source must yield Uint8Array chunks');
      chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    }
    if (this.pos >= this.buf.length) {
      // Nothing carried over (the usual case inside a body: see heldBack): the chunk itself, not a copy, so a file
      // part's bytes go from the socket to storage without being copied here (CPU and memory per upload).
      this.buf = chunk;
    } else {
      // A carried tail (part of a header block, or a possible delimiter start) is joined to the chunk's first
      // JOIN_BYTES only; the rest comes at the next pull, uncopied. Splitting a chunk is always safe: the parser
      // reads the same at any chunking.
      if (chunk.length > JOIN_BYTES) {
        this.pending = chunk.subarray(JOIN_BYTES);
        chunk = chunk.subarray(0, JOIN_BYTES);
      }
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
    return true;
  }
}

interface PartState {
  done: boolean;
}

class Parser {
  private readonly reader: Reader;
  /** `CRLF--boundary`; the stream is read as if it began with CRLF so the first delimiter needs no special case. */
  private readonly delimiter: Buffer;
  private readonly maxHeaderBytes: number;
  private readonly maxParts: number;
  /** What the last delimiter introduced. */
  private following: 'part' | 'close' = 'part';
  private current: PartState | undefined;
  private parts = 0;
  /** Body iterators and the part generator share one cursor, so their operations are serialised. */
  private queue: Promise<unknown> = Promise.resolve();
  private failure: unknown;

  constructor(it: AsyncIterator<Uint8Array>, boundary: string, limits: MultipartLimits) {
    this.maxHeaderBytes = positiveInt(limits.maxPartHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES, 'maxPartHeaderBytes');
    this.maxParts = positiveInt(limits.maxParts ?? DEFAULT_MAX_PARTS, 'maxParts');
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    this.reader = new Reader(it);
    this.reader.buf = Buffer.from(CRLF);
  }

  /** Runs `op` after every earlier operation; once one fails, every later one rethrows that failure. */
  run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.queue.then(() => {
      if (this.failure !== undefined) throw this.failure;
      return op().catch((e: unknown) => {
        this.failure = e;
        throw e;
      });
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  async skipPreamble(): Promise<void> {
    const r = this.reader;
    for (;;) {
      const i = r.buf.indexOf(this.delimiter, r.pos);
      if (i >= 0) {
        r.pos = i + this.delimiter.length;
        return this.afterDelimiter();
      }
      // Keep only a tail that could be the start of a delimiter split across chunks.
      r.pos = Math.max(r.pos, r.buf.length - (this.delimiter.length - 1));
      if (!(await r.pull())) throw new MultipartError('truncated', 'no delimiter found');
    }
  }

  async nextPart(): Promise<MultipartPart | undefined> {
    if (this.current) await this.drainBody(this.current);
    const r = this.reader;
    if (this.following === 'close') {
      // The epilogue is ignored, but read to its end so that the request is fully consumed.
      while (await r.pull()) r.pos = r.buf.length;
      return undefined;
    }
    if (++this.parts > this.maxParts) throw new MultipartError('too-many-parts', `more than ${this.maxParts}`);
    const headers = await this.readHeaders();
    const disposition = headers.get('content-disposition');
    let params: ReadonlyMap<string, string> | undefined;
    if (disposition !== undefined) {
      const parsed = parseParameterised(disposition);
      if (!parsed || !TOKEN_RE.test(parsed.value)) throw new MultipartError('malformed', 'bad Content-Disposition');
      params = parsed.params;
    }
    const state: PartState = { done: false };
    this.current = state;
    return {
      name: params?.get('name'),
      filename: params?.get('filename'),
      filenameStar: params?.has('filename*') ?? false,
      contentType: headers.get('content-type'),
      headers,
      body: { [Symbol.asyncIterator]: () => this.body(state) },
      skip: () => this.run(() => this.drainBody(state)),
    };
  }

  private async *body(state: PartState): AsyncGenerator<Buffer> {
    for (;;) {
      const chunk = await this.run(() => this.readBody(state));
      if (!chunk) return;
      yield chunk;
    }
  }

  private async drainBody(state: PartState): Promise<void> {
    while (await this.readBody(state));
  }

  /** The next slice of the part's body, or undefined once its closing delimiter has been consumed. */
  private async readBody(state: PartState): Promise<Buffer | undefined> {
    const r = this.reader;
    while (!state.done) {
      const { buf, pos } = r;
      const i = buf.indexOf(this.delimiter, pos);
      if (i >= 0) {
        r.pos = i + this.delimiter.length;
        // `buf` is never mutated, so this view stays valid even if afterDelimiter() pulls more.
        const data = buf.subarray(pos, i);
        await this.afterDelimiter();
        state.done = true;
        return data.length > 0 ? data : undefined;
      }
      // Hold back only what could be the start of a delimiter split across chunks; hand out the rest now.
      const safe = buf.length - heldBack(buf, pos, this.delimiter);
      if (safe > pos) {
        r.pos = safe;
        return buf.subarray(pos, safe);
      }
      if (!(await r.pull())) throw new MultipartError('truncated', 'source ended inside a part body');
    }
    return undefined;
  }

  /** After `--boundary`: transport padding, then `--` (close) or CRLF (left unread: it starts the header search). */
  private async afterDelimiter(): Promise<void> {
    const r = this.reader;
    let padding = 0;
    for (;;) {
      while (r.pos < r.buf.length && (r.buf[r.pos] === SP || r.buf[r.pos] === HT)) {
        r.pos++;
        if (++padding > this.maxHeaderBytes) throw new MultipartError('malformed', 'endless transport padding');
      }
      if (r.available >= 2) break;
      if (!(await r.pull())) throw new MultipartError('truncated', 'source ended after a delimiter');
    }
    const a = r.buf[r.pos];
    const b = r.buf[r.pos + 1];
    if (a === DASH && b === DASH) {
      r.pos += 2;
      this.following = 'close';
    } else if (a === CR && b === LF) {
      this.following = 'part';
    } else {
      throw new MultipartError('malformed', 'delimiter not followed by CRLF or "--"');
    }
  }

  private async readHeaders(): Promise<Map<string, string>> {
    const r = this.reader;
    for (;;) {
      // r.pos is at the CRLF ending the delimiter line, so an empty header block matches at once.
      const i = r.buf.indexOf(HEADER_END, r.pos);
      if (i >= 0) {
        if (i - r.pos > this.maxHeaderBytes) throw new MultipartError('header-too-large');
        const block = r.buf.subarray(r.pos + 2, i + 2);
        r.pos = i + 4;
        return parseHeaderBlock(block);
      }
      // Any later match would start at or after available - 3, making the block longer than allowed.
      if (r.available > this.maxHeaderBytes + 3) throw new MultipartError('header-too-large');
      if (!(await r.pull())) throw new MultipartError('truncated', 'source ended inside part headers');
    }
  }
}

/**
 * How many bytes at the end of `buf` (from `from` on) could be the beginning of `delimiter`, completed by the next
 * chunk: the longest suffix that is a proper prefix of it. Usually 0 (the delimiter starts with CR), so a body
 * chunk is handed out whole and the next one needs no joining.
 */
export function heldBack(buf: Buffer, from: number, delimiter: Buffer): number {
  const first = delimiter[0]!;
  for (let i = buf.indexOf(first, Math.max(from, buf.length - (delimiter.length - 1))); i >= 0; i = buf.indexOf(first, i + 1)) {
    if (buf.compare(delimiter, 0, buf.length - i, i) === 0) return buf.length - i;
  }
  return 0;
}

function positiveInt(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`multipart limit ${what} must be a positive integer`);
  return n;
}
