import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { isMediaType, MEDIA_TYPES } from '@wxmedia/protocol';
import { CliError } from '../serve-config.ts';
import { action, clientFrom, withClientOptions, type ClientFlags } from './client-options.ts';

interface UploadFlags extends ClientFlags {
  type: string;
  json?: boolean;
  quiet?: boolean;
}

/** Files at least this large get byte progress; smaller ones only a line each when there are several. */
const LARGE_FILE_BYTES = 1024 * 1024;

/**
 * `wxmedia upload FILE…`: one media_id per file on stdout, in order (`--json`: one JSON object per line). Stops at
 * the first failure; the ids printed before it are valid. Progress goes to stderr, so stdout stays parseable.
 */
export function addUploadCommand(program: Command): void {
  withClientOptions(program.command('upload'))
    .description('upload temporary media; prints one media_id per file')
    .argument('<files...>', 'files to upload (filename and Content-Type are taken from the bytes)')
    .option('--type <type>', `media type: ${MEDIA_TYPES.join(', ')}`, 'image')
    .option('--json', 'print the whole reply, one JSON object per line, with "file"')
    .option('-q, --quiet', 'no progress on stderr')
    .action(
      action(
        async (files: string[], flags: UploadFlags) => {
          if (!isMediaType(flags.type)) throw new CliError(`--type must be one of ${MEDIA_TYPES.join(', ')}, got "${flags.type}"`);
          const type = flags.type;
          const sizes = await Promise.all(
            files.map((f) =>
              stat(f).then(
                (s) => s.size,
                () => {
                  throw new CliError(`cannot read ${f}`);
                },
              ),
            ),
          );
          const { client } = clientFrom(flags);
          const progress = new Progress(!flags.quiet && (files.length > 1 || sizes.some((s) => s >= LARGE_FILE_BYTES)));
          try {
            for (const [i, file] of files.entries()) {
              const label = `[${i + 1}/${files.length}] ${basename(file)}`;
              const large = (sizes[i] ?? 0) >= LARGE_FILE_BYTES;
              progress.line(`${label} uploading`);
              const reply = await client.https.uploadTempMedia(
                { type, media: file },
                large ? { onProgress: (sent, total) => progress.update(`${label} ${percent(sent, total)}`) } : {},
              );
              progress.line(`${label} done`, true);
              const id = reply.media_id ?? reply.thumb_media_id ?? '';
              process.stdout.write(flags.json ? `${JSON.stringify({ file, ...reply })}\n` : `${id}\n`);
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
