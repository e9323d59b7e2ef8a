// The one place where an error becomes the step's failure message. Every message goes through
// `redact` with the secret inputs, so no token can reach the log even if an adapter slipped.
import { isXrdError, redact } from '@xrd/core';

export function errorMessage(error: unknown, secrets: readonly string[]): string {
  if (isXrdError(error)) {
    const text = error.hint ? `${error.message} ${error.hint}` : error.message;
    return redact(text, secrets);
  }
  const text = error instanceof Error ? error.message : String(error);
  return redact(`Unexpected error: ${text}`, secrets);
}
