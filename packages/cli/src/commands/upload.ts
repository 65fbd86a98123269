import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { isMediaType, MEDIA_TYPES, SNIFF_BYTES, type MediaType } from '@wxmedia/protocol';
import { fsProblem } from '../fs-errors.ts';
import { CliError } from '../serve-config.ts';
import { explainUploadFailure } from '../upload-failure.ts';
import { action, clientFrom, describeFailure, withClientOptions, type ClientFlags } from './client-options.ts';

interface UploadFlags extends ClientFlags {
  type: string;
  json?: boolean;
  quiet?: boolean;
}

/** Files at least this large get byte progress; smaller ones only a line each when there are several. */
const LARGE_FILE_BYTES = 1024 * 1024;
/** The file name that means "read standard input". */
const STDIN = '-';

/** One thing to upload: a file by path, or standard input's bytes (named from the bytes). */
interface Upload {
  readonly label: string;
  readonly media: string | Buffer;
  readonly size: number;
}

/**
 * `wxmedia upload FILE…`: one media_id per file on stdout, in order (`--json`: one JSON object per line). Stops at
 * the first failure, naming the file and why; the ids printed before it are valid. Progress goes to stderr, so
 * stdout stays parseable. `-` uploads standard input.
 */
export function addUploadCommand(program: Command): void {
  withClientOptions(program.command('upload'))
    .description('upload temporary media; prints one media_id per file (- reads stdin)')
    .argument('<files...>', 'files to upload, or - for stdin (filename and Content-Type are taken from the bytes)')
    .option('--type <type>', `media type: ${MEDIA_TYPES.join(', ')}`, 'image')
    .option('--json', 'print the whole reply, one JSON object per line, with "file"; a failure too, with "error"')
    .option('-q, --quiet', 'no progress on stderr')
    .action(
      action(
        async (files: string[], flags: UploadFlags) => {
          if (!isMediaType(flags.type)) throw new CliError(`--type must be one of ${MEDIA_TYPES.join(', ')}, got "${flags.type}"`);
          const type = flags.type;
          const uploads = await Promise.all(files.map(toUpload));
          const { client } = await clientFrom(flags);
          const progress = new Progress(!flags.quiet && (uploads.length > 1 || uploads.some((u) => u.size >= LARGE_FILE_BYTES)));
          try {
            for (const [i, u] of uploads.entries()) {
              const label = `[${i + 1}/${uploads.length}] ${basename(u.label)}`;
              const large = u.size >= LARGE_FILE_BYTES;
              progress.line(`${label} uploading`);
              let reply;
              try {
                reply = await client.https.uploadTempMedia(
                  { type, media: u.media },
                  large ? { onProgress: (sent, total) => progress.update(`${label} ${percent(sent, total)}`) } : {},
                );
              } catch (e) {
                progress.end();
                await reportFailure(u, type, e, flags.json === true);
                return;
              }
              progress.line(`${label} done`, true);
              const id = reply.media_id ?? reply.thumb_media_id ?? '';
              process.stdout.write(flags.json ? `${JSON.stringify({ file: u.label, ...reply })}\n` : `${id}\n`);
            }
          } finally {
            progress.end();
            await client.close();
          }
        },
        (_files, flags) => [flags.secret],
      ),
    );
}

/** Checks a named file before anything is sent (a folder or a missing file is a usage error); reads stdin whole. */
async function toUpload(file: string): Promise<Upload> {
  if (file === STDIN) {
    if (process.stdin.isTTY) throw new CliError('upload -: stdin is a terminal; pipe the bytes in, e.g. wxmedia upload - < photo.jpg');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    return { label: 'stdin', media: bytes, size: bytes.length };
  }
  const info = await stat(file).catch((e: unknown) => {
    throw new CliError(`${file}: ${fsProblem(e) ?? String(e)}`);
  });
  if (info.isDirectory()) throw new CliError(`${file} is a folder: give the files in it, e.g. wxmedia upload ${file.replace(/\/+$/, '')}/*.jpg`);
  return { label: file, media: file, size: info.size };
}

/** "photo.png: the bytes are JPEG, the name says .png (errcode 40005, rid …)" on stderr, or the same as JSON on stdout. */
async function reportFailure(u: Upload, type: MediaType, e: unknown, json: boolean): Promise<void> {
  const failure = await describeFailure(e);
  const errcode = typeof failure.json['errcode'] === 'number' ? failure.json['errcode'] : undefined;
  const why = errcode === undefined ? undefined : await explainUploadFailure({ errcode, type, name: typeof u.media === 'string' ? basename(u.media) : undefined, head: await headOf(u), size: u.size });
  const rid = failure.json['rid'];
  const line =
    errcode === undefined
      ? `${u.label}: ${failure.line}`
      : `${u.label}: ${why ?? String(failure.json['errmsg']).replace(/ rid: \S+$/, '')} (errcode ${errcode}${typeof rid === 'string' ? `, rid ${rid}` : ''})`;
  if (json) process.stdout.write(`${JSON.stringify({ file: u.label, ...failure.json, error: line.slice(u.label.length + 2) })}\n`);
  else process.stderr.write(`wxmedia: ${line}\n`);
  process.exitCode = 1;
}

async function headOf(u: Upload): Promise<Uint8Array> {
  if (typeof u.media !== 'string') return u.media.subarray(0, SNIFF_BYTES);
  const handle = await open(u.media, 'r').catch(() => undefined);
  if (!handle) return new Uint8Array();
  try {
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, u.size));
    await handle.read(head, 0, head.length, 0);
    return head;
  } finally {
    await handle.close();
  }
}

function percent(sent: number, total: number): string {
  return `${Math.floor((sent / Math.max(total, 1)) * 100)}% of ${(total / 1048576).toFixed(1)} MB`;
}

/** Progress on stderr: a self-rewriting line on a terminal, plain lines (only the final one per file) otherwise. */
class Progress {
  readonly #tty = process.stderr.isTTY === true;
  #open = false;
  #lastUpdate = '';
  constructor(private readonly enabled: boolean) {}

  line(text: string, final = false): void {
    if (!this.enabled) return;
    if (this.#tty) {
      process.stderr.write(`\r\x1b[2K${text}${final ? '\n' : ''}`);
      this.#open = !final;
    } else if (final) {
      process.stderr.write(`${text}\n`);
    }
  }

  update(text: string): void {
    if (!this.enabled || text === this.#lastUpdate) return;
    this.#lastUpdate = text;
    if (this.#tty) this.line(text);
  }

  end(): void {
    if (this.#open) process.stderr.write('\n');
    this.#open = false;
  }
}
