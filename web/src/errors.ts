// What the user is told about an `error` frame, and what the page does about it. Pure.

export interface ErrorFrame {
  code: string;
  message: string;
  ref?: string | number;
  names?: string[];
  retry_after_ms?: number;
}

/** Errors that answer a hello: the user has to change the name or the password. */
export const LOGIN_ERRORS = new Set([
  'name_taken',
  'bad_name',
  'name_registered',
  'account_required',
  'login_failed',
  'access_denied',
  'rate_limited',
]);

/** The text shown: the server's own words (they are written for people), with a hint where useful. */
export function describeError(e: ErrorFrame, maxMessage?: number): string {
  switch (e.code) {
    case 'too_large':
      return maxMessage
        ? `Message too large: the server takes at most ${formatBytes(maxMessage)} per message. It was not sent.`
        : `Message too large: it was not sent. (${e.message})`;
    case 'rate_limited':
      // The server's text already says how long to wait.
      return e.message;
    case 'name_taken':
      return e.message.replace(/\.?$/, ': pick another name.');
    default:
      return e.message || e.code;
  }
}

export function seconds(ms: number): string {
  return ms < 10000 ? `${(Math.ceil(ms / 100) / 10).toFixed(1)} s` : `${Math.ceil(ms / 1000)} s`;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
