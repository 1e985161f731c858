/**
 * Live call records across instances: every instance publishes the records it journals on one Redis
 * channel and fans the channel out to its own `/__mock/events` listeners, so a stream on any
 * instance shows the calls all of them answer. One subscriber connection, opened for the first listener.
 */
import { exactJson } from '../contract/exact-json.js';
import type { CallRecord } from './call-record.js';
import type { EventBus, JournalListener } from './journal.js';
import { RedisConnection } from '../state/redis-connection.js';

export class RedisEventBus implements EventBus {
  readonly channel: string;
  private readonly listeners = new Set<JournalListener>();
  private subscriber: RedisConnection | undefined;
  private subscribing: Promise<unknown> = Promise.resolve();

  constructor(private readonly connection: RedisConnection) {
    this.channel = `{${connection.options.prefix}}:events`;
  }

  subscribe(listener: JournalListener): () => void {
    this.listeners.add(listener);
    if (!this.subscriber) {
      this.subscriber = new RedisConnection(this.connection.options, true);
      this.subscriber.client.on('message', (_channel: string, text: string) => {
        let record: CallRecord;
        try {
          record = exactJson.parse(text) as CallRecord;
        } catch {
          return;
        }
        for (const l of this.listeners) l(record);
      });
      this.subscribing = this.subscriber.client.subscribe(this.channel).catch(() => undefined);
    }
    return () => this.listeners.delete(listener);
  }

  /** Resolves once Redis has confirmed the subscription (records published after it reach the listeners). */
  async listening(): Promise<void> {
    await this.subscribing;
  }

  async close(): Promise<void> {
    await this.subscriber?.close();
    this.subscriber = undefined;
  }
}
