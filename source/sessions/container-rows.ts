import type Docker from 'dockerode';
import type { ContainerInfo, ContainerInspectInfo } from 'dockerode';
import type { ContainerRow } from '../core/wizard-backend.js';
import { LABEL } from '../targets/compose/labels.js';
import { containerName, isRunLock, repositoryOf, sameRepository, tagOf, type Selection } from '../docker/discovery.js';
import { parseVersionTag } from '../versions/parse.js';
import { postgresMajorOf } from '../targets/postgres-server/major.js';
import { profileFor, type ProfileSet } from '../profiles/profile.js';
import { serviceOfTask } from '../targets/swarm/select.js';

// The container screen's rows. The first list comes from ONE list call (its rows
// carry names, image, labels, state and status): with hundreds of containers an
// inspect per row before the first frame was most of the wait. What only an
// inspect has (the start time for uptime, PG_MAJOR in the env, the image
// reference when the list shows an image ID) is filled in afterwards, a bounded
// number of inspects at a time, and the rows come out as a full inspect made them.

/** Inspects in flight at once: enough to hide the socket's latency, few enough not to crowd the engine. */
const DETAIL_CONCURRENCY = 8;

function healthOf(status: string): string | undefined {
	const match = /\((healthy|unhealthy|health: starting)\)/.exec(status);
	return match ? match[1]!.replace('health: ', '') : undefined;
}

/** Docker's label filter, applied to the row's own labels: `key` is present, `key=value` matches. */
function hasLabel(labels: Record<string, string> | undefined, filter: string): boolean {
	const eq = filter.indexOf('=');
	if (eq < 0) return labels?.[filter] !== undefined;
	return labels?.[filter.slice(0, eq)] === filter.slice(eq + 1);
}

function rowOf(row: ContainerInfo, info: ContainerInspectInfo | undefined, engine: string, selection: Selection, profiles: ProfileSet | undefined): ContainerRow {
	const name = containerName(row);
	const labels = (info?.Config.Labels ?? row.Labels ?? {}) as Record<string, string>;
	const image = info?.Config.Image ?? row.Image;
	const tag = tagOf(row.Image);
	const version = tag && parseVersionTag(tag) ? tag : labels[profileFor(info ?? { Config: { Image: row.Image, Labels: row.Labels }, Command: row.Command }, undefined, profiles).labels.version];
	const postgresMajor = postgresMajorOf(info?.Config.Env);
	const task = serviceOfTask(labels);
	return {
		name,
		engine,
		id: row.Id,
		image,
		repository: repositoryOf(image),
		version,
		state: row.State,
		health: healthOf(row.Status),
		startedAt: info?.State.Running ? info.State.StartedAt : undefined,
		preselected:
			selection.containers.includes(name) ||
			(selection.image !== undefined && sameRepository(repositoryOf(row.Image), selection.image)) ||
			(selection.labels.length > 0 && selection.labels.every((filter) => hasLabel(row.Labels, filter))),
		...(postgresMajor !== undefined ? { postgresMajor } : {}),
		...(labels[LABEL.project] ? { compose: { project: labels[LABEL.project], service: labels[LABEL.service] ?? '?' } } : {}),
		...(task ? { swarm: { service: task.name } } : {}),
	};
}

const byRepository = (a: ContainerRow, b: ContainerRow) => a.repository.localeCompare(b.repository) || a.name.localeCompare(b.name);

/** The one list call: dockerode's, or the first frame's peek (docker/engine-peek.ts). */
export interface ContainerLister {
	listContainers(options: { all: boolean }): Promise<ContainerInfo[]>;
}

/** The list as the one list call gives it, without the run lock; `listed` keeps the raw rows for the details. Each row names `engine`, the engine listed. */
export async function listRows(docker: ContainerLister, engine: string, selection: Selection, profiles?: ProfileSet): Promise<{ rows: ContainerRow[]; listed: Map<string, ContainerInfo> }> {
	const listed = new Map<string, ContainerInfo>();
	for (const row of await docker.listContainers({ all: true })) if (!isRunLock(row.Labels)) listed.set(row.Id, row);
	const rows = [...listed.values()].map((row) => rowOf(row, undefined, engine, selection, profiles));
	return { rows: rows.sort(byRepository), listed };
}

/** The same rows with what inspect adds; a container gone meanwhile keeps its list row. */
export async function detailRows(docker: Docker, engine: string, listed: Map<string, ContainerInfo>, selection: Selection, profiles?: ProfileSet): Promise<ContainerRow[]> {
	const queue = [...listed.values()];
	const out: ContainerRow[] = [];
	const worker = async () => {
		for (let row = queue.shift(); row; row = queue.shift()) {
			const info = await docker.getContainer(row.Id).inspect().catch(() => undefined);
			out.push(rowOf(row, info, engine, selection, profiles));
		}
	};
	await Promise.all(Array.from({ length: Math.min(DETAIL_CONCURRENCY, queue.length) }, worker));
	return out.sort(byRepository);
}
