/**
 * The scenarios available to the mock, by name. Loaded once at start-up and kept current by
 * watching the folders: an edit takes effect without a restart; an invalid edit keeps the old
 * version and logs why.
 */
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { DebouncedWatcher } from './debounced-watcher.js';
import { basename, dirname, join, relative } from 'node:path';
import type { ApiModule } from '../apis/api-module.js';
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName } from '../contract/types.js';
import { loadScenarios, parseScenario, type ScenarioProblem } from './load-scenarios.js';
import type { Scenario } from './scenario.js';

export const formatProblem = (p: ScenarioProblem): string => `${p.file}:${p.line} ${p.message}`;

export class ScenarioRegistry extends EventEmitter {
  private scenarios: Map<string, Scenario>;
  readonly problems: ScenarioProblem[];
  private readonly watcher = new DebouncedWatcher((file) => this.reloadFile(file));

  constructor(
    private readonly dirs: string[],
    private readonly contract: Contract,
    private readonly modules: Map<ApiName, ApiModule>,
    private readonly log: (message: string) => void,
  ) {
    super();
    const loaded = loadScenarios(dirs, contract, modules);
    this.scenarios = loaded.scenarios;
    this.problems = loaded.problems;
    for (const p of loaded.problems) log(`contract-mock: scenario not loaded: ${formatProblem(p)}`);
  }

  get(name: string): Scenario | undefined {
    return this.scenarios.get(name);
  }

  list(): Scenario[] {
    return [...this.scenarios.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * A scenario file as the admin API shows it: relative to the folder it was loaded from, under that folder's
   * own name (`scenarios/flaky.yaml`), so no answer reveals where the package or a project is installed.
   */
  shownFile(file: string): string {
    const dir = this.dirs.find((d) => !relative(d, file).startsWith('..')) ?? dirname(file);
    return join(basename(dir), relative(dir, file));
  }

  names(): string[] {
    return this.list().map((s) => s.name);
  }

  /** Re-reads one file: valid → replaces the scenario ('reload'); invalid → keeps the old one ('invalid'); gone → removes it ('removed'). */
  reloadFile(file: string): void {
    const name = basename(file).replace(/\.ya?ml$/, '');
    if (!existsSync(file)) {
      if (this.scenarios.get(name)?.file === file) {
        this.scenarios.delete(name);
        this.log(`contract-mock: scenario ${name} removed (${file} is gone)`);
        this.emit('removed', name);
      }
      return;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      this.log(`contract-mock: cannot read ${file}: ${(e as Error).message}`);
      return;
    }
    const { scenario, problems } = parseScenario(
      file,
      text,
      this.contract,
      this.modules,
      (taken) => this.scenarios.get(taken)?.file,
    );
    if (!scenario) {
      // Only this file's own earlier version is kept: a new file (or one whose name another file holds) is simply not loaded.
      const kept = this.scenarios.get(name)?.file === file ? 'keeping the previous version' : 'not loaded';
      this.log(`contract-mock: invalid edit to ${file}, ${kept}:\n  ${problems.map(formatProblem).join('\n  ')}`);
      this.emit('invalid', name, problems);
      return;
    }
    this.scenarios.set(scenario.name, scenario);
    this.log(`contract-mock: scenario ${scenario.name} reloaded from ${file}`);
    this.emit('reload', scenario.name);
  }

  /** Starts watching the folders for edits (debounced per file). */
  watch(): this {
    for (const dir of this.dirs) if (existsSync(dir)) this.watcher.watch(dir, (name) => /\.ya?ml$/.test(name));
    return this;
  }

  close(): void {
    this.watcher.close();
  }
}
