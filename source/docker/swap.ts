import type Docker from 'dockerode';
import type { RecreateSpec } from '../targets/container/recreate-spec.js';
import { engineMessage, engineStatus } from './engine.js';

// The engine operations of a swap, each with an error an operator can act on.
// Idempotent where the engine allows it: stopping a stopped container or
// starting a running one is not a failure (rollback may repeat them).

export class EngineOperationError extends Error {}

async function attempt<T>(what: string, operation: () => Promise<T>, harmless: number[] = []): Promise<T | undefined> {
	try {
		return await operation();
	} catch (error) {
		if (harmless.includes(engineStatus(error) ?? -1)) return undefined;
		throw new EngineOperationError(`${what}: ${engineMessage(error)}`, { cause: error });
	}
}

export async function stopContainer(docker: Docker, id: string, timeoutS: number): Promise<void> {
	// 304: already stopped.
	await attempt(`stopping ${id.slice(0, 12)} failed`, () => docker.getContainer(id).stop({ t: timeoutS }), [304]);
}

export async function renameContainer(docker: Docker, id: string, name: string): Promise<void> {
	await attempt(`renaming ${id.slice(0, 12)} to ${name} failed`, () => docker.getContainer(id).rename({ name }));
}

export async function createFromSpec(docker: Docker, spec: RecreateSpec): Promise<string> {
	const container = await attempt(`creating ${spec.create.name} failed`, () => docker.createContainer(spec.create));
	if (!container) throw new EngineOperationError(`creating ${spec.create.name} returned no container`);
	// Engines below API 1.44 attach only one network at create; the rest are
	// connected before the first start so the app never runs half-connected.
	for (const attachment of spec.connectBeforeStart) {
		await attempt(`connecting ${spec.create.name} to network ${attachment.network} failed`, () =>
			docker.getNetwork(attachment.network).connect({ Container: container.id, EndpointConfig: attachment.endpoint }),
		);
	}
	return container.id;
}

export async function startContainer(docker: Docker, id: string): Promise<void> {
	// 304: already running.
	await attempt(`starting ${id.slice(0, 12)} failed`, () => docker.getContainer(id).start(), [304]);
}

export async function removeContainer(docker: Docker, id: string, options: { force: boolean }): Promise<void> {
	// Volumes stay: anonymous volumes were re-attached to the other container of the pair.
	await attempt(`removing ${id.slice(0, 12)} failed`, () => docker.getContainer(id).remove({ force: options.force, v: false }), [404]);
}

export interface ContainerState {
	id: string;
	name: string;
	image: string;
	running: boolean;
	status: string;
}

export async function containerState(docker: Docker, idOrName: string): Promise<ContainerState | undefined> {
	try {
		const info = await docker.getContainer(idOrName).inspect();
		return {
			id: info.Id,
			name: info.Name.replace(/^\//, ''),
			image: info.Config.Image,
			running: info.State.Running,
			status: info.State.Status,
		};
	} catch (error) {
		if (engineStatus(error) === 404) return undefined;
		throw error;
	}
}
