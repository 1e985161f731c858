/** Appending whole lines to a log file (state.log, the journal): a write cut short is cut back off, so the file always ends with a complete line. */
import { fstatSync, ftruncateSync, writeSync } from 'node:fs';

/** A write that did not land whole: which file, what went wrong, since when (GET /__mock/health). */
export interface PersistenceFailure {
  file: string;
  error: string;
  /** When the first of the failing writes in a row failed (ISO time). */
  since: string;
}

export type AppendOutcome = { ok: true } | { ok: false; error: string };

/** The write itself (writeSync; tests inject one that writes part of the text). Returns the bytes written. */
export type WriteLine = (fd: number, text: string) => number;

export interface LineAppenderOptions {
  write?: WriteLine;
  /** Told once when writes start failing and once when they succeed again (not per write). */
  log?: (message: string) => void;
}

const OK: AppendOutcome = { ok: true };

/**
 * Appends lines to a file opened for appending. Each line goes out in one write; when the write throws
 * (ENOSPC, EIO, ...) or writes fewer bytes than the line has, the file is truncated back to the end of
 * the last complete line and the append answers `ok: false`: the caller must not apply the change the line
 * stands for. If even the cut fails, every later append first tries the cut again and fails until it works,
 * so nothing is ever written after a partial line.
 */
export class LineAppender {
  /** Bytes of complete lines: where the file is cut back to. */
  private size: number;
  /** A partial line may stand past `size` (the cut failed). */
  private torn = false;
  private failing: PersistenceFailure | undefined;
  private readonly write: WriteLine;

  constructor(
    readonly file: string,
    private fd: number,
    private readonly options: LineAppenderOptions = {},
  ) {
    this.write = options.write ?? ((f, text) => writeSync(f, text));
    this.size = fstatSync(fd).size;
  }

  /** The failure of the last append, until one succeeds again. */
  get failure(): PersistenceFailure | undefined {
    return this.failing;
  }

  /** Appends `text` (one or more lines, ending with a newline; `bytes` its UTF-8 length when known) whole, or not at all. */
  append(text: string, bytes = Buffer.byteLength(text)): AppendOutcome {
    if (this.torn && !this.cut()) return this.failed(`a partial line at the end of ${this.file} could not be cut off`);
    let written: number;
    try {
      written = this.write(this.fd, text);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      // Cut all the same: the file's end is then known whatever the write left.
      const problem = `could not append to ${this.file} (${err.code ?? err.message})`;
      return this.failed(this.cut() ? problem : `${problem}, and its partial line could not be cut off`);
    }
    if (written === bytes) {
      this.size += bytes;
      if (this.failing) {
        this.options.log?.(`contract-mock: ${this.file} is written again (it was failing since ${this.failing.since})`);
        this.failing = undefined;
      }
      return OK;
    }
    const problem = `only ${written} of ${bytes} bytes reached ${this.file} (is the disk full?)`;
    return this.failed(
      this.cut()
        ? `${problem}; cut back to its last complete line`
        : `${problem}, and the partial line could not be cut off`,
    );
  }

  /** The file was emptied or replaced (compaction, rotation): appends go to `fd`, which holds `size` bytes. */
  reset(fd: number, size = 0): void {
    this.fd = fd;
    this.size = size;
    this.torn = false;
  }

  /** Truncates the file back to its last complete line; false if it could not. */
  private cut(): boolean {
    try {
      ftruncateSync(this.fd, this.size);
      this.torn = false;
      return true;
    } catch {
      this.torn = true;
      return false;
    }
  }

  private failed(error: string): AppendOutcome {
    if (!this.failing)
      this.options.log?.(
        `contract-mock: ${error}; calls that would write to it are answered store-unavailable until a write succeeds (GET /__mock/health says degraded meanwhile)`,
      );
    this.failing = { file: this.file, error, since: this.failing?.since ?? new Date().toISOString() };
    return { ok: false, error };
  }
}
