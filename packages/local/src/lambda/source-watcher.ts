import { type FSWatcher, watch } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Reports changes to a growing set of source files. Directories, not files, are watched:
 * editors that save by writing a new file and renaming it over the old one replace the inode a
 * per-file watcher would be holding, and it would go silent after the first save.
 */
export class SourceWatcher {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(private readonly onChange: (file: string) => void) {}

  /** Starts watching the directories of `files` not watched yet. */
  add(files: Iterable<string>): void {
    for (const file of files) {
      const directory = dirname(file);
      if (this.watchers.has(directory)) continue;
      const watcher = watch(directory, (_event, name) => {
        if (name) this.onChange(join(directory, name.toString()));
      });
      // A deleted directory ends its watcher; the files in it are gone too.
      watcher.on("error", () => {
        watcher.close();
        this.watchers.delete(directory);
      });
      this.watchers.set(directory, watcher);
    }
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
