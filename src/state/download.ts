/** Hands bytes made in the page (or sent by a worker) to the browser as a file to download. */
export function offerDownload(fileName: string, data: Uint8Array<ArrayBuffer>, type = 'application/zip'): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Not at once: a browser may start reading the blob only after click() has returned.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
