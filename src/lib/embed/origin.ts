/**
 * Which page may talk to an embed. The author names the host's origin in the
 * embed URL (`origin=`); the embed checks it against what the browser says
 * embeds it — `location.ancestorOrigins[0]` where the browser has it, else the
 * origin of `document.referrer` — and then posts events to that origin alone
 * (postMessage's targetOrigin) and takes commands only from its parent window
 * at that origin. Without a declared origin, or when the two disagree, it
 * neither sends nor listens: a page cannot claim someone else's embed.
 */

/** The origin a URL or an ancestor origin names, or null for none ("", "null", not a URL). */
function originOf(text: string | undefined | null): string | null {
  if (!text || text === 'null') return null;
  try {
    const origin = new URL(text).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

export interface EmbeddingSeen {
  /** location.ancestorOrigins, nearest first (Chromium and Safari). */
  ancestorOrigins?: readonly string[];
  /** document.referrer: the embedding page's address, or its origin alone, or "" under a strict referrer policy. */
  referrer?: string;
  /** Whether the page runs in a frame at all (window.parent !== window). */
  framed: boolean;
}

/** The host origin events go to and commands are taken from, or null with the reason (shown in the embed) when there is none. */
export function hostOrigin(declared: string | null, seen: EmbeddingSeen): { origin: string | null; problem: string | null } {
  if (!declared) return { origin: null, problem: null };
  if (!seen.framed) return { origin: null, problem: null };
  const actual = originOf(seen.ancestorOrigins?.[0]) ?? originOf(seen.referrer);
  if (actual !== null && actual !== declared) {
    return {
      origin: null,
      problem: `This experiment was set up for ${declared}, but ${actual} shows it: it sends that page no events and takes no commands from it.`,
    };
  }
  return { origin: declared, problem: null };
}

/** Whether a message is a command from the host: sent by the parent window, from the host origin. */
export function fromHost(message: { origin: string; fromParent: boolean }, host: string | null): boolean {
  return host !== null && message.fromParent && message.origin === host;
}
