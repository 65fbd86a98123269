import { MultipartError } from './multipart-error.ts';

/**
 * Parsing of part header blocks and of parameterised header values (Content-Type, Content-Disposition), strictly:
 * anything ambiguous is refused with MultipartError rather than guessed at.
 */
const CRLF = Buffer.from('\r\n');
const SP = 0x20;
const HT = 0x09;
/** RFC 9110 token (header names, disposition type, parameter names). */
export const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TOKEN_CHAR_RE = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** Header lines, each ending in CRLF. Folding, bare CR/LF and control bytes are rejected rather than guessed at. */
export function parseHeaderBlock(block: Buffer): Map<string, string> {
  const headers = new Map<string, string>();
  let start = 0;
  while (start < block.length) {
    const end = block.indexOf(CRLF, start);
    const line = block.subarray(start, end);
    start = end + 2;
    if (line[0] === SP || line[0] === HT) throw new MultipartError('malformed', 'folded header line');
    for (const byte of line) {
      if ((byte < 0x20 && byte !== HT) || byte === 0x7f) throw new MultipartError('malformed', 'control byte in header');
    }
    const colon = line.indexOf(0x3a);
    const name = colon > 0 ? line.subarray(0, colon).toString('latin1') : '';
    if (!TOKEN_RE.test(name)) throw new MultipartError('malformed', 'bad header name');
    const key = name.toLowerCase();
    // A repeated header (two Content-Dispositions, say) is ambiguous; refuse rather than pick one.
    if (headers.has(key)) throw new MultipartError('malformed', `duplicate header ${key}`);
    headers.set(key, trimOws(line.subarray(colon + 1).toString('utf8')));
  }
  return headers;
}

/**
 * `value *( ";" name "=" ( token / quoted-string ) )` as in Content-Type and Content-Disposition.
 * Parameter names are lower-cased; duplicates are refused. Undefined when the syntax is broken.
 */
export function parseParameterised(header: string): { value: string; params: Map<string, string> } | undefined {
  const semi = header.indexOf(';');
  const value = trimOws(semi < 0 ? header : header.slice(0, semi));
  const params = new Map<string, string>();
  let i = semi < 0 ? header.length : semi + 1;
  const ows = (): void => {
    while (header[i] === ' ' || header[i] === '\t') i++;
  };
  while (i < header.length) {
    ows();
    if (i >= header.length) break;
    if (header[i] === ';') {
      i++; // tolerate empty parameters such as a trailing ";"
      continue;
    }
    const nameStart = i;
    while (i < header.length && TOKEN_CHAR_RE.test(header[i] ?? '')) i++;
    const name = header.slice(nameStart, i).toLowerCase();
    ows();
    if (!name || header[i] !== '=') return undefined;
    i++;
    ows();
    let val = '';
    if (header[i] === '"') {
      i++;
      for (;;) {
        const ch = header[i++];
        if (ch === undefined) return undefined; // unterminated quoted-string
        if (ch === '"') break;
        if (ch === '\\') {
          const escaped = header[i++];
          if (escaped === undefined) return undefined;
          val += escaped;
        } else {
          val += ch;
        }
      }
    } else {
      const valStart = i;
      while (i < header.length && !' \t;"'.includes(header[i] ?? '')) i++;
      val = header.slice(valStart, i);
      if (!val) return undefined;
    }
    ows();
    if (i < header.length && header[i] !== ';') return undefined;
    i++;
    if (params.has(name)) return undefined;
    params.set(name, val);
  }
  return { value, params };
}

export function trimOws(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}
