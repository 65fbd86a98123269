import type { Command } from 'commander';
import { addServeCommand } from './serve.ts';
import { addTokenCommand } from './token.ts';
import { addUploadCommand } from './upload.ts';
import { addGetCommand } from './get.ts';
import { addAppsCommand } from './apps.ts';
import { addRunFunctionCommand } from './run-function.ts';
import { addClockCommand } from './clock.ts';
import { addFaultsCommand } from './faults.ts';
import { addResetCommand } from './reset.ts';
import { addMediaCommand } from './media.ts';
import { addCallsCommand } from './calls.ts';

/** Every `wxmedia` sub-command, each in a file of its own that adds itself to the program. */
export type AddCommand = (program: Command) => void;

export const COMMANDS: AddCommand[] = [
  addServeCommand,
  addTokenCommand,
  addUploadCommand,
  addGetCommand,
  addAppsCommand,
  addRunFunctionCommand,
  addMediaCommand,
  addCallsCommand,
  addClockCommand,
  addFaultsCommand,
  addResetCommand,
];
