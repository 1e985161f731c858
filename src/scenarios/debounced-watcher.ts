/**
 * Watches folders for edited files, debounced per file (editors often write a new file and rename it over the
 * old one, firing several events): scenario files and `--spec` documents are reloaded through it. Knows nothing
 * of what the files hold.
 */
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

export class DebouncedWatcher {
  private watchers: FSWatcher[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** `accept` picks the file names of a folder to react to; `changed` gets a file's path 50 ms after its last event. */
  constructor(private readonly changed: (file: string) => void) {}

  watch(dir: string, accept: (name: string) => boolean): this {
    const w = watch(dir, (_event, filename) => {
      const name = filename?.toString();
      if (!name || !accept(name)) return;
      const file = join(dir, name);
      clearTimeout(this.timers.get(file));
      this.timers.set(
        file,
        setTimeout(() => {
          this.timers.delete(file);
          this.changed(file);
        }, 50),
      );
    });
    w.unref();
    this.watchers.push(w);
    return this;
  }

  close(): void {
    for (const w of this.watchers) w.close();
    for (const t of this.timers.values()) clearTimeout(t);
    this.watchers = [];
    this.timers.clear();
  }
}
