import { APPID_PATTERN, APPID_RULE, APP_KIND_RULE, isAppKind } from '@wxmedia/protocol';
import { MIN_SECRET_LENGTH } from '../defaults.ts';

/** An app as it comes from outside (a config file, flags, the admin API): any field may hold anything. */
export interface AppFields {
  readonly appid?: unknown;
  readonly secret?: unknown;
  readonly kind?: unknown;
}

/**
 * The one check of an app's fields, for configured apps and for apps added through the admin API. Returns what is
 * wrong as a sentence naming the field, or undefined. With `required`, appid and secret must be given (configured
 * apps); otherwise an absent one is generated.
 */
export function appFieldsProblem(fields: AppFields, options: { readonly required: boolean }): string | undefined {
  const { appid, secret, kind } = fields;
  if ((appid !== undefined || options.required) && (typeof appid !== 'string' || !APPID_PATTERN.test(appid))) {
    return `appid must be ${APPID_RULE}`;
  }
  if ((secret !== undefined || options.required) && (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH)) {
    return `secret must be a string of at least ${MIN_SECRET_LENGTH} characters`;
  }
  if (kind !== undefined && !isAppKind(kind)) return `kind must be ${APP_KIND_RULE}`;
  return undefined;
}
