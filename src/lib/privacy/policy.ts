/**
 * Reading what the page can prove about where its data goes: the
 * Content-Security-Policy in force, and the requests it made.
 */

/** The policy's directives in order: `parsePolicy("default-src 'self'; img-src 'self' data:")` → [['default-src', ["'self'"]], ['img-src', ["'self'", 'data:']]]. */
export function parsePolicy(policy: string): [string, string[]][] {
  return policy
    .split(';')
    .map((part) => part.trim().split(/\s+/).filter(Boolean))
    .filter((words) => words.length > 0)
    .map(([name, ...sources]) => [name.toLowerCase(), sources]);
}

/** The sources a fetch directive allows, falling back to default-src as browsers do; null when neither is set (anything goes). */
export function sourcesFor(directives: [string, string[]][], directive: string): string[] | null {
  const find = (name: string) => directives.find(([n]) => n === name)?.[1];
  return find(directive) ?? find('default-src') ?? null;
}

/** True when the directive allows this origin alone (or nothing at all). */
export function selfOnly(directives: [string, string[]][], directive: string): boolean {
  const sources = sourcesFor(directives, directive);
  return sources !== null && sources.length > 0 && sources.every((s) => s === "'self'" || s === "'none'");
}

export interface RequestTally {
  /** Requests that went over the network (or through the service worker): data: and blob: URLs are not counted. */
  total: number;
  /** Those whose origin is not `origin`. */
  foreign: string[];
}

/** `tallyRequests(['https://a.test/x.js', 'data:,', 'https://b.test/t.gif'], 'https://a.test')` → { total: 2, foreign: ['https://b.test/t.gif'] }. */
export function tallyRequests(urls: Iterable<string>, origin: string, into: RequestTally = { total: 0, foreign: [] }): RequestTally {
  for (const url of urls) {
    if (url.startsWith('data:') || url.startsWith('blob:')) continue;
    into.total += 1;
    let other = true;
    try {
      other = new URL(url).origin !== origin;
    } catch {
      // An unparsable name is shown as foreign rather than hidden.
    }
    if (other) into.foreign.push(url);
  }
  return into;
}
