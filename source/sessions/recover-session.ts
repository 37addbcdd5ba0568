import { ExitCode, UsageError } from '../core/errors.js';
import type { ContainerSummary, RunEvent, RunSummary } from '../core/events.js';
import { Journal, type JournalDoc } from '../core/journal/journal.js';
import type { ContainerRecord } from '../targets/container/record.js';
import { AuditLog } from '../core/journal/audit-log.js';
import { lockEngines } from './engine-cluster.js';
import { appContainerOf, engineOf, reachRunEngines, runDrivers, type RunEngines } from './run-engines.js';
import { stateDir } from '../core/journal/state-dir.js';
import { engineOfRecord, interruptedRunFiles, isInterrupted, listRuns, onEngine, runIsLive } from '../core/journal/read-journal.js';
import { RunContext } from '../core/run/context.js';
import { planRecovery, recoverRun, type RecoveryPlan } from '../core/run/recovery.js';
import { Gates } from '../core/run/gates.js';
import { connectEngine, connectEngines, type Engine } from '../docker/engine.js';
import type { EngineRef } from '../docker/engine-resolve.js';
import { serviceContainers } from '../targets/compose/health.js';
import type { ComposeRecord } from '../targets/compose/unit.js';
import { databasePort } from '../postgres/database-port.js';
import { Redactor } from '../text/redact.js';
import { locateDatabase } from './plan-database.js';
import type { SessionIo } from './upgrade-session.js';
import type { InterruptedRunRow } from '../core/wizard-backend.js';
import { summaryNames, unitLabel } from '../core/cluster-names.js';

// `upgrade-wizard recover [--yes] [--json] [--dry-run] [RUN_ID]`: finds the runs
// of this engine whose journal is not finished and whose process is gone, and
// puts each back from its journal (core/run/recovery.ts does the work).

export interface RecoverRequest {
	runId?: string;
	dryRun: boolean;
	/** --host/--context: the engine whose runs to recover. */
	engines?: EngineRef[];
}

export type InterruptedRun = InterruptedRunRow;

/** Runs to recover: all interrupted ones of the engines given, or the one named (refused with the reason when it cannot be). */
async function selectRuns(state: string, engines: Engine[], runId: string | undefined): Promise<Array<{ path: string; doc: JournalDoc }>> {
	if (!runId) {
		// Oldest first: runs are put back in the order they were interrupted; a cluster's run once.
		const found = new Map<string, { path: string; doc: JournalDoc }>();
		for (const engine of engines) for (const run of await interruptedRunFiles(state, engine.endpoint)) found.set(run.path, run);
		return [...found.values()].sort((a, b) => (a.doc.startedAt < b.doc.startedAt ? -1 : a.doc.startedAt > b.doc.startedAt ? 1 : 0));
	}
	const found = (await listRuns(state)).find((run) => run.doc?.runId === runId || run.path.endsWith(`/${runId}.json`));
	if (!found) throw new UsageError(`no run ${runId} in ${state}/runs`);
	if (!found.doc) throw new UsageError(found.problem ?? `run ${runId} cannot be read`);
	const doc = found.doc;
	if (!engines.some((engine) => onEngine(doc, engine.endpoint))) {
		throw new UsageError(`run ${runId} was on the engine ${doc.engine}, not ${engines.map((engine) => engine.endpoint).join(', ')}; point --host, --context or DOCKER_HOST at it`);
	}
	if (runIsLive(doc) && (doc.status === 'running' || doc.recovery?.status === 'running')) {
		throw new UsageError(`run ${runId} is still in progress (pid ${doc.recovery?.status === 'running' ? doc.recovery.pid : doc.pid} on ${doc.host}); let it finish`);
	}
	if (!isInterrupted(doc)) throw new UsageError(`run ${runId} finished (${doc.status}); nothing to recover`);
	return [{ path: found.path, doc }];
}

async function contextFor(engines: RunEngines, doc: JournalDoc, path: string, io: SessionIo, env: NodeJS.ProcessEnv, redactor: Redactor): Promise<RunContext> {
	// Every secret the units' containers carry is known before the first event.
	for (const record of Object.values(doc.containers) as ContainerRecord[]) {
		const engine = engineOf(engines, doc, record);
		// A Compose service's containers are found by its labels: Compose replaced the old ones.
		const service = record.kind === 'compose' ? await serviceContainers(engine.docker, record as unknown as ComposeRecord).catch(() => []) : [];
		for (const id of [record.oldId, record.newId, ...service.map((container) => container.id)]) {
			if (!id) continue;
			const info = await engine.docker.getContainer(id).inspect().catch(() => undefined);
			redactor.addEnv(info?.Config.Env);
		}
	}
	const journal = await Journal.load(path, redactor);
	const lead = engines.values().next().value as Engine;
	return new RunContext({
		drivers: runDrivers(engines, env),
		database: databasePort(lead.docker),
		journal,
		audit: await AuditLog.open(stateDir(env), doc.runId, redactor),
		prompter: io.prompter,
		redactor,
		onEvent: io.onEvent,
	});
}

async function describe(ctx: RunContext, plan: RecoveryPlan): Promise<InterruptedRun> {
	const doc = ctx.journal.doc;
	const stateNow: string[] = [];
	for (const record of plan.units) {
		for (const line of await ctx.driver(record.kind).stateNow(record).catch(() => [`${unitLabel(record)}: cannot be inspected`])) stateNow.push(`${unitLabel(record)}: ${line}`);
	}
	return {
		runId: doc.runId,
		startedAt: doc.startedAt,
		by: `${doc.user}@${doc.host} (pid ${doc.pid})`,
		containers: doc.plan?.units.map(unitLabel) ?? plan.units.map(unitLabel),
		stateNow,
		steps: plan.steps,
		journal: ctx.journal.path,
	};
}


/** The interrupted runs of the engines (the wizard's: every one given), described, touching nothing (the Recovery screen, --dry-run). */
export async function describeInterrupted(env: NodeJS.ProcessEnv = process.env, engines?: Engine[]): Promise<InterruptedRun[]> {
	const reached = engines ?? [await connectEngine(env)];
	const state = stateDir(env);
	const out: InterruptedRun[] = [];
	for (const { path, doc } of await selectRuns(state, reached, undefined)) {
		const engines = await reachRunEngines(doc, reached, env);
		const ctx = await contextFor(engines, doc, path, { onEvent: () => undefined, prompter: { name: '--yes', confirm: async () => false } }, env, new Redactor());
		out.push(await describe(ctx, planRecovery(ctx)));
	}
	return out;
}

export async function runRecover(request: RecoverRequest, io: SessionIo, reached?: Engine[]): Promise<number> {
	return (await recoverRuns(request, io, reached)).exitCode;
}

/** Recover the interrupted runs (or the one named); the summary is the last run's, with the worst exit code. `reached`: the engines already connected (the wizard's). */
export async function recoverRuns(request: RecoverRequest, io: SessionIo, reached?: Engine[]): Promise<RunSummary> {
	const env = io.env ?? process.env;
	const redactor = new Redactor();
	const emit = (event: RunEvent) => io.onEvent({ ...redactor.value(event), at: Date.now() });
	const given = reached ?? (await connectEngines(env, request.engines));
	const state = stateDir(env);
	for (const run of await listRuns(state)) {
		if (run.problem) emit({ type: 'warning', message: run.problem });
	}
	const runs = await selectRuns(state, given, request.runId);
	if (runs.length === 0) {
		const nothing: RunSummary = { runId: 'recover', exitCode: ExitCode.ok, containers: [], message: `nothing to recover on ${given.map((engine) => engine.endpoint).join(', ')}: no interrupted run` };
		emit({ type: 'run-done', summary: nothing });
		return nothing;
	}
	const reachedByRun = new Map<string, RunEngines>();
	for (const { path, doc } of runs) reachedByRun.set(path, await reachRunEngines(doc, given, env));
	// The locks keep a new run (or a second recover) off every engine involved meanwhile.
	const locks = request.dryRun ? undefined : await lockEngines([...reachedByRun.values()].flatMap((engines) => [...engines.values()]));
	try {
		let exitCode: number = ExitCode.ok;
		let last: RunSummary | undefined;
		for (const { path, doc } of runs) {
			const engines = reachedByRun.get(path)!;
			const ctx = await contextFor(engines, doc, path, io, env, redactor);
			const plan = planRecovery(ctx);
			const shown = await describe(ctx, plan);
			const lines = [
				`interrupted run ${shown.runId}, started ${shown.startedAt} by ${shown.by}: ${shown.containers.join(', ')}`,
				...shown.stateNow.map((line) => `  now: ${line}`),
				...shown.steps.map((step) => `  recover will: ${step}`),
			];
			if (request.dryRun) {
				emit({ type: 'plan', lines });
				last = { runId: doc.runId, exitCode: ExitCode.ok, containers: plan.units.map((record): ContainerSummary => ({ ...summaryNames(record), engine: engineOfRecord(doc, record), from: record.from, to: record.to, result: 'dry-run' })), journal: shown.journal };
				emit({ type: 'run-done', summary: last });
				continue;
			}
			const go = await new Gates(ctx).ask({ kind: 'recover', title: 'Recover the interrupted run?', message: lines[0]!, details: lines.slice(1) });
			if (!go) {
				exitCode = Math.max(exitCode, ExitCode.usage);
				last = { runId: doc.runId, exitCode: ExitCode.usage, containers: [], journal: shown.journal, message: `run ${doc.runId} left as it is: recover not confirmed` };
				emit({ type: 'run-done', summary: last });
				continue;
			}
			const summary = await recoverRun(ctx, {
				restoreTarget: async () => {
					const database = doc.plan?.database;
					if (!database) throw new Error('the journal names no database');
					const { engine, info } = await appContainerOf(engines, doc, plan.units);
					redactor.addEnv(info.Config.Env);
					const target = await locateDatabase(engine.docker, info, database, env);
					redactor.add(target.target?.password);
					return target;
				},
			});
			exitCode = Math.max(exitCode, summary.exitCode);
			last = summary;
		}
		return { ...last!, exitCode };
	} finally {
		await locks?.release();
	}
}
