/** "CNN on MNIST · 97.1%" → "cnn-on-mnist-97-1": a name as a file name's stem, or `fallback` when nothing is left of it. */
export function fileStem(name: string, fallback: string): string {
  const stem = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return stem || fallback;
}
