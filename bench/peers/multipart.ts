/**
 * The multipart half of the streaming peers (bare-node, bare-s3): busboy parses the request and the `media` part's
 * bytes are piped to a sink as they arrive, never held whole. Other parts are drained; a body without a `media`
 * part, or one cut short, rejects (the peer answers 500: the benchmark counts it as an error).
 */
import { createWriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';

/** Pipes the `media` part of `req` into the sink `open()` returns (called once, when the part starts). */
export function pipeMediaPart(req: IncomingMessage, open: () => Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const parser = busboy({ headers: req.headers, limits: { files: 1 } });
    let written: Promise<void> | undefined;
    parser.on('file', (name, file) => {
      if (name !== 'media' || written) {
        file.resume();
        return;
      }
      written = pipeline(file, open());
      written.catch(reject);
    });
    parser.once('error', reject);
    parser.once('close', () => {
      if (!written) reject(new Error('no media part'));
      else written.then(resolve, reject);
    });
    req.once('aborted', () => reject(new Error('request aborted')));
    req.pipe(parser);
  });
}

/** The `media` part of `req` into a new file at `path`, fsynced (`flush`) before the returned promise settles. */
export function streamMediaPart(req: IncomingMessage, path: string): Promise<void> {
  return pipeMediaPart(req, () => createWriteStream(path, { flags: 'wx', flush: true }));
}
