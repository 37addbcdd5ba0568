import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import { ExitCode, UsageError, messageOf } from '../core/errors.js';
import type { EventListener, Prompter, RunEvent, RunSummary } from '../core/events.js';
import { buildClusterPlan, buildPlan, containerNameResolver, planContainer, preflightContainer, type ContainerPlan } from '../targets/container/plan.js';
import { ContainerDriver } from '../targets/container/driver.js';
import { describeContainer } from '../targets/container/describe.js';
import { validateTag, type Plan, type PlanOptions } from '../core/plan/plan.js';
import { enginesOf, planEvent } from '../core/plan/describe.js';
import { summaryNames, unitLabel } from '../core/cluster-names.js';
import type { DatabaseOptions } from '../core/plan/database.js';
import { Executor } from '../core/run/executor.js';
import { databasePort } from '../postgres/database-port.js';
import { Journal, newRunId } from '../core/journal/journal.js';
import { AuditLog } from '../core/journal/audit-log.js';
import { Redactor } from '../text/redact.js';
import { stateDir } from '../core/journal/state-dir.js';
import { explainParked, refuseHeld } from './held-containers.js';
import { resolveUpgradePath, type VersionFilters } from './upgrade-path.js';
import { planDatabase } from './plan-database.js';
import { connectEngines, type Engine } from '../docker/engine.js';
import { clusterDrivers, lockEngines, selectAcross, type EngineSelection } from './engine-cluster.js';
import type { EngineRef } from '../docker/engine-resolve.js';
import type { Selection } from '../docker/discovery.js';
import { registryAuthFor } from '../docker/registry-auth.js';
import { pullImage } from '../docker/pull.js';
import { RegistryClient } from '../registry/client.js';
import { memoRegistry } from '../registry/memo-registry.js';
import { EngineLookups } from '../docker/engine-lookups.js';
import { profileFor } from '../profiles/profile.js';
import { buildComposePlan } from '../targets/compose/plan.js';
import { describeService } from '../targets/compose/describe.js';
import type { ComposeUnit } from '../targets/compose/unit.js';
import { composeDriver, composeFinder, selectionKind } from './compose-units.js';
import { planPostgresServer } from '../targets/postgres-server/plan.js';
import { describeServer } from '../targets/postgres-server/describe.js';
import { PostgresServerDriver } from '../targets/postgres-server/driver.js';
import type { PostgresServerUnit } from '../targets/postgres-server/unit.js';
import { backupDirOf } from '../core/journal/state-dir.js';
import type { SwarmServiceUnit } from '../targets/swarm/unit.js';
import { describeSwarmService } from '../targets/swarm/describe.js';
import { planSwarm, swarmDriver } from './swarm-units.js';

export type PlannedUnit = ContainerPlan | ComposeUnit | PostgresServerUnit | SwarmServiceUnit;

/** Each unit's own lines of the plan, from its kind's describer. */
export function describeUnit(unit: PlannedUnit, plan: Plan<PlannedUnit>): string[] {
	if (unit.kind === 'compose') return describeService(unit, plan as Plan<ComposeUnit>);
	if (unit.kind === 'postgres-server') return describeServer(unit, plan as Plan<PostgresServerUnit>);
	if (unit.kind === 'swarm-service') return describeSwarmService(unit, plan as Plan<SwarmServiceUnit>);
	return describeContainer(unit, plan as Plan<ContainerPlan>);
}

// One upgrade from selection to summary. The --yes reporters and the
// interactive front ends all come through here, so every mode runs the same
// preflight, plan and executor.

export interface UpgradeRequest extends PlanOptions, DatabaseOptions {
	selection: Selection;
	to?: string;
	filters: VersionFilters;
	dryRun: boolean;
	/** --yes: a major upgrade must be named with --to or allowed with --allow-major. */
	unattended: boolean;
	argv: string[];
	/** --host/--context in the order given; none: DOCKER_HOST, DOCKER_CONTEXT, currentContext, the socket. */
	engines?: EngineRef[];
}

export interface SessionIo {
	onEvent: EventListener;
	prompter: Prompter;
	signal?: AbortSignal;
	env?: NodeJS.ProcessEnv;
}

export async function runUpgrade(request: UpgradeRequest, io: SessionIo): Promise<number> {
	const env = io.env ?? process.env;
	const redactor = new Redactor();
	const emit = (event: RunEvent) => io.onEvent({ ...redactor.value(event), at: Date.now() });
	if (request.to !== undefined) validateTag(request.to);

	const engines = await connectEngines(env, request.engines);
	// Before the selection is resolved: a held container may not even exist under its name now.
	for (const engine of engines) await refuseHeld(engine, request.selection.containers, env);
	const { groups, unmatched } = await selectAcross(engines, request.selection);
	for (const engine of unmatched) emit({ type: 'warning', message: `nothing selected on ${engine.name}: it takes no part in this run` });

	if (request.dryRun) {
		const plan = await planCluster(groups, request, env, redactor, true);
		const names = plan.units.map(unitLabel);
		emit({ type: 'run-started', runId: 'dry-run', containers: names, engines: enginesOf(plan.units), dryRun: true });
		emit(planEvent(plan, describeUnit));
		const to = `${plan.path.repository}:${plan.hops[plan.hops.length - 1]}`;
		emit({
			type: 'run-done',
			summary: {
				runId: 'dry-run',
				exitCode: ExitCode.ok,
				containers: plan.units.map((unit) => ({ ...summaryNames(unit), engine: unit.engine, from: unit.from, to, result: 'dry-run' })),
			},
		});
		return ExitCode.ok;
	}

	const summary = await executeCluster(groups, request, io, redactor);
	return summary.exitCode;
}

/** A run that ended by an error after it had touched something: exit 3, and `recover` knows the rest. */
export class RunInterrupted extends Error {
	readonly exitCode = ExitCode.rollbackIncomplete;
	constructor(journal: string, cause: string) {
		super(`the run stopped on an unexpected error after it had changed containers: ${cause}; see what is where with \`upgrade-wizard recover --dry-run\` and put it back with \`upgrade-wizard recover\` (journal ${journal})`);
		this.name = 'RunInterrupted';
	}
}

/** Lock, plan, journal and run: the part every mode shares once the containers are chosen. */
export async function executeUpgrade(engine: Engine, names: string[], request: UpgradeRequest, io: SessionIo, redactor = new Redactor()): Promise<RunSummary> {
	return executeCluster([{ engine, names }], request, io, redactor);
}

/** executeUpgrade over one or several engines: a lock on each, one plan, one journal naming every engine. */
export async function executeCluster(groups: EngineSelection[], request: UpgradeRequest, io: SessionIo, redactor = new Redactor()): Promise<RunSummary> {
	const env = io.env ?? process.env;
	const state = stateDir(env);
	const lead = groups[0]!.engine;
	// The locks are taken before preflight so no engine can change under a plan
	// another run is executing.
	const locks = await lockEngines(groups.map((group) => group.engine));
	try {
		const plan = await planCluster(groups, request, env, redactor);
		const runId = newRunId();
		const journal = await Journal.create({ dir: state, runId, engine: lead.endpoint, engines: groups.map((group) => group.engine.endpoint), argv: request.argv, redactor });
		const audit = await AuditLog.open(state, runId, redactor);
		const executor = new Executor({
			drivers: clusterDrivers(groups, ({ engine, names }) => ({
				container: containerDriver(engine, names, request, redactor, env),
				compose: composeDriver(engine, request, redactor, env),
				'postgres-server': new PostgresServerDriver({ docker: engine.docker, authFor: (ref) => registryAuthFor(ref, env) }),
				'swarm-service': swarmDriver(engine, request, redactor, env),
			})),
			// The database is found through the first engine (planCluster located it there).
			database: databasePort(lead.docker),
			journal,
			audit,
			prompter: io.prompter,
			redactor,
			onEvent: io.onEvent,
			signal: io.signal,
		});
		try {
			return await executor.run(plan);
		} catch (error) {
			// Thrown past the executor (the journal could not be written, the engine went away):
			// if anything was touched, only the journal knows what is where now.
			if (journal.doc.seq > 0) throw new RunInterrupted(journal.path, messageOf(error));
			throw error;
		}
	} finally {
		await locks.release();
	}
}

/** The driver of plain containers on this engine; later hops are planned from what runs then. */
export function containerDriver(engine: Engine, names: string[], options: PlanOptions, redactor: Redactor, env: NodeJS.ProcessEnv): ContainerDriver {
	return new ContainerDriver({
		docker: engine.docker,
		authFor: (ref) => registryAuthFor(ref, env),
		replan: async (name, targetRef) => {
			// What runs now, after the previous hop: a lookups object of its own.
			const lookups = new EngineLookups(engine.docker);
			const { info, oldImage, dependents } = await preflightContainer(lookups, name, names);
			redactor.addEnv(info.Config.Env);
			for (const dependent of dependents) redactor.addEnv(dependent.info.Config.Env);
			return planContainer(engine, info, oldImage, targetRef, options, await containerNameResolver(lookups), dependents);
		},
	});
}

/**
 * `showMissingDatabase`: --dry-run shows the plan with the database marked
 * missing instead of stopping at it (a run, and the wizard's preview, refuse).
 */
export async function planFor(
	engine: Engine,
	names: string[],
	request: UpgradeRequest,
	env: NodeJS.ProcessEnv,
	redactor: Redactor,
	showMissingDatabase = false,
): Promise<Plan<PlannedUnit>> {
	return planCluster([{ engine, names }], request, env, redactor, showMissingDatabase);
}

/** planFor over one or several engines: one version path, one database plan (found through the first engine). */
export async function planCluster(
	groups: EngineSelection[],
	request: UpgradeRequest,
	env: NodeJS.ProcessEnv,
	redactor: Redactor,
	showMissingDatabase = false,
): Promise<Plan<PlannedUnit>> {
	for (const { engine, names, services } of groups) await refuseHeld(engine, [...names, ...(services ?? []).map((service) => service.name)], env);
	const engine = groups[0]!.engine;
	const several = groups.length > 1;
	// One plan asks the registry and the engine each thing once, whatever the number of containers.
	const client = memoRegistry(new RegistryClient({ env }));
	const lookupsOf = groups.map((group) => new EngineLookups(group.engine.docker));
	const lookups = lookupsOf[0]!;
	const resolvePath = (info: ContainerInspectInfo, oldImage: ImageInspectInfo) =>
		resolveUpgradePath({
			client,
			container: info,
			image: oldImage,
			profile: profileFor(info, oldImage, request.profiles),
			to: request.to,
			filters: request.filters,
			requireExplicitMajor: request.unattended,
			// A target used as it is on the engine (the registry did not answer) must be on every engine.
			localImageExists: async (ref) => (await Promise.all(lookupsOf.map((each) => each.imageExists(ref)))).every(Boolean),
		});
	const explain = (parkedName: string) => explainParked(env, parkedName);
	let plan: Plan<PlannedUnit>;
	if (several) {
		for (const [index, group] of groups.entries()) {
			const kind = await selectionKind(lookupsOf[index]!, group.names);
			if (kind === 'compose') {
				throw new UsageError(`Compose services on several engines are upgraded one project at a time: run once per engine (one --host or --context); ${group.engine.name} holds ${group.names.join(', ')}`);
			}
			if (kind === 'swarm') throw new UsageError(`Swarm services are updated through their manager, one swarm at a time: give one --host or --context; ${group.engine.name} holds tasks ${group.names.join(', ')}`);
		}
		plan = await buildClusterPlan(groups.map((group, index) => ({ lookups: lookupsOf[index]!, engine: group.engine, names: group.names })), request, resolvePath, explain);
		if (plan.path.postgresMajor) throw new UsageError('a PostgreSQL server moves to a new major on one engine at a time: give one --host or --context');
	} else {
		const { names, services } = groups[0]!;
		const kind = services ? 'swarm' : await selectionKind(lookups, names);
		plan =
			kind === 'swarm'
				? await planSwarm(engine, lookups, groups[0]!, request, { registry: client, resolvePath })
				: kind === 'compose'
					? await buildComposePlan({ docker: engine.docker, engine, env, findCli: composeFinder(env), resolvePath }, names, request)
					: await buildPlan(lookups, engine, names, request, resolvePath, explain);
	}
	if (plan.path.postgresMajor) {
		// The server backs itself up (every database and the roles): no app database plan.
		plan = await planPostgresServer(engine.docker, plan as Plan<ContainerPlan>, { ...request, backupDir: backupDirOf(stateDir(env), request.backupDir) }, redactor);
		for (const unit of plan.units) redactor.addEnv(unit.inspect.Config.Env);
		return plan;
	}
	// Every secret the selected containers carry is known before the first event.
	for (const unit of plan.units) {
		redactor.addEnv(unit.inspect.Config.Env);
		if (unit.kind === 'container') for (const dependent of unit.dependents) redactor.addEnv(dependent.spec.create.Env);
		if (unit.kind === 'compose') for (const secret of unit.secrets) redactor.add(secret);
	}
	if (request.skipBackup && request.skipBackupBy) plan.backupSkippedBy = request.skipBackupBy;
	plan.database = await planDatabase(engine.docker, plan, request, {
		dryRun: request.dryRun,
		onMissing: showMissingDatabase ? (problem) => (plan.databaseMissing = problem) : undefined,
		env,
		stateDir: stateDir(env),
		redactor,
		// The tools image is fetched in preflight when missing: no app container is touched by it.
		ensureImage: async (ref) => {
			const present = await engine.docker.getImage(ref).inspect().then(() => true, () => false);
			if (present) return true;
			return pullImage(engine.docker, ref, { auth: await registryAuthFor(ref, env), timeoutMs: 10 * 60_000 }).then(() => true, () => false);
		},
	});
	return plan;
}

export { UsageError };
