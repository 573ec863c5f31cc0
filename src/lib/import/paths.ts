/**
 * The one spelling of a file's path inside an archive or a picked folder. Zip tools
 * write the same file as "a/b.png", "./a/b.png", "/a/b.png", "a//b.png" or
 * "a\b.png"; planning and reading both go through entryPath, so a file planned under
 * one spelling is always found again.
 */

/** Why a path has no spelling: it climbs above the archive's root ("../x.png"). */
export const ESCAPES_ROOT = 'its name leads outside the archive ("../"), so it was not read';

/**
 * "./a//b\\c.png" -> "a/b/c.png"; "a/../b.png" -> "b.png"; "../x.png" -> null, since it
 * would leave the root. Folders keep their trailing "/" ("a/b/" stays a folder). Applying
 * it twice changes nothing.
 */
export function entryPath(raw: string): string | null {
  const isFolder = /[\\/]$/.test(raw);
  const parts: string[] = [];
  for (const part of raw.split(/[\\/]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(part);
  }
  const path = parts.join('/');
  return isFolder && path ? `${path}/` : path;
}

/** Folders and files that operating systems add on their own; never data. Takes a path as entryPath spells it. */
export function isJunkPath(path: string): boolean {
  const parts = path.split('/');
  const base = parts[parts.length - 1];
  return (
    parts.includes('__MACOSX') || base === '.DS_Store' || base.startsWith('._') || base === 'Thumbs.db' || base === 'desktop.ini'
  );
}
