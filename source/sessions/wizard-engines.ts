import type { ContainerInfo } from 'dockerode';
import { UsageError } from '../core/errors.js';
import type { ChosenContainer, ContainerRow, EngineInfo } from '../core/wizard-backend.js';
import type { Engine } from '../docker/engine.js';
import { inspectByName, type Selection } from '../docker/discovery.js';
import type { ProfileSet } from '../profiles/profile.js';
import { detailRows, listRows, type ContainerLister } from './container-rows.js';
import type { EngineSelection } from './engine-cluster.js';

// The wizard over one engine or several (issue 13): the list is every
// engine's, in the order the engines were given, and what the operator ticks
// becomes the same EngineSelection[] a --yes cluster runs (one name may be
// chosen on several engines).

/** The raw list rows of each engine (by engine name, then container ID), kept for the details. */
export type ListedByEngine = Map<string, Map<string, ContainerInfo>>;

type Described = Pick<Engine, 'name' | 'endpoint' | 'engineVersion' | 'apiVersion'>;

function infoOf(engine: Described): EngineInfo {
	return { name: engine.name, endpoint: engine.endpoint, engineVersion: engine.engineVersion, apiVersion: engine.apiVersion };
}

/** What the Engine screen and the header show: the first engine, and every one when there are several. */
export function engineInfo(engines: Described[]): EngineInfo {
	const lead = infoOf(engines[0]!);
	return engines.length > 1 ? { ...lead, engines: engines.map(infoOf) } : lead;
}

/**
 * Every engine's list, asked at once, rows in the engines' order. A list that
 * fails names its engine: with several, "it failed" alone does not say where.
 */
export async function listAcross(
	clients: Array<{ docker: ContainerLister; name: string }>,
	selection: Selection,
	profiles: ProfileSet | undefined,
): Promise<{ rows: ContainerRow[]; listed: ListedByEngine }> {
	const several = clients.length > 1;
	const lists = await Promise.all(
		clients.map(({ docker, name }) =>
			listRows(docker, name, selection, profiles).catch((error: unknown) => {
				if (several && error instanceof Error) error.message = `${name}: ${error.message}`;
				throw error;
			}),
		),
	);
	return { rows: lists.flatMap((list) => list.rows), listed: new Map(lists.map((list, index) => [clients[index]!.name, list.listed])) };
}

/** The rows with what an inspect adds, each engine asking for its own. */
export async function detailsAcross(engines: Engine[], rows: ContainerRow[], listed: ListedByEngine, selection: Selection, profiles: ProfileSet | undefined): Promise<ContainerRow[]> {
	const lists = await Promise.all(
		engines.map(({ docker, name }) => {
			const wanted = new Map([...(listed.get(name) ?? new Map<string, ContainerInfo>())].filter(([id]) => rows.some((row) => row.engine === name && row.id === id)));
			return wanted.size === 0 ? [] : detailRows(docker, name, wanted, selection, profiles);
		}),
	);
	return lists.flat();
}

/**
 * The chosen containers as a cluster's selection, in the engines' order. A
 * choice without its engine is the engine that has that name (one engine: it);
 * a name on two engines with none said is refused (say which, or both).
 */
export async function selectionOf(engines: Engine[], chosen: ChosenContainer[]): Promise<EngineSelection[]> {
	if (chosen.length === 0) throw new UsageError('no container selected');
	const byName = new Map(engines.map((engine) => [engine.name, engine]));
	const names = new Map<Engine, string[]>(engines.map((engine) => [engine, []]));
	for (const { name, engine: wanted } of chosen) {
		let engine = wanted === undefined ? undefined : byName.get(wanted);
		if (wanted !== undefined && !engine) throw new UsageError(`${name} is on ${wanted}, which is not one of the engines of this run (${engines.map((each) => each.name).join(', ')})`);
		if (!engine && engines.length === 1) engine = engines[0]!;
		if (!engine) {
			const having = [];
			for (const each of engines) if (await inspectByName(each.docker, name)) having.push(each);
			if (having.length === 0) throw new UsageError(`no container named ${name} on any of the engines (${engines.map((each) => each.name).join(', ')})`);
			if (having.length > 1) throw new UsageError(`${name} is on ${having.map((each) => each.name).join(' and ')}: say which engine`);
			engine = having[0]!;
		}
		if (!names.get(engine)!.includes(name)) names.get(engine)!.push(name);
	}
	return engines.filter((engine) => names.get(engine)!.length > 0).map((engine) => ({ engine, names: names.get(engine)! }));
}
