/** Reads a running mock's `GET /__mock/events` stream for a session into text, for tests that check what it carried. */
export interface EventStream {
  /** Everything received so far. */
  readonly text: string;
  close(): void;
}

export async function openEventStream(base: string, session: string): Promise<EventStream> {
  const controller = new AbortController();
  const res = await fetch(`${base}/__mock/events?session=${encodeURIComponent(session)}`, {
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  const stream = { text: '', close: () => controller.abort() };
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      stream.text += new TextDecoder().decode(value);
    }
  })();
  return stream;
}
