// Replaces what stands between two marker comments in a generated document section (README tables).
export function replaceBetween(text, start, end, body) {
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < 0) throw new Error(`the document lacks the markers ${start} … ${end}`);
  return text.slice(0, a + start.length) + '\n' + body + '\n' + text.slice(b);
}
