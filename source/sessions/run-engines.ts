import { UsageError } from '../core/errors.js';
import type { JournalDoc } from '../core/journal/journal.js';
import { engineOfRecord } from '../core/journal/read-journal.js';
import type { RecoveryPlan } from '../core/run/recovery.js';
import { dispatchDrivers } from './engine-cluster.js';
import { connectEngines, type Engine } from '../docker/engine.js';
import { registryAuthFor } from '../docker/registry-auth.js';
import { ContainerDriver } from '../targets/container/driver.js';
import type { ContainerRecord } from '../targets/container/record.js';
import { ComposeDriver } from '../targets/compose/driver.js';
import { serviceContainers } from '../targets/compose/health.js';
import type { ComposeRecord } from '../targets/compose/unit.js';
import { PostgresServerDriver } from '../targets/postgres-server/driver.js';
import { SwarmServiceDriver } from '../targets/swarm/driver.js';
import type { SwarmServiceRecord } from '../targets/swarm/unit.js';

// The engines of an interrupted run, reached again for `recover`: a run over
// several engines journals each one with how to reach it (a context, an
// endpoint), and every unit record names its engine.

function driversFor(engine: Engine, env: NodeJS.ProcessEnv) {
	return {
		container: new ContainerDriver({
			docker: engine.docker,
			authFor: (ref) => registryAuthFor(ref, env),
			replan: async () => {
				throw new Error('recover never plans a new hop');
			},
		}),
		'postgres-server': new PostgresServerDriver({ docker: engine.docker, authFor: (ref) => registryAuthFor(ref, env) }),
		'swarm-service': new SwarmServiceDriver({
			docker: engine.docker,
			authFor: (ref) => registryAuthFor(ref, env),
			replan: async () => {
				throw new Error('recover never plans a new hop');
			},
		}),
		compose: new ComposeDriver({
			docker: engine.docker,
			env,
			authFor: (ref) => registryAuthFor(ref, env),
			// Recover writes no file copies: the journal names the ones the run kept.
			backupDir: '/nonexistent',
			replan: async () => {
				throw new Error('recover never plans a new hop');
			},
		}),
	};
}

/** A run's engines by the names its journal gives them (a one-engine run: the engine reached). */
export type RunEngines = Map<string, Engine>;

/**
 * The engines a run's journal names, reached again: those the operator gave
 * are used as they are (matched by endpoint), the others through the context
 * or endpoint the run recorded. One that does not answer: exit 2, nothing touched.
 */
export async function reachRunEngines(doc: JournalDoc, given: Engine[], env: NodeJS.ProcessEnv): Promise<RunEngines> {
	const recorded = doc.plan?.engines;
	if (!doc.engines || !recorded) {
		const engine = given.find((each) => each.endpoint === doc.engine) ?? given[0]!;
		return new Map([[engineOfRecord(doc, {}), engine]]);
	}
	const out: RunEngines = new Map();
	for (const wanted of recorded) {
		const reached = given.find((each) => each.endpoint === wanted.endpoint);
		if (reached) out.set(wanted.name, reached);
		else {
			const ref = wanted.ref ?? { kind: 'host' as const, value: wanted.endpoint };
			const engine = await connectEngines(env, [ref]).catch((error: unknown) => {
				throw new UsageError(`run ${doc.runId} also changed containers on ${wanted.name}: ${error instanceof Error ? error.message : String(error)}`);
			});
			out.set(wanted.name, engine[0]!);
		}
	}
	return out;
}

export function engineOf(engines: RunEngines, doc: JournalDoc, record: { engine?: string }): Engine {
	const engine = engines.get(engineOfRecord(doc, record)) ?? (engines.size === 1 ? [...engines.values()][0] : undefined);
	if (!engine) throw new Error(`the journal names an engine this recover did not reach: ${engineOfRecord(doc, record)}`);
	return engine;
}

/** One driver per kind: on one engine its own, on several one that sends each record to its engine's. */
export function runDrivers(engines: RunEngines, env: NodeJS.ProcessEnv) {
	return dispatchDrivers([...engines.entries()].map(([name, engine]) => ({ name, engine, drivers: driversFor(engine, env) })));
}

/** A container of the hop whose env names the database: a plain unit's old container, else a Compose service's container or a Swarm service's task now. */
export async function appContainerOf(engines: RunEngines, doc: JournalDoc, units: RecoveryPlan['units']) {
	const plain = units.find((unit) => (unit as ContainerRecord).oldId) as ContainerRecord | undefined;
	if (plain) {
		const engine = engineOf(engines, doc, plain);
		return { engine, info: await engine.docker.getContainer(plain.oldId).inspect() };
	}
	for (const unit of units) {
		if (unit.kind !== 'compose') continue;
		const engine = engineOf(engines, doc, unit);
		const [container] = await serviceContainers(engine.docker, unit as unknown as ComposeRecord);
		if (container) return { engine, info: await engine.docker.getContainer(container.id).inspect() };
	}
	for (const unit of units) {
		if (unit.kind !== 'swarm-service') continue;
		// A task of the service (whichever version it runs: the env that names the database is the spec's).
		const engine = engineOf(engines, doc, unit);
		const rows = await engine.docker.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.id=${(unit as unknown as SwarmServiceRecord).serviceId}`] } });
		const task = rows.sort((a, b) => Number(b.State === 'running') - Number(a.State === 'running') || b.Created - a.Created)[0];
		if (task) return { engine, info: await engine.docker.getContainer(task.Id).inspect() };
	}
	throw new Error('no container of the hop to read the database URL from');
}

