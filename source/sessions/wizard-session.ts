import { UsageError } from '../core/errors.js';
import type { ChosenContainer, ContainerRow, DatabaseOverrides, InterruptedRunRow, EngineInfo, PlanPreview, Prefetched, TargetChoice, WizardBackend } from '../core/wizard-backend.js';
import type { Engine, EngineClient } from '../docker/engine.js';
import { enginePeek, type EnginePeek, type EngineVersion } from '../docker/engine-peek.js';
import { resolveEngines, type EngineTarget } from '../docker/engine-resolve.js';
import type { Selection } from '../docker/discovery.js';
import { interruptedRunFiles } from '../core/journal/read-journal.js';
import { stateDir } from '../core/journal/state-dir.js';
import type { UpgradeRequest } from './upgrade-session.js';
import { detailsAcross, engineInfo, listAcross, selectionOf, type ListedByEngine } from './wizard-engines.js';

// The interactive wizard's backend: the same discovery, planning and executor
// as --yes, shaped for screens. Views get plain rows and lines, never engine objects.
// Every engine given (--host/--context) is connected at once and listed; the
// chosen containers run as one cluster through planCluster and executeCluster.
// Only what the first screens need is imported here: the planner, the executor
// and the registry client come by import() when a later screen asks for them,
// so they are not parsed before the first frame. So does dockerode (engine.ts)
// for an engine on a socket or plain tcp: the first frame's version and list
// are asked with node:http (engine-peek.ts), and the connection made from the
// version the peek got, without asking again.

/** An engine the peek asked, and its answer once it came. */
interface Peeked {
	target: EngineTarget;
	peek: EnginePeek;
	version?: EngineVersion;
}

export interface WizardSessionOptions {
	selection: Selection;
	to?: string;
	request: Omit<UpgradeRequest, 'selection' | 'to' | 'dryRun' | 'unattended'>;
	env?: NodeJS.ProcessEnv;
}

export class WizardSession implements WizardBackend {
	private engines?: Promise<Engine[]>;
	private readonly env: NodeJS.ProcessEnv;
	/** The first list, asked before the screens are loaded (prefetch). */
	private early?: Promise<ContainerRow[]>;
	/** What the prefetch's answers were, once they came: the first frame can show them. */
	private settled: Prefetched = {};
	private answered: Promise<void> = Promise.resolve();
	private listed: ListedByEngine = new Map();

	constructor(private readonly options: WizardSessionOptions) {
		this.env = options.env ?? process.env;
	}

	/** The peek's engines, every one of which said its version: the connection needs no round trip of its own. */
	private peeked?: Peeked[];

	private connected(clients?: EngineClient[]): Promise<Engine[]> {
		// One connection per engine for the session; a failed one is tried again on the next call (retry).
		this.engines ??= import('../docker/engine.js')
			.then(({ connectEngines, dockerFor, engineOf }) => {
				const peeked = this.peeked?.every((each) => each.version) ? this.peeked : undefined;
				this.peeked = undefined;
				if (peeked) return peeked.map(({ target, version }) => engineOf({ target, docker: dockerFor(target) }, version!));
				return connectEngines(this.env, this.options.request.engines, clients);
			})
			.catch((error: unknown) => {
				this.engines = undefined;
				throw error;
			});
		return this.engines;
	}

	/**
	 * Ask the engines before the screens are loaded: the versions and the lists go out
	 * together and are answered while Ink is still being parsed. An engine the peek
	 * cannot ask (TLS, ssh) has every engine asked through dockerode, as before.
	 */
	prefetch(): void {
		let targets: EngineTarget[];
		try {
			targets = resolveEngines(this.options.request.engines ?? [], this.env);
		} catch {
			return; // a bad DOCKER_HOST: the Engine screen says so, as without a prefetch
		}
		const peeks = targets.map((target) => ({ target, peek: enginePeek(target) }));
		if (peeks.every((each): each is Peeked => each.peek !== undefined)) {
			this.peekAll(peeks);
			return;
		}
		// A client that cannot be made (a TLS file unreadable): the Engine screen says so, as without a prefetch.
		this.answered = import('../docker/engine.js')
			.then(({ engineClients }) => this.prefetchThrough(engineClients(this.env, this.options.request.engines)))
			.catch(() => undefined);
	}

	/** The prefetch over node:http: the versions, the interrupted runs of those endpoints, the lists. */
	private peekAll(peeked: Peeked[]): void {
		this.peeked = peeked;
		const versions = Promise.all(peeked.map(async (each) => (each.version = await each.peek.version())));
		const runs = versions.then(() => {
			this.settled.engine = engineInfo(peeked.map(({ target, version }) => ({ name: target.name, endpoint: target.endpoint, engineVersion: version!.Version, apiVersion: version!.ApiVersion })));
			return this.runsOn(peeked.map(({ target }) => target.endpoint)).then((found) => (this.settled.interruptedRuns = found));
		});
		this.answerWith(runs, peeked.map(({ peek, target }) => ({ docker: peek, name: target.name })));
	}

	/** The prefetch through dockerode, for engines the peek cannot ask. */
	private prefetchThrough(clients: EngineClient[]): Promise<void> {
		const runs = this.connected(clients).then((engines) => {
			this.settled.engine = engineInfo(engines);
			return this.interruptedRuns().then((found) => (this.settled.interruptedRuns = found));
		});
		return this.answerWith(runs, clients.map(({ docker, target }) => ({ docker, name: target.name })));
	}

	private answerWith(runs: Promise<unknown>, listers: Parameters<typeof listAcross>[0]): Promise<void> {
		const ignore = () => undefined;
		const early = this.list(listers);
		const rows = early.then((found) => (this.settled.containers = found));
		this.early = early;
		this.answered = Promise.all([runs, rows]).then(ignore, ignore);
		return this.answered;
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
		return engineInfo(await this.connected());
	}

	private async list(clients: Parameters<typeof listAcross>[0]): Promise<ContainerRow[]> {
		const { rows, listed } = await listAcross(clients, this.options.selection, this.options.request.profiles);
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
		return this.list(await this.connected());
	}

	async containerDetails(rows: ContainerRow[]): Promise<ContainerRow[]> {
		return detailsAcross(await this.connected(), rows, this.listed, this.options.selection, this.options.request.profiles);
	}

	async targets(containers: ChosenContainer[]): Promise<TargetChoice> {
		const { targetChoice } = await import('./wizard-targets.js');
		return targetChoice(await selectionOf(await this.connected(), containers), this.options, this.env);
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

	async preview(containers: ChosenContainer[], tag: string, overrides?: DatabaseOverrides): Promise<PlanPreview> {
		const { previewPlan } = await import('./wizard-preview.js');
		return previewPlan(await selectionOf(await this.connected(), containers), this.request(tag, overrides), this.env);
	}

	async interruptedRuns(): Promise<InterruptedRunRow[]> {
		const engines = await this.connected();
		return this.runsOn(engines.map((engine) => engine.endpoint));
	}

	private async runsOn(endpoints: string[]): Promise<InterruptedRunRow[]> {
		// Nearly always none: the recovery code (and the connection) is loaded only when there is one to describe.
		const found = await Promise.all(endpoints.map((endpoint) => interruptedRunFiles(stateDir(this.env), endpoint)));
		if (found.every((runs) => runs.length === 0)) return [];
		const { describeInterrupted } = await import('./recover-session.js');
		return describeInterrupted(this.env, await this.connected());
	}

	async recover(runId: string, io: Parameters<WizardBackend['recover']>[1]) {
		const { recoverRuns } = await import('./recover-session.js');
		return recoverRuns({ runId, dryRun: false }, { ...io, env: this.env }, await this.connected());
	}

	async run(containers: ChosenContainer[], tag: string, io: Parameters<WizardBackend['run']>[2], overrides?: DatabaseOverrides) {
		const request = this.request(tag, overrides);
		const groups = await selectionOf(await this.connected(), containers);
		// The same executor core as --yes: a lock on each engine, one plan, one journal.
		const { executeCluster } = await import('./upgrade-session.js');
		return executeCluster(groups, { ...request, argv: ['(interactive)'] }, { ...io, env: this.env });
	}
}
