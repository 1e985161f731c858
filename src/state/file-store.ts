/**
 * Durable state for `serve --state DIR`: the in-memory store, plus an append-only log of every
 * change (`state.log`, one JSON line each, written before the change is applied and acknowledged) and periodic
 * compaction into a snapshot (`state.json`). A line that cannot be written whole (a full disk) is cut back off,
 * the change is not applied and the call is answered store-unavailable. Opening replays snapshot then log; a
 * torn last line (a crash mid-write) is cut off. Replays are idempotent, so a crash during compaction loses nothing.
 * The folder is 0700 and its files 0600 (they hold app secrets and passwords). A damaged file stops
 * start-up with a StateFileError naming the file and line and saying how to recover.
 */
import { exactJson } from '../contract/exact-json.js';
import {
  chmodSync,
  closeSync,
  existsSync,
  fchmodSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { LineAppender, type PersistenceFailure, type WriteLine } from './append-line.js';
import { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
import {
  StoreUnavailableError,
  type Mutation,
  type OpenResult,
  type SessionDump,
  type SessionStats,
  type SessionStore,
  type Store,
} from './store.js';

export interface FileStoreOptions extends Omit<MemoryStoreOptions, 'onMutation'> {
  dir: string;
  /** Compact after this many logged changes (default 20,000). */
  compactEvery?: number;
  /** The log's write (tests inject one that fails part-way). */
  write?: WriteLine;
}

interface Snapshot {
  version: 1;
  sessions: Record<string, SessionDump>;
}

/** A state file that cannot be read: which file, which line, and what to do. */
export class StateFileError extends Error {
  constructor(file: string, line: number, problem: string, recovery: string) {
    super(`${file}:${line}: ${problem}. ${recovery}`);
    this.name = 'StateFileError';
  }
}

/** The line of a character offset in `text` (JSON.parse reports positions; people read lines). */
function lineAt(text: string, position: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function validDump(v: unknown): v is SessionDump {
  return (
    isObject(v) &&
    isObject(v['collections']) &&
    Object.values(v['collections']).every(isObject) &&
    isObject(v['counters']) &&
    typeof v['clockOffsetMs'] === 'number'
  );
}

const MUTATIONS = new Set(['put', 'del', 'seq', 'clock', 'reset', 'load', 'drop']);

function validEntry(v: unknown): v is { s: string; m: Mutation } {
  if (!isObject(v) || typeof v['s'] !== 'string' || !isObject(v['m'])) return false;
  const m = v['m'];
  if (!MUTATIONS.has(m['op'] as string)) return false;
  if ((m['op'] === 'put' || m['op'] === 'del') && (typeof m['c'] !== 'string' || typeof m['k'] !== 'string'))
    return false;
  if (m['op'] === 'seq' && (typeof m['name'] !== 'string' || typeof m['value'] !== 'number')) return false;
  if (m['op'] === 'clock' && typeof m['offsetMs'] !== 'number') return false;
  if (m['op'] === 'load' && !validDump(m['dump'])) return false;
  return true;
}

export class FileStore implements Store {
  private readonly memory: MemoryStore;
  private fd: number;
  private readonly appender: LineAppender;
  private logged = 0;
  private replaying = false;
  /** Why the last compaction could not write a snapshot (the log is kept instead), if it failed. */
  compactionError: string | undefined;
  readonly logFile: string;
  readonly snapshotFile: string;
  /** What opening found: sessions restored and log lines replayed (and a torn last line, if any). */
  readonly recovered: { sessions: number; replayed: number; tornLine: boolean };

  constructor(private readonly options: FileStoreOptions) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    chmodSync(options.dir, 0o700);
    this.logFile = join(options.dir, 'state.log');
    this.snapshotFile = join(options.dir, 'state.json');
    this.memory = new MemoryStore({ ...options, onMutation: (session, m) => this.log(session, m) });
    this.replaying = true;
    this.loadSnapshot();
    const { replayed, whole, logBytes } = this.replayLog();
    const tornLine = whole < logBytes;
    this.replaying = false;
    this.fd = openSync(this.logFile, 'a', 0o600);
    fchmodSync(this.fd, 0o600);
    if (tornLine) {
      // Cut now, not only by the compaction below (which a full disk can make fail): nothing is ever appended after a torn line.
      ftruncateSync(this.fd, whole);
      options.log?.(
        `contract-mock: ${this.logFile} ended with a torn line (${logBytes - whole} bytes: a write cut short by a crash or a full disk, never acknowledged); loaded the ${replayed} complete lines before it and cut it off`,
      );
    }
    this.appender = new LineAppender(this.logFile, this.fd, { write: options.write, log: options.log });
    this.recovered = { sessions: Object.keys(this.memory.snapshot()).length, replayed, tornLine };
    // Start each run from a fresh snapshot.
    this.compact();
  }

  /** What to do about a state file that stops start-up. */
  private recovery(file: string): string {
    return file === this.snapshotFile
      ? `Restore ${file} from a backup, or move it aside to start from state.log alone (changes since the last compaction), or start with an empty --state folder`
      : `Move ${file} aside to start from state.json (losing the changes since the last compaction), or start with an empty --state folder`;
  }

  /** Restores the sessions of state.json, if there is one; a file that is not a snapshot stops start-up. */
  private loadSnapshot(): void {
    if (existsSync(this.snapshotFile)) {
      const text = readFileSync(this.snapshotFile, 'utf8');
      let snapshot: unknown;
      try {
        snapshot = exactJson.parse(text);
      } catch (e) {
        const position = Number(/position (\d+)/.exec((e as Error).message)?.[1] ?? text.length);
        throw new StateFileError(
          this.snapshotFile,
          lineAt(text, position),
          `not valid JSON (${(e as Error).message})`,
          this.recovery(this.snapshotFile),
        );
      }
      if (!isObject(snapshot) || snapshot['version'] !== 1 || !isObject(snapshot['sessions'])) {
        throw new StateFileError(
          this.snapshotFile,
          1,
          'not a contract-mock snapshot (expected {"version": 1, "sessions": {...}})',
          this.recovery(this.snapshotFile),
        );
      }
      for (const [id, dump] of Object.entries(snapshot['sessions'])) {
        if (!validDump(dump))
          throw new StateFileError(
            this.snapshotFile,
            1,
            `session "${id}" is not a session dump ({collections, counters, clockOffsetMs})`,
            this.recovery(this.snapshotFile),
          );
        this.memory.replay(id, { op: 'load', dump });
      }
    }
  }

  /** Replays state.log's complete lines; only a torn last line (a write cut short) is tolerated. */
  private replayLog(): { replayed: number; whole: number; logBytes: number } {
    let replayed = 0;
    /** Bytes of the log's complete lines: a torn line past them is cut off. */
    let whole = 0;
    let logBytes = 0;
    if (existsSync(this.logFile)) {
      const buf = readFileSync(this.logFile);
      logBytes = buf.length;
      // Every line is written with its newline in one write: text after the last newline was never acknowledged.
      const lines = buf.toString('utf8', 0, buf.lastIndexOf(0x0a) + 1).split('\n');
      for (const [i, line] of lines.entries()) {
        if (!line) {
          // An empty line still counts its newline (the last element is what follows the last newline: nothing).
          if (i < lines.length - 1) whole++;
          continue;
        }
        let entry: unknown;
        try {
          entry = exactJson.parse(line);
        } catch {
          // Only the last line can be torn (the process died mid-write); anything else is corruption.
          if (i >= lines.length - 2) break;
          throw new StateFileError(
            this.logFile,
            i + 1,
            'not valid JSON, and not the last line (so not a write cut short by a crash)',
            this.recovery(this.logFile),
          );
        }
        if (!validEntry(entry))
          throw new StateFileError(
            this.logFile,
            i + 1,
            'not a state change ({"s": session, "m": {"op": ...}})',
            this.recovery(this.logFile),
          );
        this.memory.replay(entry.s, entry.m);
        replayed++;
        whole += Buffer.byteLength(line) + 1;
      }
    }
    return { replayed, whole, logBytes };
  }

  /**
   * Logs a change before it is applied (MemoryStore calls this first). A line that did not land whole is cut
   * back off and the change refused with StoreUnavailableError: the call is answered store-unavailable, and
   * nothing after it depends on a change the log does not hold.
   */
  private log(session: string, m: Mutation): void {
    if (this.replaying) return;
    // Compacting before this change is applied: the snapshot holds every change logged so far, and the log then starts with this one.
    if (this.logged >= (this.options.compactEvery ?? 20_000)) this.compact();
    // A synchronous write: the change reaches the operating system before the call that made it is answered,
    // so a killed process (kill -9) loses no acknowledged write.
    const written = this.appender.append(exactJson.stringify({ s: session, m }) + '\n');
    if (!written.ok) throw new StoreUnavailableError(`${written.error}; the change was not made`, 'not-applied');
    this.logged++;
  }

  /** Why the log cannot be written, until a write succeeds again (GET /__mock/health says degraded meanwhile). */
  persistence(): PersistenceFailure | undefined {
    return this.appender.failure;
  }

  /** Writes every session to the snapshot (atomically: temp file, fsync, rename), then empties the log. */
  compact(): void {
    const tmp = `${this.snapshotFile}.tmp`;
    let text: string;
    try {
      text = exactJson.stringify({ version: 1, sessions: this.memory.snapshot() } satisfies Snapshot);
    } catch (e) {
      // State that cannot be written whole (the admin and API limits keep it from being stored): keep the
      // log instead of the snapshot, so every write stays durable and start-up still replays it.
      this.compactionError = (e as Error).message;
      this.logged = 0;
      return;
    }
    try {
      writeFileSync(tmp, text, { mode: 0o600 });
      const tfd = openSync(tmp, 'r+');
      fchmodSync(tfd, 0o600);
      fsyncSync(tfd);
      closeSync(tfd);
      renameSync(tmp, this.snapshotFile);
    } catch (e) {
      // A full disk: the old snapshot and the whole log still hold every change; try again after compactEvery more.
      try {
        rmSync(tmp, { force: true });
      } catch {
        /* the next compaction overwrites it */
      }
      this.compactionError = `could not write ${this.snapshotFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); state.log is kept instead`;
      this.logged = 0;
      return;
    }
    this.compactionError = undefined;
    ftruncateSync(this.fd, 0);
    this.appender.reset(this.fd, 0);
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
  stats(): SessionStats {
    return this.memory.stats();
  }
}
