import type Docker from 'dockerode';
import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import type { UnitRecord } from '../../core/journal/journal.js';
import type { HealthOptions, Unit } from '../../core/plan/plan.js';
import type { Undo } from '../../core/ports.js';
import { containerState } from '../../docker/swap.js';
import { shortId } from '../../text/format.js';
import type { RecreateSpec } from './recreate-spec.js';

/** A plain container's record: what its driver needs to undo and to recover. */
export interface ContainerRecord extends UnitRecord {
	parkedName: string;
	oldId: string;
	oldImageId: string;
	newId?: string;
	/** The name the new container was created under before the stop (staging.ts); absent when created after it. */
	stagedName?: string;
	stopTimeoutS: number;
	health: HealthOptions;
	/** Redacted `docker inspect` of the old container and of its image, taken before the pull. */
	inspect?: { container: unknown; image: unknown };
	createOptions?: unknown;
	/** Namespace and link dependents recreated around the swap (no create options: they hold env values). */
	dependents?: Array<{ name: string; id: string; parkedName: string; imageRef: string; via: string; stopTimeoutS: number }>;
}

/**
 * The journal keeps env keys, never values: recovery works from the parked
 * container itself, and a value the name-based masking does not recognise as
 * secret (DB_PWD, SENTRY_DSN...) must not sit in a file in clear.
 */
export function withoutEnvValues<T>(value: T): T {
	if (Array.isArray(value)) return value.map((item) => withoutEnvValues(item)) as T;
	if (!value || typeof value !== 'object') return value;
	const out: Record<string, unknown> = {};
	for (const [key, item] of Object.entries(value)) {
		out[key] = key === 'Env' && Array.isArray(item) ? item.map((entry) => (typeof entry === 'string' ? entry.split('=', 1)[0] : entry)) : withoutEnvValues(item);
	}
	return out as T;
}

/** What any unit that parks a container as `<name>-old` and creates its successor journals of it (a plain container, a PostgreSQL server). */
export interface ParkedContainerUnit extends Unit {
	id: string;
	parkedName: string;
	oldImageId: string;
	stopTimeoutS: number;
	inspect: ContainerInspectInfo;
	oldImage: ImageInspectInfo;
	spec: RecreateSpec;
}

export function parkedContainerFields(unit: ParkedContainerUnit, kind: string, hop: string) {
	return {
		kind,
		key: unit.key,
		name: unit.name,
		hop,
		parkedName: unit.parkedName,
		oldId: unit.id,
		oldImageId: unit.oldImageId,
		from: unit.from,
		to: unit.to,
		targetRef: unit.targetRef,
		stopTimeoutS: unit.stopTimeoutS,
		health: unit.health,
		inspect: { container: withoutEnvValues(unit.inspect), image: withoutEnvValues(unit.oldImage) },
		createOptions: withoutEnvValues(unit.spec),
	};
}

/** The hand-typed undos still owed, newest first, ending with starting the old container, which is left out when it already runs. */
export async function handOverCommands(docker: Docker, record: UnitRecord & { oldId: string }, command: (undo: Undo) => string | undefined): Promise<string[]> {
	const commands = record.actions
		.filter((action) => action.status !== 'undone')
		.reverse()
		.map((action) => command(action.undo))
		.filter((line): line is string => Boolean(line));
	const start = `docker start ${shortId(record.oldId)}`;
	commands.push(start);
	// Never advise starting a container that already runs.
	const old = await containerState(docker, record.oldId).catch(() => undefined);
	return [...new Set(commands)].filter((line) => !(old?.running && line === start));
}

/** What the engine holds now of a container's swap, one line per container (recovery and hand-over show it). */
export async function stateLines(docker: Docker, entry: ContainerRecord): Promise<string[]> {
	const newId = entry.newId ?? (entry.actions.find((action) => action.data?.newId)?.data?.newId as string | undefined);
	const newDependents = entry.actions.map((action) => action.data?.newDependentId).filter((id): id is string => typeof id === 'string');
	const lines: string[] = [];
	const wanted: Array<[string, string | undefined]> = [
		['old container', entry.oldId],
		['new container', newId],
		...(entry.dependents ?? []).map((dependent): [string, string] => [`old dependent ${dependent.name}`, dependent.id]),
		...newDependents.map((id): [string, string] => ['new dependent', id]),
	];
	for (const [label, idOrName] of wanted) {
		if (!idOrName) continue;
		const found = await containerState(docker, idOrName).catch(() => undefined);
		lines.push(found ? `${label}: ${found.name} (${shortId(found.id)}) image ${found.image}, ${found.status}` : `${label}: ${shortId(idOrName)} does not exist`);
	}
	return lines;
}
