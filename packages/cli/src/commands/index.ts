import type { Command } from 'commander';
import { addServeCommand } from './serve.ts';
import { addTokenCommand } from './token.ts';
import { addUploadCommand } from './upload.ts';
import { addGetCommand } from './get.ts';
import { addAppsCommand } from './apps.ts';
import { addRunFunctionCommand } from './run-function.ts';

/** Every `wxmedia` sub-command, each in a file of its own that adds itself to the program. */
export type AddCommand = (program: Command) => void;

export const COMMANDS: AddCommand[] = [
  addServeCommand,
  addTokenCommand,
  addUploadCommand,
  addGetCommand,
  addAppsCommand,
  addRunFunctionCommand,
];
