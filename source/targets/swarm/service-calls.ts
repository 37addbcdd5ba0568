import type Docker from 'dockerode';
import { readUpdate, type UpdateReading, type UpdateStatusLike } from './update-status.js';
import type { ServiceSpecLike } from './spec.js';

// The engine calls of a swarm-service upgrade. docker-modem puts a POST's
// options in both the query and the body unless told apart: _query carries
// version (and rollback), _body the spec; the registry auth goes as
// X-Registry-Auth so the nodes can pull the pinned image.

export interface ServiceNow {
	version: number;
	spec: ServiceSpecLike;
	previousSpec?: ServiceSpecLike;
	updateStatus?: UpdateStatusLike;
}

export async function inspectService(docker: Docker, id: string): Promise<ServiceNow> {
	const info = (await docker.getService(id).inspect()) as { Version: { Index: number }; Spec: ServiceSpecLike; PreviousSpec?: ServiceSpecLike; UpdateStatus?: UpdateStatusLike };
	return { version: info.Version.Index, spec: info.Spec, previousSpec: info.PreviousSpec, updateStatus: info.UpdateStatus };
}

export async function updateService(docker: Docker, id: string, version: number, spec: ServiceSpecLike, auth?: object): Promise<void> {
	await docker.getService(id).update(auth as never, { _query: { version }, _body: spec } as never);
}

/** The engine's own rollback to PreviousSpec (`docker service rollback`): the API wants the current spec back with rollback=previous. */
export async function rollbackService(docker: Docker, id: string): Promise<void> {
	const now = await inspectService(docker, id);
	await docker.getService(id).update(undefined as never, { _query: { version: now.version, rollback: 'previous' }, _body: now.spec } as never);
}

export interface TaskNow {
	id: string;
	image: string;
	state: string;
	desired: string;
	containerId?: string;
	/** The container's health when it is on this engine and has a healthcheck. */
	health?: string;
}

/** The service's tasks; `health`: also ask each local container for its health (the checks after a rollback do, the follower need not). */
export async function tasksOf(docker: Docker, id: string, { health: withHealth = true } = {}): Promise<TaskNow[]> {
	const rows = (await docker.listTasks({ filters: { service: [id] } })) as Array<{
		ID: string;
		Spec?: { ContainerSpec?: { Image?: string } };
		Status?: { State?: string; ContainerStatus?: { ContainerID?: string } };
		DesiredState?: string;
	}>;
	return Promise.all(
		rows.map(async (row) => {
			const containerId = row.Status?.ContainerStatus?.ContainerID;
			const health = containerId && withHealth ? await docker.getContainer(containerId).inspect().then((info) => info.State.Health?.Status, () => undefined) : undefined;
			return { id: row.ID, image: row.Spec?.ContainerSpec?.Image ?? '', state: row.Status?.State ?? '', desired: row.DesiredState ?? '', ...(containerId ? { containerId } : {}), ...(health ? { health } : {}) };
		}),
	);
}

/**
 * Poll until the update we started ends (completed, paused, rolled back) or
 * `timeoutMs` passes; `onProgress` hears each reading. Bounded in time.
 */
export async function followUpdate(
	docker: Docker,
	id: string,
	newImage: string,
	startedAfter: number,
	timeoutMs: number,
	onProgress: (reading: UpdateReading) => void,
	signal?: AbortSignal,
): Promise<UpdateReading | { phase: 'timeout' }> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (signal?.aborted) throw signal.reason ?? new Error('aborted');
		const now = await inspectService(docker, id);
		const reading = readUpdate(now.updateStatus, await tasksOf(docker, id, { health: false }), newImage, startedAfter);
		onProgress(reading);
		if (reading.phase === 'completed' || reading.phase === 'paused' || reading.phase === 'rolled-back') return reading;
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	return { phase: 'timeout' };
}
