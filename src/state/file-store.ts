/**
 * Durable state for `serve --state DIR`: the in-memory store, plus an append-only log of every
 * change (`state.log`, one JSON line each, written before the change is acknowledged) and periodic
 * compaction into a snapshot (`state.json`). Opening replays snapshot then log; a torn last line
 * (a crash mid-write) is ignored. Replays are idempotent, so a crash during compaction loses nothing.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
import type { Mutation, OpenResult, SessionDump, SessionStore, Store } from './store.js';

export interface FileStoreOptions extends Omit<MemoryStoreOptions, 'onMutation'> {
  dir: string;
  /** Compact after this many logged changes (default 20,000). */
  compactEvery?: number;
}

interface Snapshot {
  version: 1;
  sessions: Record<string, SessionDump>;
}

export class FileStore implements Store {
  private readonly memory: MemoryStore;
  private fd: number;
  private logged = 0;
  private replaying = false;
  readonly logFile: string;
  readonly snapshotFile: string;
  /** What opening found: sessions restored and log lines replayed (and a torn last line, if any). */
  readonly recovered: { sessions: number; replayed: number; tornLine: boolean };

  constructor(private readonly options: FileStoreOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.logFile = join(options.dir, 'state.log');
    this.snapshotFile = join(options.dir, 'state.json');
    this.memory = new MemoryStore({ ...options, onMutation: (session, m) => this.log(session, m) });
    this.replaying = true;
    let replayed = 0;
    let tornLine = false;
    if (existsSync(this.snapshotFile)) {
      const snapshot = JSON.parse(readFileSync(this.snapshotFile, 'utf8')) as Snapshot;
      for (const [id, dump] of Object.entries(snapshot.sessions)) this.memory.replay(id, { op: 'load', dump });
    }
    if (existsSync(this.logFile)) {
      const lines = readFileSync(this.logFile, 'utf8').split('\n');
      for (const [i, line] of lines.entries()) {
        if (!line) continue;
        let entry: { s: string; m: Mutation };
        try {
          entry = JSON.parse(line) as { s: string; m: Mutation };
        } catch {
          // Only the last line can be torn (the process died mid-write); anything else is corruption.
          if (i >= lines.length - 2) {
            tornLine = true;
            break;
          }
          throw new Error(`${this.logFile}:${i + 1}: unreadable log line; the state folder is damaged`);
        }
        this.memory.replay(entry.s, entry.m);
        replayed++;
      }
    }
    this.replaying = false;
    this.fd = openSync(this.logFile, 'a');
    this.recovered = { sessions: Object.keys(this.memory.snapshot()).length, replayed, tornLine };
    // Start each run from a fresh snapshot, dropping the torn line if there was one.
    this.compact();
  }

  private log(session: string, m: Mutation): void {
    if (this.replaying) return;
    // writeSync: the change reaches the operating system before the call that made it is answered,
    // so a killed process (kill -9) loses no acknowledged write.
    writeSync(this.fd, JSON.stringify({ s: session, m }) + '\n');
    if (++this.logged >= (this.options.compactEvery ?? 20_000)) this.compact();
  }

  /** Writes every session to the snapshot (atomically: temp file, fsync, rename), then empties the log. */
  compact(): void {
    const tmp = `${this.snapshotFile}.tmp`;
    const snapshot: Snapshot = { version: 1, sessions: this.memory.snapshot() };
    writeFileSync(tmp, JSON.stringify(snapshot));
    const tfd = openSync(tmp, 'r+');
    fsyncSync(tfd);
    closeSync(tfd);
    renameSync(tmp, this.snapshotFile);
    ftruncateSync(this.fd, 0);
    this.logged = 0;
  }

  /** Flushes to disk and closes the log (graceful shutdown). */
  close(): void {
    this.compact();
    fsyncSync(this.fd);
    closeSync(this.fd);
  }

  open(id: string): OpenResult {
    return this.memory.open(id);
  }
  session(id: string): SessionStore {
    return this.memory.session(id);
  }
  sessionIds(): Promise<string[]> {
    return this.memory.sessionIds();
  }
  clear(): Promise<void> {
    return this.memory.clear();
  }
}
