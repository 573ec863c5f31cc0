/**
 * Files from a drop, with folders walked. A dropped folder arrives as a
 * directory entry, not as files, so it is read through webkitGetAsEntry; the
 * paths keep the folder's name first, as a folder picker's webkitRelativePath does.
 */
import type { PickedFile } from './importRoute';

export interface Dropped {
  files: PickedFile[];
  /** True when at least one folder was dropped. */
  fromFolder: boolean;
}

export async function filesFromDrop(transfer: DataTransfer): Promise<Dropped> {
  // Entries must be taken synchronously: the DataTransfer is emptied once the event handler returns.
  const entries = Array.from(transfer.items ?? [])
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((e) => e === null)) {
    return { files: Array.from(transfer.files, (file) => ({ path: file.name, file })), fromFolder: false };
  }
  const files: PickedFile[] = [];
  let fromFolder = false;
  for (const entry of entries as FileSystemEntry[]) {
    if (entry.isDirectory) fromFolder = true;
    await walk(entry, '', files);
  }
  return { files, fromFolder };
}

async function walk(entry: FileSystemEntry, parent: string, out: PickedFile[]): Promise<void> {
  const path = parent ? `${parent}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path, file });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries hands out at most ~100 entries per call; an empty batch means the end.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, path, out);
  }
}

/** Files from an <input type="file">; a folder picker fills webkitRelativePath. */
export function filesFromInput(list: FileList | null): Dropped {
  const files = Array.from(list ?? [], (file) => ({ path: file.webkitRelativePath || file.name, file }));
  return { files, fromFolder: files.some((f) => f.path.includes('/')) };
}
