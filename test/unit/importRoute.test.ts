import { describe, expect, it } from 'vitest';
import { routeFiles, type PickedFile } from '../../src/state/importRoute';

const picked = (path: string, bytes = 10): PickedFile => ({ path, file: new File([new Uint8Array(bytes)], path.split('/').pop()!) });
const HOWTO = 'To import images, choose or drop a folder (or a .zip) with one subfolder of images per class, such as cats/ and dogs/.';

describe('routeFiles', () => {
  it('tells someone who drops one empty image that it is empty, not that a folder lacks classes', async () => {
    expect(await routeFiles([picked('a.png', 0)], false)).toEqual({
      kind: 'unknown',
      message: `"a.png" is empty (0 bytes), with no class folders to learn from. ${HOWTO}`,
    });
  });

  it('explains that loose images need class folders', async () => {
    expect(await routeFiles([picked('cat.jpg')], false)).toEqual({
      kind: 'unknown',
      message: `"cat.jpg" is a single image, with no class folders to learn from. ${HOWTO}`,
    });
    expect(await routeFiles([picked('1.png'), picked('2.png'), picked('3.png'), picked('4.png')], false)).toEqual({
      kind: 'unknown',
      message: `"1.png", "2.png", "3.png" and 1 more are single images, with no class folders to learn from. ${HOWTO}`,
    });
  });

  it('still takes images inside folders as an image folder', async () => {
    const files = [picked('pets/cats/1.png'), picked('pets/dogs/2.png', 0)];
    expect(await routeFiles(files, true)).toEqual({ kind: 'image-folder', files, name: 'pets' });
  });
});
