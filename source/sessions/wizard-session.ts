import type { ContainerInfo } from 'dockerode';
import { UsageError } from '../core/errors.js';
import type { ContainerRow, DatabaseOverrides, InterruptedRunRow, EngineInfo, PlanPreview, Prefetched, TargetChoice, WizardBackend } from '../core/wizard-backend.js';
import { connectEngine, engineClient, type Engine, type EngineClient } from '../docker/engine.js';
import type { Selection } from '../docker/discovery.js';
import { interruptedRunFiles } from '../core/journal/read-journal.js';
import { stateDir } from '../core/journal/state-dir.js';
import type { UpgradeRequest } from './upgrade-session.js';
import { detailRows, listRows } from './container-rows.js';

// The interactive wizard's backend: the same discovery, planning and executor
// as --yes, shaped for screens. Views get plain rows and lines, never engine objects.
// Only what the first screens need is imported here: the planner, the executor
// and the registry client come by import() when a later screen asks for them,
// so they are not parsed before the first frame.

export interface WizardSessionOptions {
	selection: Selection;
	to?: string;
	request: Omit<UpgradeRequest, 'selection' | 'to' | 'dryRun' | 'unattended'>;
	env?: NodeJS.ProcessEnv;
}

export class WizardSession implements WizardBackend {
	private engine?: Promise<Engine>;
	private readonly env: NodeJS.ProcessEnv;
	/** The first list, asked before the screens are loaded (prefetch). */
	private early?: Promise<ContainerRow[]>;
	/** What the prefetch's answers were, once they came: the first frame can show them. */
	private settled: Prefetched = {};
	private answered: Promise<void> = Promise.resolve();
	private listed = new Map<string, ContainerInfo>();

	constructor(private readonly options: WizardSessionOptions) {
		this.env = options.env ?? process.env;
	}

	private docker(client?: EngineClient): Promise<Engine> {
		// One connection for the session; a failed one is tried again on the next call (retry).
		this.engine ??= connectEngine(this.env, this.options.request.engines, client).catch((error: unknown) => {
			this.engine = undefined;
			throw error;
		});
		return this.engine;
	}

	/**
	 * Ask the engine before the screens are loaded: the version and the list go out
	 * together and are answered while Ink is still being parsed.
	 */
	prefetch(): void {
		let client: EngineClient;
		try {
			client = engineClient(this.env, this.options.request.engines);
		} catch {
			return; // a bad DOCKER_HOST: the Engine screen says so, as without a prefetch
		}
		const ignore = () => undefined;
		const runs = this.docker(client).then((engine) => {
			this.settled.engine = { name: engine.name, endpoint: engine.endpoint, engineVersion: engine.engineVersion, apiVersion: engine.apiVersion };
			return this.interruptedRuns().then((found) => (this.settled.interruptedRuns = found));
		});
		const early = listRows(client.docker, client.target.name, this.options.selection, this.options.request.profiles).then(({ rows, listed }) => {
			this.listed = listed;
			return rows;
		});
		const rows = early.then((found) => (this.settled.containers = found));
		this.early = early;
		this.answered = Promise.all([runs, rows]).then(ignore, ignore);
	}

	/** Until the prefetch is answered, at most `ms`: a frame that waits that long for the list need not be drawn twice. */
	async settle(ms: number): Promise<void> {
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([this.answered, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
		clearTimeout(timer);
	}

	/** The prefetch's answers that are in; taken once (a later list is asked anew). */
	prefetched(): Prefetched {
		const taken = this.settled;
		this.settled = {};
		if (taken.containers) this.early = undefined;
		return taken;
	}

	async connect(): Promise<EngineInfo> {
		const engine = await this.docker();
		return { name: engine.name, endpoint: engine.endpoint, engineVersion: engine.engineVersion, apiVersion: engine.apiVersion };
	}

	private async fetchRows(): Promise<ContainerRow[]> {
		const { docker, name } = await this.docker();
		const { rows, listed } = await listRows(docker, name, this.options.selection, this.options.request.profiles);
		this.listed = listed;
		return rows;
	}

	async listContainers(): Promise<ContainerRow[]> {
		const early = this.early;
		this.early = undefined;
		// A prefetch that failed (no engine yet) is not the answer to a retry.
		if (early) {
			const rows = await early.catch(() => undefined);
			if (rows) return rows;
		}
		return this.fetchRows();
	}

	async containerDetails(rows: ContainerRow[]): Promise<ContainerRow[]> {
		const { docker, name } = await this.docker();
		const wanted = new Map([...this.listed].filter(([id]) => rows.some((row) => row.id === id)));
		return detailRows(docker, name, wanted, this.options.selection, this.options.request.profiles);
	}

	async targets(containers: string[]): Promise<TargetChoice> {
		const { targetChoice } = await import('./wizard-targets.js');
		return targetChoice(await this.docker(), containers, this.options, this.env);
	}

	/** The request as the flags gave it, with the operator's answer to "no database found" on top. */
	private request(tag: string, overrides: DatabaseOverrides = {}): UpgradeRequest {
		const request: UpgradeRequest = { ...this.options.request, selection: { containers: [], labels: [] }, to: tag, dryRun: false, unattended: false };
		if (overrides.skipBackup) return { ...request, skipBackup: true, skipBackupBy: 'skipped on the no-database screen', db: undefined };
		if (overrides.db !== undefined) {
			// The same rule as --db: a typo'd scheme is refused here, not by pg later.
			if (!/^postgres(ql)?:\/\//.test(overrides.db)) throw new UsageError('the database URL must start with postgres:// or postgresql://');
			return { ...request, db: overrides.db, skipBackup: false };
		}
		return request;
	}

	async preview(containers: string[], tag: string, overrides?: DatabaseOverrides): Promise<PlanPreview> {
		const { previewPlan } = await import('./wizard-preview.js');
		return previewPlan(await this.docker(), containers, this.request(tag, overrides), this.env);
	}

	async interruptedRuns(): Promise<InterruptedRunRow[]> {
		const engine = await this.docker();
		// Nearly always none: the recovery code is loaded only when there is one to describe.
		if ((await interruptedRunFiles(stateDir(this.env), engine.endpoint)).length === 0) return [];
		const { describeInterrupted } = await import('./recover-session.js');
		return describeInterrupted(this.env, engine);
	}

	async recover(runId: string, io: Parameters<WizardBackend['recover']>[1]) {
		const { recoverRuns } = await import('./recover-session.js');
		return recoverRuns({ runId, dryRun: false }, { ...io, env: this.env }, await this.docker());
	}

	async run(containers: string[], tag: string, io: Parameters<WizardBackend['run']>[2], overrides?: DatabaseOverrides) {
		const request = this.request(tag, overrides);
		const engine = await this.docker();
		const { executeUpgrade } = await import('./upgrade-session.js');
		return executeUpgrade(engine, containers, { ...request, argv: ['(interactive)'] }, { ...io, env: this.env });
	}
}
