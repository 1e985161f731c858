/** Writes a file only its owner can read (0600): reports and recordings that may hold credentials. Knows nothing of their content. */
import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';

/**
 * Replaces FILE's content with TEXT, mode 0600 whether the file is new or was there before (an existing
 * file keeps its mode on open, so it is set on the descriptor before a byte is written).
 */
export function writePrivateFile(file: string, text: string): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600);
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
  } finally {
    closeSync(fd);
  }
}
