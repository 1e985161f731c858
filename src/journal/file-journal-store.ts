/**
 * The journal in memory with its NDJSON file (`--journal FILE`, or `journal.ndjson` under `--state`): each record is
 * written to the file (synchronously, whole lines or nothing) before memory keeps it, the file rotated at a size, and
 * read back backwards at start (serve --state). Reads are memory's (memory-journal-store.ts, its index); what a
 * record keeps is journal-rules.ts's. Knows nothing of HTTP.
 */
import {
  closeSync,
  existsSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
} from 'node:fs';
import { join, parse } from 'node:path';
import { exactJson } from '../contract/exact-json.js';
import { LineAppender, type AppendOutcome, type PersistenceFailure, type WriteLine } from '../state/append-line.js';
import { StoreUnavailableError } from '../state/store.js';
import type { CallFilter, CallRecord } from './call-record.js';
import { DEFAULT_RECORD_BYTES, unsettledLine, type DeliveriesLine } from './journal-rules.js';
import type { JournalStore, JournalStoreStats } from './journal-store.js';
import type { MemoryJournalStore } from './memory-journal-store.js';

export interface JournalFileOptions {
  file: string;
  /** Rotate the file when it would pass this size: FILE → FILE's `.1` (`journal.1.ndjson`), ... */
  rotateBytes?: number;
  /** Rotated files kept besides the current one. */
  keepFiles?: number;
  /** Told once when the file stops taking records (a full disk) and once when it takes them again. */
  log?: (message: string) => void;
  /** The file's write (tests inject one that fails part-way). */
  write?: WriteLine;
  /** What a restore reads back at most: the caps' records and bytes, and the longest record. */
  maxTotal: number;
  maxBytes?: number;
  maxRecordBytes?: number;
}

/** Lines read back at most per chunk of a file read backwards. */
const CHUNK = 1024 * 1024;

export class FileJournalStore implements JournalStore {
  private fd?: number;
  private fileBytes = 0;
  private fileError?: Error;
  private fileErrorSince?: string;
  /** Cuts a record that did not reach the file whole back off it (a full disk), so it never ends mid-line. */
  private appender?: LineAppender;
  /** The file ends with a line torn by a crash: the next write ends it first. */
  private unended = false;
  /** Records read back from the file at start (a restarted `serve --state`), and lines that could not be read. */
  restored = 0;
  private unreadable = 0;

  constructor(
    private readonly memory: MemoryJournalStore,
    private readonly options: JournalFileOptions,
    restore = false,
  ) {
    if (!restore) this.openFile();
  }

  /** A store that first reads its file's records back (streaming, newest kept within the caps), then appends to it. */
  static async open(memory: MemoryJournalStore, options: JournalFileOptions): Promise<FileJournalStore> {
    const store = new FileJournalStore(memory, options, true);
    await store.restore();
    store.openFile();
    return store;
  }

  /** Records are masked before they are written, unless the file could not be opened (memory alone then). */
  get keepsRaw(): boolean {
    return this.fd === undefined;
  }

  add(record: CallRecord, text: string, masked: boolean): void {
    if (this.fd !== undefined) {
      // Not stored unless written: an answered call is in the file (the call is answered store-unavailable instead).
      const written = this.write(text + '\n');
      if (!written.ok) throw new StoreUnavailableError(`${written.error}; the call's record was not journaled`);
    }
    this.memory.add(record, text, masked);
  }

  /** The outcomes get a line of their own, merged back on restore. */
  addDeliveries(line: DeliveriesLine): CallRecord | undefined {
    // The call was answered already: a line that cannot be written leaves the outcomes in memory only (health says degraded).
    this.write(exactJson.stringify(line) + '\n');
    return this.memory.addDeliveries(line);
  }

  query(session: string, filter: CallFilter): CallRecord[] {
    return this.memory.query(session, filter);
  }

  clear(session: string): number {
    return this.memory.clear(session);
  }

  lost(session: string): number {
    return this.memory.lost(session);
  }

  stats(): JournalStoreStats {
    return {
      ...this.memory.stats(),
      file: this.options.file,
      ...((this.fileError || this.appender?.failure) && {
        fileError: this.fileError?.message ?? this.appender!.failure!.error,
      }),
      ...(this.restored && { restored: this.restored }),
      ...(this.unreadable && { unreadableLines: this.unreadable }),
    };
  }

  /** Why the file is not written (a failed append, until one succeeds; or a file that could not be opened or rotated). */
  persistence(): PersistenceFailure | undefined {
    if (this.appender?.failure) return this.appender.failure;
    if (this.fileError)
      return {
        file: this.options.file,
        error: this.fileError.message,
        since: (this.fileErrorSince ??= new Date().toISOString()),
      };
    return undefined;
  }

  /** Flushes the file to disk and closes it. */
  close(): Promise<void> {
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    }
    return Promise.resolve();
  }

  /** The current file and its rotated predecessors, oldest first. */
  private files(): string[] {
    const file = this.options.file;
    const { dir, name, ext } = parse(file);
    const keep = this.options.keepFiles ?? 0;
    const rotated = Array.from({ length: keep }, (_, i) => join(dir, `${name}.${keep - i}${ext}`));
    return [...rotated, file];
  }

  private openFile(): void {
    const file = this.options.file;
    try {
      this.fd = openSync(file, 'a', 0o600);
      fchmodSync(this.fd, 0o600);
      this.fileBytes = fstatSync(this.fd).size;
      this.appender = new LineAppender(file, this.fd, { log: this.options.log, write: this.options.write });
      // A crash mid-write leaves a line without its newline: the next write ends it, so its record starts a line of its own.
      if (this.fileBytes > 0) {
        const last = Buffer.alloc(1);
        const rfd = openSync(file, 'r');
        readSync(rfd, last, 0, 1, this.fileBytes - 1);
        closeSync(rfd);
        this.unended = last[0] !== 0x0a;
      }
    } catch (e) {
      this.fileError = e as Error;
      this.fd = undefined;
    }
  }

  /** Appends whole lines or nothing (a line cut short by a full disk is cut back off the file). */
  private write(text: string): AppendOutcome {
    if (this.fd === undefined) return { ok: true };
    try {
      const bytes = Buffer.byteLength(text);
      const limit = this.options.rotateBytes;
      if (limit && this.fileBytes > 0 && this.fileBytes + bytes > limit) this.rotate();
      const line = this.unended ? '\n' + text : text;
      // Synchronous, so a record is in the file as soon as it exists (kill -9 loses nothing after it).
      const written = this.appender!.append(line, line === text ? bytes : bytes + 1);
      if (!written.ok) return written;
      this.unended = false;
      this.fileBytes += line === text ? bytes : bytes + 1;
      return written;
    } catch (e) {
      this.fileError = e as Error;
      return { ok: false, error: `could not rotate ${this.options.file} (${(e as Error).message})` };
    }
  }

  /** FILE.(k) → FILE.(k+1), FILE → FILE.1, the oldest beyond keepFiles removed; a fresh FILE. */
  private rotate(): void {
    const file = this.options.file;
    closeSync(this.fd!);
    this.fd = undefined;
    const files = this.files();
    if (files.length === 1) unlinkSync(file);
    else {
      if (existsSync(files[0]!)) unlinkSync(files[0]!);
      for (let i = 1; i < files.length; i++) if (existsSync(files[i]!)) renameSync(files[i]!, files[i - 1]!);
    }
    this.fd = openSync(file, 'a', 0o600);
    this.appender!.reset(this.fd, 0);
    this.unended = false;
    this.fileBytes = 0;
  }

  /**
   * Reads records back: the files are read backwards in chunks, newest first, until the lines kept
   * would pass maxTotal records or maxBytes (older ones would be evicted at once), then stored oldest
   * first. Never one string for a file, and a 1 GB folder costs what the caps keep, not what it holds.
   * A line that cannot be read (torn by a crash, or longer than any record) is skipped and counted.
   */
  private async restore(): Promise<void> {
    const lines = this.newestLines();
    for (let i = lines.length - 1; i >= 0; i--) this.restoreLine(lines[i]!);
    // Deliveries that were still running when the process stopped: their outcome was never learnt.
    for (const record of this.memory.unsettled()) this.memory.merge(unsettledLine(record), false);
  }

  /** The files' last lines, newest first, as many as the caps keep. */
  private newestLines(): string[] {
    const maxBytes = this.options.maxBytes ?? Infinity;
    const maxRecords = this.options.maxTotal;
    const lines: string[] = [];
    let bytes = 0;
    let records = 0;
    const keep = (buf: Buffer, from: number, to: number): boolean => {
      if (to <= from) return true;
      const line = buf.toString('utf8', from, to);
      lines.push(line);
      bytes += to - from;
      if (!line.startsWith('{"deliveriesOf"')) records++;
      return records < maxRecords && bytes < maxBytes;
    };
    const files = this.files().filter((f) => existsSync(f));
    for (let f = files.length - 1; f >= 0; f--) if (!this.readBackwards(files[f]!, keep)) break;
    return lines;
  }

  /** Hands the file's lines to `keep`, last first, until it says stop (false: then this returns false too). */
  private readBackwards(file: string, keep: (buf: Buffer, from: number, to: number) => boolean): boolean {
    const longest = 2 * (this.options.maxRecordBytes ?? DEFAULT_RECORD_BYTES) + 4096;
    const fd = openSync(file, 'r');
    try {
      let pos = fstatSync(fd).size;
      let carry = Buffer.alloc(0);
      let skipping = false;
      while (pos > 0) {
        const len = Math.min(CHUNK, pos);
        pos -= len;
        const chunk = Buffer.allocUnsafe(len);
        readSync(fd, chunk, 0, len, pos);
        const buf = carry.length ? Buffer.concat([chunk, carry]) : chunk;
        let end = buf.length;
        for (let i = buf.lastIndexOf(0x0a, end - 1); i !== -1; i = end > 0 ? buf.lastIndexOf(0x0a, end - 1) : -1) {
          if (skipping) {
            skipping = false;
            this.unreadable++;
          } else if (!keep(buf, i + 1, end)) return false;
          end = i;
        }
        carry = Buffer.from(buf.subarray(0, end));
        if (carry.length > longest) {
          // Longer than any record can be (a run of garbage): drop it up to the next line.
          carry = Buffer.alloc(0);
          skipping = true;
        }
      }
      if (skipping) this.unreadable++;
      else if (!keep(carry, 0, carry.length)) return false;
      return true;
    } finally {
      closeSync(fd);
    }
  }

  private restoreLine(line: string): void {
    let parsed: unknown;
    try {
      parsed = exactJson.parse(line);
    } catch {
      this.unreadable++;
      return;
    }
    if (!parsed || typeof parsed !== 'object') return void this.unreadable++;
    const p = parsed as Partial<CallRecord> & Partial<DeliveriesLine>;
    if (typeof p.deliveriesOf === 'string') {
      this.memory.merge(p as DeliveriesLine, false);
      return;
    }
    if (
      typeof p.id !== 'string' ||
      typeof p.session !== 'string' ||
      typeof p.time !== 'string' ||
      !Array.isArray(p.violations) ||
      !Array.isArray(p.deliveries)
    ) {
      this.unreadable++;
      return;
    }
    this.memory.add(p as CallRecord, line, true);
    this.restored++;
  }
}
