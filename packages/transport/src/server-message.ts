// The server's own explanation in an error body, whatever the forge: GitHub's `{message, errors[]}`
// (errors of strings or of `{message}` / `{code, field}`), Gitea's and Forgejo's APIError
// `{message, url}` or `{errors: [...]}`, or the text of a proxy's HTML page. Docs links are dropped.

export function serverMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    const text = body
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return text ? text.slice(0, 200) : undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { message, errors } = body as { message?: unknown; errors?: unknown };
  const parts: string[] = [];
  if (typeof message === 'string' && message.trim()) parts.push(message.trim().replace(/\s+/g, ' '));
  if (Array.isArray(errors) && errors.length > 0) {
    const first = errors[0] as unknown;
    if (typeof first === 'string') parts.push(first);
    else if (typeof first === 'object' && first !== null) {
      const e = first as { message?: unknown; code?: unknown; field?: unknown };
      if (typeof e.message === 'string') parts.push(e.message);
      else if (typeof e.code === 'string')
        parts.push(`${e.code}${typeof e.field === 'string' ? ` ${e.field}` : ''}`);
    }
  }
  if (parts.length === 0) return undefined;
  return parts
    .join(': ')
    .replace(/ - https:\/\/docs\.github\.com\S*/, '')
    .slice(0, 300);
}
