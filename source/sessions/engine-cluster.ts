import { UsageError } from '../core/errors.js';
import type { UnitDriver } from '../core/ports.js';
import type { Unit } from '../core/plan/plan.js';
import { acquireLock, type EngineLock } from '../core/journal/lock.js';
import { dockerCommandOn, perEngine } from '../core/run/engine-drivers.js';
import { engineLockStore } from '../docker/engine-lock.js';
import type { Engine } from '../docker/engine.js';
import { inspectByName, selectContainers, type Selection } from '../docker/discovery.js';
import { selectServices, type SelectedService } from '../targets/swarm/select.js';

// A cluster over several engines (issue 13): the selection on every engine,
// one lock per engine, one driver of each kind in front of the engines'.

/** The containers a run upgrades on one engine. */
export interface EngineSelection {
	engine: Engine;
	names: string[];
	/** --service: Swarm services (then `names` is empty: a service is no container). */
	services?: SelectedService[];
}

/**
 * The selection applied on every engine, in the order the engines were given.
 * An engine where nothing matches is left out (the caller says so); nothing
 * matching anywhere is the one-engine refusal. One name may be selected on
 * several engines (the usual cluster): the run labels each with its engine.
 */
export async function selectAcross(engines: Engine[], selection: Selection): Promise<{ groups: EngineSelection[]; unmatched: Engine[] }> {
	if (selection.services?.length) return { groups: [await selectSwarm(engines, selection)], unmatched: [] };
	if (engines.length === 1) return { groups: [{ engine: engines[0]!, names: await selectContainers(engines[0]!.docker, selection) }], unmatched: [] };
	const groups: EngineSelection[] = [];
	const unmatched: Engine[] = [];
	const refusals: string[] = [];
	for (const engine of engines) {
		// --container NAME: the engines that have it (a name missing everywhere is refused below).
		const present: string[] = [];
		for (const name of selection.containers) if (await inspectByName(engine.docker, name)) present.push(name);
		const here: Selection = { ...selection, containers: present };
		if (present.length === 0 && !selection.image && selection.labels.length === 0) {
			unmatched.push(engine);
			continue;
		}
		try {
			groups.push({ engine, names: await selectContainers(engine.docker, here) });
		} catch (error) {
			if (!(error instanceof UsageError)) throw error;
			unmatched.push(engine);
			refusals.push(`${engine.name}: ${error.message}`);
		}
	}
	for (const name of selection.containers) {
		if (!groups.some((group) => group.names.includes(name))) throw new UsageError(`no container named ${name} on any of the engines (${engines.map((engine) => engine.name).join(', ')})`);
	}
	if (groups.length === 0) throw new UsageError(`nothing selected on any engine (${refusals.join('; ')})`);
	return { groups, unmatched };
}

/** --service: one manager, services only (their update is a different kind of run from a container's). */
async function selectSwarm(engines: Engine[], selection: Selection): Promise<EngineSelection> {
	if (selection.containers.length > 0 || selection.image || selection.labels.length > 0) {
		throw new UsageError('the selection mixes Swarm services (--service) and containers (--container, --image, --label); upgrade them in separate runs');
	}
	if (engines.length > 1) throw new UsageError(`Swarm services are updated through their manager, one swarm at a time: give one --host or --context (given: ${engines.map((engine) => engine.name).join(', ')})`);
	const engine = engines[0]!;
	return { engine, names: [], services: await selectServices(engine.docker, selection.services!) };
}

/**
 * A lock on every engine (each once, however often it is given), always in the
 * same order (by endpoint), so two runs over overlapping engines cannot each
 * hold one and wait for the other. Any refusal releases what was taken.
 */
export async function lockEngines(engines: Engine[]): Promise<{ release(): Promise<void> }> {
	const distinct = [...new Map(engines.map((engine) => [engine.endpoint, engine])).values()];
	const ordered = distinct.sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
	const held: EngineLock[] = [];
	const release = async () => {
		for (const lock of held.reverse()) await lock.release();
	};
	try {
		for (const engine of ordered) held.push(await acquireLock(engineLockStore(engine.docker), engine.endpoint));
	} catch (error) {
		await release();
		throw error;
	}
	return { release };
}

/** One engine's drivers, under the name its units (or journal records) give it. */
export interface EngineDrivers {
	name: string;
	engine: Engine;
	drivers: Record<string, UnitDriver<any>>;
}

/**
 * The drivers of a run: on one engine its own; on several, one per kind that
 * sends each unit to its engine's (hand-typed commands get that engine's flag).
 */
export function dispatchDrivers(byEngine: EngineDrivers[]): Record<string, UnitDriver<any>> {
	if (byEngine.length === 1) return byEngine[0]!.drivers;
	const engineByName = new Map(byEngine.map(({ name, engine }) => [name, engine]));
	const commandOn = (name: string, command: string) => {
		const engine = engineByName.get(name);
		return engine ? dockerCommandOn(engine, command) : command;
	};
	return Object.fromEntries(
		Object.keys(byEngine[0]!.drivers).map((kind) => [kind, perEngine<Unit>(kind, { drivers: new Map(byEngine.map(({ name, drivers }) => [name, drivers[kind]!])), commandOn })]),
	);
}

/** A new run's drivers: each engine's built for the containers selected there. */
export function clusterDrivers(groups: EngineSelection[], driversOf: (group: EngineSelection) => Record<string, UnitDriver<any>>): Record<string, UnitDriver<any>> {
	return dispatchDrivers(groups.map((group) => ({ name: group.engine.name, engine: group.engine, drivers: driversOf(group) })));
}
