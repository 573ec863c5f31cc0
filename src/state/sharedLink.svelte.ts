/**
 * What the page's link says beyond the settings: whether it is a share link
 * (which loads a built-in dataset by itself) and, for a dataset of its author's
 * own, what that dataset is (see lib/share/link.ts).
 */
import { untrack } from 'svelte';
import { readShare, type DatasetNeeds } from '../lib/share/link';
import type { Library } from './library.svelte';

export class SharedLink {
  share = $state(false);
  /** The dataset of the author's own the link needs, as the link describes it. */
  needs = $state.raw<DatasetNeeds | null>(null);
  private loadAsked = false;

  read(search: string): void {
    const { share, needs } = readShare(search);
    this.share = share;
    this.needs = needs;
  }

  /** Loads the built-in dataset a share link names once the library is read and lacks it (once: a cancelled load stays cancelled). */
  follow(library: Library): () => void {
    return $effect.root(() => {
      $effect(() => {
        const missing = library.missing;
        if (!this.share || !missing?.builtin || library.loading !== null || this.loadAsked) return;
        this.loadAsked = true;
        untrack(() => void library.load(missing.id));
      });
    });
  }
}
