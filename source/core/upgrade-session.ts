import { ExitCode, UsageError } from './errors.js';
import type { EventListener, Prompter, RunEvent } from './events.js';
import { buildPlan, describePlan, type ImageAvailability, type Plan } from './plan.js';
import { Executor } from './executor.js';
import { Journal, newRunId } from './journal.js';
import { AuditLog } from './audit-log.js';
import { acquireEngineLock } from './lock.js';
import { Redactor } from './redact.js';
import { stateDir } from './state-dir.js';
import { connectEngine, type Engine } from '../docker/engine.js';
import { selectContainers, type Selection } from '../docker/discovery.js';
import { imageAvailability, registryAuthFor } from '../docker/image-source.js';

// One upgrade from selection to summary. The --yes reporters and the
// interactive front ends all come through here, so every mode runs the same
// preflight, plan and executor.

export interface UpgradeRequest {
	selection: Selection;
	to?: string;
	healthUrl?: string;
	healthTimeoutS: number;
	stableS: number;
	stopTimeoutS?: number;
	keepOld: boolean;
	dryRun: boolean;
	argv: string[];
}

export interface SessionIo {
	onEvent: EventListener;
	prompter: Prompter;
	signal?: AbortSignal;
	env?: NodeJS.ProcessEnv;
	/** For tests: how target images are found (default: local image store, else the registry). */
	availability?: ImageAvailability;
}

export async function runUpgrade(request: UpgradeRequest, io: SessionIo): Promise<number> {
	const env = io.env ?? process.env;
	const redactor = new Redactor();
	const emit = (event: RunEvent) => io.onEvent({ ...redactor.value(event), at: Date.now() });

	const engine = await connectEngine(env);
	if (!request.to) throw new UsageError('--to TAG is required: name the target tag of the same repository');
	const names = await selectContainers(engine.docker, request.selection);

	if (request.dryRun) {
		const plan = await planFor(engine, names, request, io, redactor);
		emit({ type: 'run-started', runId: 'dry-run', containers: names, dryRun: true });
		emit({ type: 'plan', lines: describePlan(plan) });
		emit({
			type: 'run-done',
			summary: {
				runId: 'dry-run',
				exitCode: ExitCode.ok,
				containers: plan.containers.map((container) => ({ container: container.name, from: container.from, to: container.to, result: 'dry-run' })),
			},
		});
		return ExitCode.ok;
	}

	const state = stateDir(env);
	// The lock is taken before preflight so the engine cannot change under a plan
	// another run is executing.
	const lock = await acquireEngineLock(state, engine.endpoint);
	try {
		const plan = await planFor(engine, names, request, io, redactor);
		const runId = newRunId();
		const journal = await Journal.create({ dir: state, runId, engine: engine.endpoint, argv: request.argv, redactor });
		const audit = await AuditLog.open(state, runId, redactor);
		const executor = new Executor({
			docker: engine.docker,
			journal,
			audit,
			prompter: io.prompter,
			redactor,
			authFor: (ref) => registryAuthFor(ref, env),
			onEvent: io.onEvent,
			signal: io.signal,
		});
		const summary = await executor.run(plan);
		return summary.exitCode;
	} finally {
		await lock.release();
	}
}

async function planFor(engine: Engine, names: string[], request: UpgradeRequest, io: SessionIo, redactor: Redactor): Promise<Plan> {
	const plan = await buildPlan(
		engine.docker,
		engine,
		names,
		{
			targetTag: request.to!,
			healthUrl: request.healthUrl,
			healthTimeoutS: request.healthTimeoutS,
			stableS: request.stableS,
			stopTimeoutS: request.stopTimeoutS,
			keepOld: request.keepOld,
		},
		io.availability ?? imageAvailability(engine.docker, io.env ?? process.env),
	);
	// Every secret the selected containers carry is known before the first event.
	for (const container of plan.containers) redactor.addEnv(container.inspect.Config.Env);
	return plan;
}
