/**
 * Pact provider states: names, for one recorded call, what the session's state had to hold for the answer
 * the client saw, each with the `POST /__mock/state` records that set it up (its params). The rules are each
 * API's own (src/apis/<api>/pact-states.ts); this reads the calls of a flow in order through them, and puts a
 * placeholder wherever a masked value appears in a state. Knows nothing of the pact file's format.
 */
import type { CallRecord } from '../journal/call-record.js';
import type { ApiModule } from '../apis/api-module.js';
import type { Placeholder, ProviderState, ProviderStateRules } from '../apis/provider-states.js';

export type { Placeholder, ProviderState } from '../apis/provider-states.js';

/** One API's states through a pact (it remembers what earlier calls wrote); an API without rules needs none. */
export class ProviderStates {
  private readonly rules: ProviderStateRules | undefined;

  constructor(
    private readonly placeholder: Placeholder,
    module: ApiModule | undefined,
  ) {
    this.rules = module?.providerStates?.();
  }

  /** The states `call` needed, then remembers what it wrote. A masked value anywhere in a state's records becomes its placeholder. */
  of(call: CallRecord): ProviderState[] {
    if (!this.rules) return [];
    const states = this.rules
      .needed(call, this.placeholder)
      .map((s) => ({ name: s.name, params: this.unmasked(s.params, '') as ProviderState['params'] }));
    this.rules.remember(call);
    return states;
  }

  private unmasked(value: unknown, field: string): unknown {
    if (typeof value === 'string') return this.placeholder(value, field);
    if (Array.isArray(value)) return value.map((v) => this.unmasked(v, field));
    if (typeof value === 'object' && value !== null)
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.unmasked(v, k)]));
    return value;
  }
}
