/**
 * Name patterns used by profiles: globs (`board-*`, `guest-?`) and regular expressions written
 * `/^exec-.*$/i`. Both must match the whole name.
 */

const REGEX_LITERAL = /^\/(.+)\/([a-z]*)$/s;

export type CompiledPattern = { ok: true; test: (name: string) => boolean } | { ok: false; error: string };

const cache = new Map<string, CompiledPattern>();

export function isRegexPattern(pattern: string): boolean {
  return REGEX_LITERAL.test(pattern);
}

export function isGlobPattern(pattern: string): boolean {
  return !isRegexPattern(pattern) && /[*?]/.test(pattern);
}

/** Compiles a pattern once; an invalid regex is reported, never thrown. */
export function compilePattern(pattern: string): CompiledPattern {
  const cached = cache.get(pattern);
  if (cached) return cached;
  const compiled = compileUncached(pattern);
  cache.set(pattern, compiled);
  return compiled;
}

function compileUncached(pattern: string): CompiledPattern {
  const literal = REGEX_LITERAL.exec(pattern);
  if (literal) {
    const [, body = '', flags = ''] = literal;
    // `g` and `y` make RegExp.test stateful: the same name would match on one call and not the next.
    const stateful = flags.replace(/[^gy]/g, '');
    if (stateful) return { ok: false, error: `flag '${stateful}' is not allowed (it makes matching depend on the previous room)` };
    try {
      const regex = new RegExp(body, flags);
      return { ok: true, test: (name) => regex.test(name) };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const regex = new RegExp(`^${source}$`, 's');
  return { ok: true, test: (name) => regex.test(name) };
}

/** Whether `name` matches `pattern`; an invalid pattern matches nothing. */
export function matchesPattern(pattern: string, name: string): boolean {
  const compiled = compilePattern(pattern);
  return compiled.ok && compiled.test(name);
}
